"""An app of a test's own, its settings, and looking behind it: rows and stored files."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.embedded_images import RunningImageSaver
from app.core.models import Base
from app.main import create_app
from image_saver.tests.helpers import stored_files
from tests.helpers.polling import eventually_async

__all__ = [
    "MAX_UPLOAD_BYTES",
    "count",
    "count_rows",
    "count_statements",
    "lent_connections",
    "make_settings",
    "running",
    "stored_files",
]

# What every image_saver of the tests takes, and every app sends it.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def make_settings(
    database_url: str,
    data_dir: Path,
    image_saver: RunningImageSaver | None = None,
    **overrides: object,
) -> Settings:
    """The tests' settings: the test database, a data folder of the test session's
    own, no background cleanup and no rate limits, unless `overrides` say otherwise."""
    values: dict[str, object] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "max_tweet_length": 280,
        "max_upload_bytes": MAX_UPLOAD_BYTES,
        # Tests run the cleanup themselves, when they mean to.
        "media_cleanup_interval_seconds": 0,
        # Tests make many requests as one person; tests/test_rate_limit.py turns these on.
        "rate_limit_reads_per_minute": 0,
        "rate_limit_writes_per_minute": 0,
        "rate_limit_uploads_per_minute": 0,
    }
    if image_saver is not None:
        values |= {"image_saver_url": image_saver.url, "image_saver_token": image_saver.token}
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]


@asynccontextmanager
async def running(app: FastAPI | Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """An app of a test's own (or one made from `app` settings), its lifespan running,
    with a client; a crash comes back as the 500 envelope."""
    application = app if isinstance(app, FastAPI) else create_app(app)
    transport = ASGITransport(app=application, raise_app_exceptions=False)
    async with (
        application.router.lifespan_context(application),
        AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield application, http


async def count_rows(session: AsyncSession, model: type[Base]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def count(session: AsyncSession, sql: str, **params: object) -> int:
    """The whole number `sql` selects (a count, say), as committed now."""
    await session.rollback()  # a fresh snapshot
    value = await session.scalar(text(sql), params)
    assert isinstance(value, int), value
    return value


@contextmanager
def count_statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements `app` sends while inside the block, as they are sent."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    # The fast reads' raw pool (app/core/reads.py) too.
    raw = app.state.reads.primary.observers
    raw.append(statements.append)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        raw.remove(statements.append)


@contextmanager
def lent_connections(app: FastAPI) -> Iterator[list[object]]:
    """Each database connection `app`'s pool lends out meanwhile, as the pool's own
    events tell: how many round trips a burst of requests cost."""
    lent: list[object] = []
    pool = app.state.engine.sync_engine.pool

    def checkout(connection: object, *_: object) -> None:
        lent.append(connection)

    event.listen(pool, "checkout", checkout)
    try:
        yield lent
    finally:
        event.remove(pool, "checkout", checkout)


async def backdate(
    session: AsyncSession, tweet_id: int, *, days_ago: float, likes: int = 0
) -> None:
    """Make the post `days_ago` old with `likes` (likes_count alone: what ranking and
    the feed read), its hashtags' copy of its time too; committed."""
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    await session.execute(
        text("UPDATE tweets SET created_at = :at, likes_count = :likes WHERE id = :id"),
        {"at": moment, "likes": likes, "id": tweet_id},
    )
    await session.execute(
        text("UPDATE tweet_hashtags SET created_at = :at WHERE tweet_id = :id"),
        {"at": moment, "id": tweet_id},
    )
    await session.commit()


async def listening(app: FastAPI) -> None:
    """Wait until `app` hears the live-updates channel: only then does it remember
    whose each credential is (app/core/owners.py), which statement counts rely on."""

    async def heard() -> bool:
        return app.state.live.listener.heard_since is not None

    await eventually_async(heard, within=15, what="the app to listen")
