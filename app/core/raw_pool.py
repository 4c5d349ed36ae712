"""asyncpg pools without the ORM, for the few hot reads (app/handlers/fast/): a
request there costs one pooled connection and one prepared statement, none of
SQLAlchemy's execution and result handling, which cost the feed more in the web
process than PostgreSQL spent on the page."""

from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.database import server_settings

# Options SQLAlchemy's asyncpg dialect takes for itself, not asyncpg.connect's.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback")


def connect_arguments(engine: AsyncEngine) -> dict[str, Any]:
    """asyncpg.connect's arguments for `engine`'s database, as the engine reads its URL
    (host, port, user, password, database and options such as `?ssl=require`, which
    asyncpg's own URL parser would send to the server as a setting, and fail)."""
    _, arguments = engine.dialect.create_connect_args(engine.url)
    return {k: v for k, v in arguments.items() if k not in _DIALECT_ONLY}


async def create_raw_pool(settings: Settings, engine: AsyncEngine) -> asyncpg.Pool:
    """A pool of connections to `engine`'s database set up as the ORM's
    (server_settings). It connects on first use (min_size 0): a database away at
    start-up delays nothing."""
    return await asyncpg.create_pool(
        **connect_arguments(engine),
        min_size=0,
        max_size=settings.db_pool_size,
        max_inactive_connection_lifetime=1800,
        server_settings=server_settings(settings),
        timeout=10,
        reset=_nothing_to_reset,
    )


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """Instead of asyncpg's reset on every release (`RESET ALL`, `UNLISTEN *`, ...: a
    round trip, as dear as the statement): these connections run single statements
    and change no session state; only an interrupted transaction is rolled back."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")
