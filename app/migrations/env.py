"""Alembic environment: runs migrations over the app's async engine.

Each migration commits on its own, and every lock a migration waits for is bounded
by a short lock_timeout (app.core.migrations retries a migration that ran out of
it), so an upgrade on a busy database never holds writes up for more than a moment:
see docs/operations.md, "Migrations on a big database".
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import load_settings
from app.core.database import database_url
from app.core.migrations import SESSION_SETTINGS, hold_migration_lock
from app.core.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    # Set by app.core.migrations when run from the app or tests.
    url = config.attributes.get("database_url")
    return str(url) if url else database_url(load_settings())


def _run(connection: Connection) -> None:
    hold_migration_lock(connection)
    context.configure(
        connection=connection, target_metadata=target_metadata, transaction_per_migration=True
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(
        _url(), poolclass=NullPool, connect_args={"server_settings": SESSION_SETTINGS}
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
