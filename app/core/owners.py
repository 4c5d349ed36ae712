"""Whose an api key or a session cookie is, remembered in the process: a credential
sent many times a minute (every request of a script, a browser's every page) is
looked up in the database once, by the rate limit and the fast reads. (The FastAPI
routes load the person in their own session, as before.)

What is remembered only says who is probably asking: each fast read's statement
checks the credential again in its own snapshot (app/handlers/fast/json_sql.py), so
a key replaced or a session ended a moment ago is refused by every process (on a
read replica, once the replica has replayed the change).

To keep that probably right, a remembered answer must not outlive its credential:
every change that ends one (a new key, deactivation, a session ended) announces
`k:<user>` over the live-updates channel (app/live/announce.py, and migration 0012's
trigger on users), and every process forgets that person's credentials when it hears
it (app/live/hub.py). The memory is trusted only while that channel is heard:
answers are kept per listening connection, so those from before a lost connection
are never used again (announcements may have been missed meanwhile), and without a
listening connection every request asks the database. A lookup that began before a
change was heard is not kept (`_forgotten`), so a slow lookup of the old credential
cannot put it back. Unknown credentials are not remembered: a stream of made-up ones
costs the database as before (the rate limit's budget for wrong keys caps it).

A session is remembered with its clocks: one past its end or idle is not used, and
one whose idle clock is due to be moved on is left to the ORM's lookup, which moves
it (app/core/sessions.py), and looked up again after.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

import asyncpg
from starlette.types import Scope

from app.core.reads import Channel, DatabaseServer
from app.core.security import hash_api_key, hash_session_token
from app.core.sessions import touch_every

# Remembered credentials at most, of each kind (least recently used forgotten first),
# and for how long: the announcement is what ends one; the age only bounds what a bug
# could keep.
MAX_REMEMBERED = 100_000
KEEP_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class KeyOwner:
    user_id: int
    active: bool


@dataclass(frozen=True, slots=True)
class SessionOwner:
    user_id: int
    expires_at: datetime
    last_seen_at: datetime

    def open(self, idle: timedelta) -> bool:
        """Open now, and its idle clock not yet due to be moved on."""
        now = datetime.now(UTC)
        return now < self.expires_at and now - self.last_seen_at < touch_every(idle)


T = TypeVar("T", KeyOwner, SessionOwner)


class _Remembered(Generic[T]):
    """Owners of one kind of credential, by the credential's hash."""

    def __init__(
        self,
        primary: DatabaseServer,
        channel: Channel,
        lookup: str,
        owner_of: Callable[[asyncpg.Record], T],
        asked: str,
    ) -> None:
        self.primary, self.channel = primary, channel
        self.lookup, self.asked = lookup, asked
        self.owner_of: Callable[[asyncpg.Record], T] = owner_of
        # hash -> (owner, the listening connection it was heard under, when)
        self._known: OrderedDict[str, tuple[T, int, float]] = OrderedDict()
        self._by_user: dict[int, set[str]] = {}
        self._forgotten = 0  # changes heard: a lookup across one is not kept

    async def owner_for(self, scope: Scope, hashed: str) -> T | None:
        """`owner`, once per request: the rate limit and the fast reads both ask."""
        state = scope.setdefault("state", {})
        asked: tuple[str, T | None] | None = state.get(self.asked)
        if asked is None or asked[0] != hashed:
            asked = (hashed, await self.owner(hashed))
            state[self.asked] = asked
        return asked[1]

    async def owner(self, hashed: str) -> T | None:
        listening = self.channel.heard_since
        known = self._known.get(hashed)
        if known is not None:
            owner, heard_under, at = known
            if heard_under == listening and time.monotonic() - at < KEEP_SECONDS:
                self._known.move_to_end(hashed)
                return owner
            self.forget(hashed)
        forgotten = self._forgotten
        row = await self.primary.fetchrow(self.lookup, hashed)
        if row is None:
            return None
        found: T = self.owner_of(row)
        # Kept only if nothing can have been missed while it was looked up.
        unchanged = forgotten == self._forgotten and self.channel.heard_since == listening
        if listening is not None and unchanged:
            self._keep(hashed, found, listening)
        return found

    def forget_user(self, user_id: int) -> None:
        """`user_id`'s credentials changed (announced `k:<user>`): ask again."""
        self._forgotten += 1
        for hashed in list(self._by_user.get(user_id, ())):
            self.forget(hashed)

    def forget(self, hashed: str) -> None:
        known = self._known.pop(hashed, None)
        if known is not None:
            hashes = self._by_user.get(known[0].user_id)
            if hashes is not None:
                hashes.discard(hashed)
                if not hashes:
                    del self._by_user[known[0].user_id]

    def _keep(self, hashed: str, owner: T, listening: int) -> None:
        self._known[hashed] = (owner, listening, time.monotonic())
        self._by_user.setdefault(owner.user_id, set()).add(hashed)
        while len(self._known) > MAX_REMEMBERED:
            self.forget(next(iter(self._known)))


class Owners:
    """The process's memory of api keys' and sessions' owners."""

    def __init__(self, primary: DatabaseServer, channel: Channel, idle: timedelta) -> None:
        self.idle = idle
        self.keys: _Remembered[KeyOwner] = _Remembered(
            primary,
            channel,
            "SELECT id, active FROM users WHERE api_key_hash = $1",
            lambda row: KeyOwner(row[0], row[1]),
            "key_owner",
        )
        # A deactivated person has no sessions: only active people's are found.
        self.sessions: _Remembered[SessionOwner] = _Remembered(
            primary,
            channel,
            "SELECT s.user_id, s.expires_at, s.last_seen_at FROM web_sessions AS s"
            " JOIN users AS u ON u.id = s.user_id WHERE s.token_hash = $1 AND u.active",
            lambda row: SessionOwner(row[0], row[1], row[2]),
            "session_owner",
        )

    async def key_owner(self, scope: Scope, api_key: str) -> KeyOwner | None:
        return await self.keys.owner_for(scope, hash_api_key(api_key))

    async def session_owner(self, scope: Scope, token: str) -> tuple[SessionOwner | None, bool]:
        """(The session's owner if it is open and its idle clock not due, whether the
        ORM's lookup must decide): with neither, there is no such session. A due one
        is for the ORM's lookup, which moves the clock on; it is found again after."""
        hashed = hash_session_token(token)
        owner = await self.sessions.owner_for(scope, hashed)
        if owner is None:
            return None, False  # no session of an active person has this token
        if owner.open(self.idle):
            return owner, False
        # Due by the clocks as remembered (another process may have moved them on since):
        # the ORM's lookup decides, and moves the idle clock on.
        self.sessions.forget(hashed)
        return None, True

    def forget_user(self, user_id: int) -> None:
        self.keys.forget_user(user_id)
        self.sessions.forget_user(user_id)

    def forget(self, key_hash: str | None, session_hash: str | None) -> None:
        """One credential (by its hash) a statement found no longer valid."""
        if key_hash is not None:
            self.keys.forget(key_hash)
        if session_hash is not None:
            self.sessions.forget(session_hash)
