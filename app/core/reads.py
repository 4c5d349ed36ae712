"""Where a read goes: the database servers a request may read from.

Without replicas every read goes to the primary. `Reads.server_for` is the one
place that decides, for the ORM's read sessions and the fast reads alike.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import Scope


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

    async def fetchval(self, sql: str, *args: object) -> object:
        """One statement on the raw pool, its first column of its first row."""
        for observe in self.observers:
            observe(sql)
        return await self.pool.fetchval(sql, *args)

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        for observe in self.observers:
            observe(sql)
        return await self.pool.fetchrow(sql, *args)


class Reads:
    def __init__(self, primary: DatabaseServer) -> None:
        self.primary = primary

    def server_for(
        self,
        user_id: int | None,  # noqa: ARG002 - replicas: whose writes it must see
        scope: Scope | None = None,  # noqa: ARG002 - replicas: the position a client carries
    ) -> DatabaseServer:
        """The server to answer this person's read from."""
        return self.primary

    def failed(self, server: DatabaseServer) -> None:
        """`server` did not answer a read: leave it alone for a while."""
