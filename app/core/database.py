"""The database engine and sessions."""

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.config import Settings
from app.core.embedded_db import embedded_database_url


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise the embedded server, started on first use."""
    return settings.database_url or embedded_database_url(settings.data_dir)


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    return create_async_engine(
        url or database_url(settings),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Handlers build their responses after the commit; keep loaded values usable.
    return async_sessionmaker(engine, expire_on_commit=False)
