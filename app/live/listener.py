"""This process's one LISTEN connection to PostgreSQL, kept open.

A plain asyncpg connection of its own, not one of the SQLAlchemy pool's: it is held
for the life of the process and must not count against (or be recycled by) the
pool. When it is lost (PostgreSQL restarted, the network dropped) it is made again,
with a growing pause between tries; each time it is listening again, `on_listening`
runs, so the streams catch up on what was said while nobody listened. A connection
that died without a word (a dropped network says nothing) is found by a round trip
every CHECK_EVERY_SECONDS.
"""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

import asyncpg

from app.observability import LISTENER_RECONNECTS

logger = logging.getLogger(__name__)

CHANNEL = "microblog_events"
# How the connection shows in pg_stat_activity.
APPLICATION_NAME = "microblog-live-updates"
CHECK_EVERY_SECONDS = 10.0
CHECK_TIMEOUT_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 10.0
FIRST_PAUSE_SECONDS = 0.2
LONGEST_PAUSE_SECONDS = 10.0


class NotListening(Exception):
    """The listening connection is down (it is being made again)."""


class Listener:
    def __init__(
        self,
        dsn: str,
        on_payload: Callable[[str], None],
        on_listening: Callable[[], Awaitable[None]],
    ) -> None:
        self.dsn = dsn
        self.on_payload = on_payload
        self.on_listening = on_listening
        # Set while LISTEN is on and the catch-up after it has run.
        self.listening = asyncio.Event()
        self.connects = 0
        self._connection: asyncpg.Connection | None = None
        # One query at a time on the connection (asyncpg runs no two at once).
        self._using = asyncio.Lock()

    @property
    def heard_since(self) -> int | None:
        """The listening connection's number while it listens (and has caught up);
        None while it does not: what was heard before may have missed something."""
        return self.connects if self.listening.is_set() else None

    async def fetchval(self, query: str, *args: object) -> object:
        """Run `query` on the listening connection, whose session advisory locks last
        as long as it does (app/live/slots.py); NotListening while there is none."""
        connection = self._connection
        if connection is None or connection.is_closed():
            raise NotListening
        async with self._using:
            return await connection.fetchval(query, *args, timeout=CHECK_TIMEOUT_SECONDS)

    def _heard(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        self.on_payload(str(payload))

    async def run(self) -> None:
        """Listen until cancelled, connecting again whenever the connection is lost."""
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                logger.warning("live updates: not listening, trying again in %.1f s: %r",
                               pause, error)  # fmt: skip
            except Exception:
                logger.exception("live updates: the listener failed; trying again")
            if self.listening.is_set():
                pause = FIRST_PAUSE_SECONDS  # it was listening: try again at once
                self.listening.clear()
            # Jitter: the workers of every replica must not all come back at once.
            await asyncio.sleep(pause * random.uniform(0.5, 1.0))  # noqa: S311 (not a secret)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(
            self.dsn,
            timeout=CONNECT_TIMEOUT_SECONDS,
            server_settings={"application_name": APPLICATION_NAME},
        )
        try:
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _: lost.set())
            await connection.add_listener(CHANNEL, self._heard)
            self._connection = connection
            self.connects += 1
            if self.connects > 1:
                LISTENER_RECONNECTS.inc()
            await self.on_listening()
            self.listening.set()
            logger.info("live updates: listening on %s", CHANNEL)
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), CHECK_EVERY_SECONDS)
                except TimeoutError:
                    await self.fetchval("SELECT 1")
            logger.warning("live updates: the LISTEN connection was lost")
        finally:
            self._connection = None
            connection.terminate()
