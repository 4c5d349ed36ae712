"""Upgrading a big database while the service keeps answering: the migrations never
block posting and liking for more than a moment (docs/operations.md, "Migrations on
a big database").

The database is seeded at the last revision before the migrations that index big
tables, then upgraded to head while people keep posting and liking through the app.
"""

import asyncio
import time
from collections.abc import Callable
from itertools import count

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core import migrations
from bench.seed import DataSet, fill
from tests.helpers.polling import eventually_async

pytestmark = pytest.mark.processes

# The revision whose successors build indexes on tweets, likes and media.
BEFORE_BIG_INDEXES = "0001"
# A few hundred thousand tweets: a plain CREATE INDEX on them holds writes for seconds.
DATA = DataSet(users=1_000, tweets=200_000, likes=400_000, seed=3)
# What "a moment" is here: well above a write's time on a busy test machine, well
# below what an index build on these tables takes.
MAX_WRITE_SECONDS = 1.5
WRITERS = 4


async def test_upgrading_a_big_database_keeps_posting_and_liking(
    make_database: Callable[[], str],
) -> None:
    url = await asyncio.to_thread(make_database)
    await asyncio.to_thread(migrations.upgrade, url, BEFORE_BIG_INDEXES)
    await fill(url, DATA, lambda _message: None)

    # The service of the revision before keeps running while the next one migrates
    # (compose's `migrate` runs before the new app starts), so the writes are its
    # statements, as SQL: the same at every revision.
    engine = create_async_engine(url, pool_size=WRITERS)
    writes: list[float] = []
    tweet_ids = count(1, 7)  # a new like each time, spread over the seeded tweets
    try:

        async def write(person: int) -> None:
            while not upgrade.done():
                started = time.monotonic()
                async with engine.begin() as connection:
                    if len(writes) % 2:
                        await connection.execute(POST, {"author": person})
                    else:
                        await connection.execute(LIKE, {"person": person, "tweet": next(tweet_ids)})
                writes.append(time.monotonic() - started)

        upgrade = asyncio.ensure_future(asyncio.to_thread(migrations.upgrade, url))
        await asyncio.gather(upgrade, *(write(person) for person in range(2, 2 + WRITERS)))
    finally:
        await engine.dispose()

    # Some 60 on the 2-core development machine.
    assert len(writes) > 20, "the upgrade was over before the writes got going"
    slowest = sorted(writes)[-3:]
    assert max(writes) < MAX_WRITE_SECONDS, f"{len(writes)} writes, the slowest {slowest}"


POST = text("INSERT INTO tweets (author_id, content) VALUES (:author, 'Still here')")
LIKE = text(
    "WITH liked AS (INSERT INTO likes (tweet_id, user_id) VALUES (:tweet, :person)"
    " ON CONFLICT DO NOTHING RETURNING tweet_id)"
    " UPDATE tweets SET likes_count = likes_count + 1 WHERE id IN (SELECT tweet_id FROM liked)"
)


async def test_a_migration_gives_way_to_a_long_transaction_and_tries_again(
    make_database: Callable[[], str],
) -> None:
    """A write left open on media (a slow request, someone in psql): the migration
    that needs a strong lock on media waits for it a moment at a time, not in the
    queue where every other write to media would wait behind it."""
    url = await asyncio.to_thread(make_database)
    await asyncio.to_thread(migrations.upgrade, url)
    # Without lock_timeout a writer would wait for as long as the open transaction lasts.
    engine = create_async_engine(
        url, connect_args={"server_settings": {"statement_timeout": "5000"}}
    )
    try:
        async with (
            engine.connect() as open_write,
            engine.connect() as writer,
            engine.connect() as watcher,
        ):
            await open_write.execute(text("LOCK TABLE media IN ROW EXCLUSIVE MODE"))
            writer_pid = await writer.scalar(text("SELECT pg_backend_pid()"))
            await writer.commit()
            # Migration 0002's downgrade drops the trigger on media: ACCESS EXCLUSIVE.
            downgrade = asyncio.ensure_future(
                asyncio.to_thread(migrations.downgrade, url, BEFORE_BIG_INDEXES)
            )
            writes: list[float] = []
            migrators: set[int] = set()

            async def watch_and_write() -> bool:
                assert not downgrade.done()
                waiting = await watcher.scalars(
                    text(
                        "SELECT pid FROM pg_locks WHERE relation = 'media'::regclass"
                        " AND NOT granted AND pid <> :writer"
                    ),
                    {"writer": writer_pid},
                )
                migrators.update(waiting)
                await watcher.commit()
                started = time.monotonic()
                async with writer.begin():
                    await writer.execute(text("LOCK TABLE media IN ROW EXCLUSIVE MODE"))
                writes.append(time.monotonic() - started)
                return len(migrators) >= 2  # it gave up once and came back

            await eventually_async(watch_and_write, what="the migration to try again")
            await open_write.rollback()
            await downgrade
    finally:
        await engine.dispose()
    # Each attempt holds writes up for at most its lock_timeout.
    bound = migrations.LOCK_TIMEOUT_MS / 1000 + 1
    assert max(writes) < bound, f"{len(writes)} writes, the slowest {max(writes)}"
