"""The database engine and sessions."""

import logging
from typing import Any

from sqlalchemy import Dialect, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.config import Settings
from app.core.embedded_db import embedded_database_url
from app.core.exceptions import DatabaseUnavailable

logger = logging.getLogger(__name__)


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise the embedded server, started on first use."""
    return settings.database_url or embedded_database_url(settings.data_dir)


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    engine = create_async_engine(
        url or database_url(settings),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=10,
        # No pre-ping: a round trip on every checkout costs the feed a sixth of its
        # time (see README, Performance). A connection the server closed (restart,
        # failover) is known to be closed without asking, and is replaced on checkout;
        # one that breaks mid-request is invalidated by SQLAlchemy and the request
        # answers 503.
        pool_recycle=1800,
        connect_args={"server_settings": server_settings(settings)},
    )
    event.listen(engine.sync_engine, "do_connect", _connect_or_unavailable)
    event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    return engine


def server_settings(settings: Settings) -> dict[str, str]:
    """How every connection of ours runs, the ORM's and the fast reads' alike."""
    return {
        "statement_timeout": str(settings.db_statement_timeout_ms),
        # Every prepared statement runs its cached generic plan, never planned
        # again per execution: the feed's would be, at 1.2 ms a page (see
        # app/handlers/tweets/feed_sql.py); the others are simple lookups of
        # indexed keys, which a generic plan serves as well as a custom one.
        # Trending is the exception (plan_each_time). `bench run` measures every
        # hot statement this way.
        "plan_cache_mode": "force_generic_plan",
        # No parallel query: starting the workers costs a few milliseconds,
        # more than a request's whole statement. Generic plans of search
        # (app/handlers/search/ranking.py) chose a parallel scan and spent
        # 6 ms on a rare word whose posts took 0.2 ms to read.
        "max_parallel_workers_per_gather": "0",
    }


async def plan_each_time(session: AsyncSession) -> None:
    """Plan this transaction's statements for their own parameters: for those whose
    best plan depends on them (how many hashtags a time window holds: now() minus
    the hours asked), where the cached generic plan would guess."""
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _replace_if_closed(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """A pooled connection whose server side went away is thrown out, not handed out."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _connect_or_unavailable(
    dialect: Dialect, _record: object, cargs: list[Any], cparams: dict[str, Any]
) -> Any:
    """A failed connect (refused, DNS, timeout, server starting) is an outage, not a bug."""
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as error:
        logger.warning("cannot connect to the database: %r", error)
        raise DatabaseUnavailable from error


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Handlers build their responses after the commit; keep loaded values usable.
    return async_sessionmaker(engine, expire_on_commit=False)
