"""Where a read goes: the database servers a request may read from.

Without replicas every read goes to the primary. `Reads.server_for` is the one
place that decides, for the ORM's read sessions and the fast reads alike: a replica
in turn among those that answer, are at most REPLICA_MAX_LAG_SECONDS behind and have
replayed the person's own last write (read-your-writes), else the primary.

A person's write is known here three ways (`wrote`): this process remembers it, the
other processes hear it on the live updates' channel (`heard`), and the browser
carries it in the `microblog_lsn` cookie (app/web/replica_reads.py) to whichever
process answers next.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import Scope

from app.core.exceptions import DatabaseBusy
from app.core.replicas import (
    REMEMBER_SECONDS,
    Poller,
    Positions,
    ReplicaState,
    lsn_text,
    lsn_value,
)
from app.observability import READS

logger = logging.getLogger(__name__)

# The browser's copy of its person's last write's WAL position.
LSN_COOKIE = "microblog_lsn"
# On the live updates' channel (app/live/listener.py): "l:<user>:<position>".
POSITION_KIND = "l"


# As long as a request waits for a connection of a raw pool (the ORM's pool_timeout).
POOL_TIMEOUT_SECONDS = 10


class Channel(Protocol):
    """What is needed of the live-updates listener (app/live/listener.py): whether
    it has been listening, on which connection."""

    wal_at_listen: str | None  # the primary's WAL position when it began listening

    @property
    def heard_since(self) -> int | None:
        """The listening connection's number while it listens; None while it does not."""


@dataclass(frozen=True)
class DatabaseServer:
    """One PostgreSQL server as the app reaches it: its ORM engine and sessions, and
    the raw pool of the fast reads (app/core/raw_pool.py)."""

    name: str  # "primary", "replica-1", ...: in metrics and logs, never a URL
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    pool: asyncpg.Pool
    # Told each statement sent on the raw pool (tests count them; empty otherwise).
    observers: list[Callable[[str], None]] = field(default_factory=list)
    gate: asyncio.Semaphore = field(init=False)

    async def fetchval(self, sql: str, *args: object) -> object:
        """One statement on the raw pool, its first column of its first row."""
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        """One statement on the raw pool, its first row. DatabaseBusy when no connection
        comes free within POOL_TIMEOUT_SECONDS (503, as the ORM's pool answers).

        Requests wait their turn at `gate`, first come first served, rather than in
        the pool's own queue: an asyncio.Queue lets a newcomer take a connection
        freed for a waiter, which then queues again at the back. With 128 requests
        per worker waiting for 10 connections, that made the slowest hundredth of
        feed requests wait seven times as long as the median (`bench run`, 256
        connections)."""
        for observe in self.observers:
            observe(sql)
        try:
            async with asyncio.timeout(POOL_TIMEOUT_SECONDS):  # the wait, not the statement
                await self.gate.acquire()
                try:
                    connection = await self.pool.acquire()
                except BaseException:
                    self.gate.release()
                    raise
        except TimeoutError as error:
            raise DatabaseBusy from error
        try:
            return await connection.fetchrow(sql, *args)
        finally:
            try:
                await self.pool.release(connection)
            finally:
                self.gate.release()

    def __post_init__(self) -> None:
        # As many at once as the pool has connections (frozen: set once, here).
        object.__setattr__(self, "gate", asyncio.Semaphore(self.pool.get_max_size()))


