"""Whose an api key is, remembered in the process: a key read many times a minute
(every request of a script or a busy client) is looked up in the database once.

A remembered answer must never outlive the key: every change that makes a key stop
(a new key, deactivation) announces `k:<user>` over the live-updates channel
(app/live/announce.py) in its own transaction, and every process forgets that
person's keys when it hears it (app/live/hub.py). The memory is trusted only while
that channel is heard: answers are kept per listening connection, so those from
before a lost connection are never used again (announcements may have been missed
meanwhile), and without a listening connection every request asks the database.
A lookup that began before a change was heard is not kept (`_forgotten`), so a slow
lookup of the old key cannot put it back.

Kept: the person's id and whether they are active (the rate limit counts by id; the
fast reads need no more). Unknown keys are not remembered: a stream of made-up keys
costs the database as before (and the rate limit's budget for wrong keys caps it).
"""

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from app.core.reads import DatabaseServer
from app.core.security import hash_api_key

# Remembered keys at most (least recently used forgotten first), and for how long:
# the announcement is what ends a key; the age only bounds what a bug could keep.
MAX_KEYS = 100_000
KEEP_SECONDS = 300.0

_LOOKUP = "SELECT id, active FROM users WHERE api_key_hash = $1"


@dataclass(frozen=True, slots=True)
class KeyOwner:
    user_id: int
    active: bool


class Channel(Protocol):
    """What the memory needs of the live-updates listener (app/live/listener.py)."""

    @property
    def heard_since(self) -> int | None:
        """The listening connection's number while it listens; None while it does not."""


class KeyOwners:
    def __init__(self, primary: DatabaseServer, channel: Channel) -> None:
        self.primary = primary
        self.channel = channel
        # hash -> (owner, the listening connection it was heard under, when)
        self._known: OrderedDict[str, tuple[KeyOwner, int, float]] = OrderedDict()
        self._by_user: dict[int, set[str]] = {}
        self._forgotten = 0  # changes heard: a lookup across one is not kept

    async def owner(self, api_key: str) -> KeyOwner | None:
        key_hash = hash_api_key(api_key)
        listening = self.channel.heard_since
        known = self._known.get(key_hash)
        if known is not None:
            owner, heard_under, at = known
            if heard_under == listening and time.monotonic() - at < KEEP_SECONDS:
                self._known.move_to_end(key_hash)
                return owner
            self._drop(key_hash)
        forgotten = self._forgotten
        row = await self.primary.fetchrow(_LOOKUP, key_hash)
        if row is None:
            return None
        owner = KeyOwner(row[0], row[1])
        # Kept only if nothing can have been missed while it was looked up.
        unchanged = forgotten == self._forgotten and self.channel.heard_since == listening
        if listening is not None and unchanged:
            self._keep(key_hash, owner, listening)
        return owner

    def forget_user(self, user_id: int) -> None:
        """`user_id`'s keys changed (announced `k:<user>`): ask the database again."""
        self._forgotten += 1
        for key_hash in list(self._by_user.get(user_id, ())):
            self._drop(key_hash)

    def _keep(self, key_hash: str, owner: KeyOwner, listening: int) -> None:
        self._known[key_hash] = (owner, listening, time.monotonic())
        self._by_user.setdefault(owner.user_id, set()).add(key_hash)
        while len(self._known) > MAX_KEYS:
            self._drop(next(iter(self._known)))

    def _drop(self, key_hash: str) -> None:
        known = self._known.pop(key_hash, None)
        if known is not None:
            hashes = self._by_user.get(known[0].user_id)
            if hashes is not None:
                hashes.discard(key_hash)
                if not hashes:
                    del self._by_user[known[0].user_id]
