"""asyncpg pools without the ORM, for the few hot reads (app/handlers/fast/): a
request there costs one pooled connection and one prepared statement, none of
SQLAlchemy's execution and result handling, which cost the feed more in the web
process than PostgreSQL spent on the page."""

import asyncpg

from app.core.config import Settings
from app.core.database import server_settings


def asyncpg_dsn(url: str) -> str:
    """asyncpg's spelling of an SQLAlchemy URL (`postgresql+asyncpg://`)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_raw_pool(settings: Settings, url: str) -> asyncpg.Pool:
    """A pool of `url`'s connections set up as the ORM's (server_settings). It
    connects on first use (min_size 0): a database away at start-up delays nothing."""
    return await asyncpg.create_pool(
        asyncpg_dsn(url),
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