class Reads:
    def __init__(
        self,
        primary: DatabaseServer,
        replicas: list[DatabaseServer] | None = None,
        max_lag_seconds: float = 5.0,
        channel: str = "",
    ) -> None:
        self.primary = primary
        self.replicas = [ReplicaState(server) for server in replicas or []]
        self.max_lag_seconds = max_lag_seconds
        self.positions = Positions()
        self._channel = channel
        self._turn = 0
        self._counted = {
            server.name: READS.labels(server.name)
            for server in [primary, *(replica.server for replica in self.replicas)]
        }
        self._poller = Poller(primary.pool, self.replicas)
        # The live-updates listener (app/live/listener.py) once the lifespan made it.
        self.channel: Channel | None = None
        self._heard_under: int | None = None
        self._heard_from = 0.0
        self._heard_at: int | None = None
        self._polling: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Poll the replicas (there are any) until `stop`; the first poll before
        returning, so that reads go to them from the first request."""
        if self.replicas:
            await self._poller.poll()
            self._polling = asyncio.create_task(self._poller.run(), name="replica-poller")

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            with suppress(asyncio.CancelledError):
                await self._polling

    def server_for(self, user_id: int | None, scope: Scope | None = None) -> DatabaseServer:
        """The server to answer this person's read from."""
        if not self.replicas:
            return self.primary
        floor = self._floor()
        if floor is None:
            self._counted[self.primary.name].inc()
            return self.primary
        position = max(
            floor,
            self.positions.of(user_id) if user_id is not None else 0,
            _carried(scope) if scope is not None else 0,
        )
        count = len(self.replicas)
        self._turn = (self._turn + 1) % count
        for step in range(count):
            replica = self.replicas[(self._turn + step) % count]
            if replica.usable(self.max_lag_seconds, position):
                self._counted[replica.server.name].inc()
                return replica.server
        self._counted[self.primary.name].inc()
        return self.primary

    def _floor(self) -> int | None:
        """The least position a replica must have replayed for anyone's read: for
        REMEMBER_SECONDS after this process began hearing the live-updates channel
        (`channel`, set by the lifespan) on its current connection, the primary's
        position then (a write announced before, unheard here, is no further); 0
        after. None while not listening: the primary answers."""
        if self.channel is None:
            return 0
        heard_under = self.channel.heard_since
        if heard_under is None:
            return None
        now = time.monotonic()
        if heard_under != self._heard_under:
            self._heard_under, self._heard_from = heard_under, now
            self._heard_at = lsn_value(self.channel.wal_at_listen or "")
        if now - self._heard_from >= REMEMBER_SECONDS:
            return 0
        return self._heard_at

    def fallback(self) -> DatabaseServer:
        """The primary, for a read a replica failed: counted as the primary's."""
        if self.replicas:
            self._counted[self.primary.name].inc()
        return self.primary

    def failed(self, server: DatabaseServer) -> None:
        """`server` did not answer a read (lost its connection): no reads go there
        until a poll finds it answering again."""
        for replica in self.replicas:
            if replica.server is server and replica.up:
                logger.warning("replicas: %s failed a read; reading from the primary", server.name)
                replica.up = False

    async def wrote(self, user_id: int) -> str | None:
        """After `user_id`'s write committed: the primary's WAL position now, which their
        reads wait for; remembered here and told to the other processes in the same
        round trip. None without replicas, or if the primary did not answer (the
        person may then briefly read from a replica that lacks the write)."""
        if not self.replicas:
            return None
        try:
            text = await self.primary.pool.fetchval(
                "SELECT position::text FROM pg_current_wal_insert_lsn() AS position,"
                " pg_notify($1, $2 || position::text)",
                self._channel,
                f"{POSITION_KIND}:{user_id}:",
            )
        except Exception as error:
            logger.warning("replicas: cannot read the primary's WAL position: %r", error)
            return None
        self.heard(f"{user_id}:{text}")
        return str(text)

    def heard(self, announced: str) -> None:
        """ "<user>:<position>", from `wrote` in this process or another."""
        user, _, text = announced.partition(":")
        position = lsn_value(text)
        if user.isdigit() and position is not None:
            self.positions.remember(int(user), position)

    def health(self) -> list[dict[str, object]]:
        """Each replica as last polled, for /ready."""
        return [
            {
                "name": replica.server.name,
                "up": replica.up,
                "usable": replica.usable(self.max_lag_seconds, 0),
                "replayed": lsn_text(replica.replayed),
                "lag_seconds": replica.lag_seconds,
                "lag_bytes": replica.lag_bytes,
            }
            for replica in self.replicas
        ]


def _carried(scope: Scope) -> int:
    """The WAL position the browser's cookie carries, 0 without one."""
    for name, value in scope["headers"]:
        if name == b"cookie" and LSN_COOKIE.encode() in value:
            try:
                morsel = SimpleCookie(value.decode("latin-1")).get(LSN_COOKIE)
            except CookieError:
                return 0
            return (lsn_value(morsel.value) or 0) if morsel is not None else 0
    return 0
