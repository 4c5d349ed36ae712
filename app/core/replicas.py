"""What each process knows of the read replicas: how far each has replayed the
primary's WAL (polled every POLL_SECONDS), whether it answers, and how far each
person's own writes have gone (`Positions`), so that a person reads from a replica
only once it shows what they wrote.

WAL positions are PostgreSQL's LSNs ("16/B374D848"), held as integers to compare.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncpg

    from app.core.reads import DatabaseServer

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# A replica that does not answer its poll in this long counts as down.
POLL_TIMEOUT_SECONDS = 2.0
# How long a person's own write holds their reads to a replica that has it: past it,
# any usable replica has long replayed it (the lag limit is shorter).
REMEMBER_SECONDS = 30.0
# People remembered at once in each process; the oldest are forgotten first.
REMEMBER_PEOPLE = 100_000
# The primary's positions kept to tell how long ago it passed a replica's (2 minutes).
PRIMARY_SAMPLES = 240

_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")


def lsn_value(text: str) -> int | None:
    """ "16/B374D848" as a number; None for anything that is not an LSN."""
    if not _LSN.fullmatch(text.upper()):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def lsn_text(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


@dataclass
class ReplicaState:
    """One replica as last polled."""

    server: DatabaseServer
    up: bool = False
    replayed: int = 0  # pg_last_wal_replay_lsn()
    lag_bytes: int | None = None
    lag_seconds: float | None = None

    def usable(self, max_lag_seconds: float, position: int) -> bool:
        return (
            self.up
            and self.lag_seconds is not None
            and self.lag_seconds <= max_lag_seconds
            and self.replayed >= position
        )


class Positions:
    """Each person's last write's WAL position, for REMEMBER_SECONDS."""

    def __init__(self) -> None:
        self._by_person: OrderedDict[int, tuple[int, float]] = OrderedDict()

    def remember(self, user_id: int, position: int) -> None:
        known = self._by_person.pop(user_id, None)
        if known is not None and known[0] > position:
            position = known[0]  # announcements may come out of order
        self._by_person[user_id] = (position, time.monotonic() + REMEMBER_SECONDS)
        if len(self._by_person) > REMEMBER_PEOPLE:
            self._by_person.popitem(last=False)

    def of(self, user_id: int) -> int:
        known = self._by_person.get(user_id)
        if known is None:
            return 0
        if known[1] < time.monotonic():
            del self._by_person[user_id]
            return 0
        return known[0]


class Poller:
    """Polls the primary's position and each replica's replay, every POLL_SECONDS."""

    def __init__(self, primary: asyncpg.Pool, replicas: list[ReplicaState]) -> None:
        self.primary = primary
        self.replicas = replicas
        # (monotonic time, the primary's position then), oldest first.
        self._samples: deque[tuple[float, int]] = deque(maxlen=PRIMARY_SAMPLES)

    async def run(self) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(POLL_SECONDS)

    async def poll(self) -> None:
        try:
            # wait_for, not the query's timeout: that does not cover connecting.
            text = await asyncio.wait_for(
                self.primary.fetchval("SELECT pg_current_wal_lsn()::text"), POLL_TIMEOUT_SECONDS
            )
            self._samples.append((time.monotonic(), lsn_value(text) or 0))
        except Exception as error:  # the primary away: the replicas' lag is unknown
            logger.warning("replicas: cannot read the primary's WAL position: %r", error)
        await asyncio.gather(*(self._poll_one(replica) for replica in self.replicas))

    async def _poll_one(self, replica: ReplicaState) -> None:
        try:
            row = await asyncio.wait_for(
                replica.server.pool.fetchrow(
                    "SELECT pg_last_wal_replay_lsn()::text AS replayed,"
                    " extract(epoch FROM now() - pg_last_xact_replay_timestamp()) AS behind"
                ),
                POLL_TIMEOUT_SECONDS,
            )
        except Exception as error:
            if replica.up:
                logger.warning("replicas: %s does not answer: %r", replica.server.name, error)
            replica.up = False
            return
        if row is None or row["replayed"] is None:  # not a standby (promoted, misconfigured)
            if replica.up:
                logger.warning("replicas: %s is not replaying WAL", replica.server.name)
            replica.up = False
            return
        if not replica.up:
            logger.info("replicas: %s answers", replica.server.name)
        replica.up = True
        replica.replayed = lsn_value(row["replayed"]) or 0
        behind = row["behind"]
        self._measure(replica, None if behind is None else float(behind))

    def _measure(self, replica: ReplicaState, since_replayed: float | None) -> None:
        """Lag in bytes against the primary's latest position, and in seconds since the
        primary first stood past the replica's position. PostgreSQL's own measure, the
        age of the last transaction replayed, counts an idle primary's quiet time too,
        so it serves only when the replica is behind everything sampled."""
        if not self._samples:
            replica.lag_bytes = replica.lag_seconds = None
            return
        replica.lag_bytes = max(0, self._samples[-1][1] - replica.replayed)
        if replica.lag_bytes == 0:
            replica.lag_seconds = 0.0
            return
        now = time.monotonic()
        passed = next(at for at, position in self._samples if position > replica.replayed)
        if passed == self._samples[0][0] and since_replayed is not None:
            replica.lag_seconds = max(now - passed, since_replayed)
        else:
            replica.lag_seconds = now - passed
