"""The schema comes only from Alembic: it must match the models and roll back cleanly."""

import asyncio
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Connection, Engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from app.core import migrations
from app.core.models import Base
from tests.helpers.cli import run_app_at_once
from tests.helpers.polling import eventually_async


def _inspect(url: str, check: Callable[[Connection], object]) -> object:
    async def run() -> object:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(check)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrations_match_the_models(make_database: Callable[[], str]) -> None:
    url = make_database()
    migrations.upgrade(url)
    options = {"compare_type": True, "compare_server_default": True}

    def compare(connection: Connection) -> object:
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, Base.metadata)

    assert _inspect(url, compare) == []


def test_downgrade_to_empty_and_up_again(make_database: Callable[[], str]) -> None:
    url = make_database()
    migrations.upgrade(url)
    migrations.downgrade(url, "base")
    assert _inspect(url, lambda c: inspect(c).get_table_names()) == ["alembic_version"]
    migrations.upgrade(url)
    tables = _inspect(url, lambda c: sorted(inspect(c).get_table_names()))
    assert tables == sorted(["alembic_version", *Base.metadata.tables])


def test_constraint_and_index_names_follow_the_models(make_database: Callable[[], str]) -> None:
    # compare_metadata does not look at CHECK constraints, nor at every name.
    url = make_database()
    migrations.upgrade(url)

    def names(connection: Connection) -> set[str]:
        found: set[str] = set()
        inspector = inspect(connection)
        for table in Base.metadata.tables:
            found.add(str(inspector.get_pk_constraint(table)["name"]))
            for kind in (
                inspector.get_foreign_keys,
                inspector.get_unique_constraints,
                inspector.get_check_constraints,
                inspector.get_indexes,
            ):
                found.update(str(item["name"]) for item in kind(table))
        return found

    tables = Base.metadata.tables.values()
    expected = {str(c.name) for t in tables for c in t.constraints}
    expected |= {str(i.name) for t in tables for i in t.indexes}
    assert _inspect(url, names) == expected


def test_check_constraints_match_the_models(make_database: Callable[[], str]) -> None:
    # compare_metadata does not compare CHECK expressions; do it here.
    url = make_database()
    migrations.upgrade(url)

    def checks(connection: Connection) -> dict[str, str]:
        inspector = inspect(connection)
        return {
            str(check["name"]): _squash(str(check["sqltext"]))
            for table in Base.metadata.tables
            for check in inspector.get_check_constraints(table)
        }

    expected = {
        str(c.name): _squash(str(c.sqltext))
        for table in Base.metadata.tables.values()
        for c in table.constraints
        if isinstance(c, CheckConstraint)
    }
    assert _inspect(url, checks) == expected


def _execute(url: str, *statements: str) -> None:
    async def run() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _indexes(connection: Connection) -> dict[str, tuple[str, bool]]:
    rows = connection.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema()"
        )
    )
    return {name: (definition, valid) for name, definition, valid in rows}


def test_an_interrupted_upgrade_runs_again_and_rebuilds_a_half_built_index(
    make_database: Callable[[], str], database_url: str
) -> None:
    """Interrupted during 0003: one index built and valid, the other half built (what
    a failed CREATE INDEX CONCURRENTLY leaves: invalid, and not even the right index)."""
    url = make_database()
    migrations.upgrade(url, "0002")
    _execute(
        url,
        "INSERT INTO users (name, api_key_hash) VALUES ('Ann', 'x')",
        "INSERT INTO tweets (author_id, content) SELECT id, 'one' FROM users",
        "INSERT INTO tweets (author_id, content) SELECT id, 'two' FROM users",
        "CREATE INDEX ix_likes_tweet_id_created_at ON likes (tweet_id, created_at, user_id)",
    )
    with pytest.raises(DBAPIError, match="could not create unique index"):
        _execute(url, "CREATE UNIQUE INDEX CONCURRENTLY ix_tweets_feed_order ON tweets (author_id)")
    assert _inspect(url, _indexes)["ix_tweets_feed_order"][1] is False  # type: ignore[index]

    migrations.upgrade(url)
    assert _inspect(url, _indexes) == _inspect(database_url, _indexes)


def test_several_processes_upgrading_at_once_take_turns(make_database: Callable[[], str]) -> None:
    """Several app containers starting at once on an old database: one migrates, the
    others wait for it, across the concurrent index builds that commit on their own
    (they would otherwise drop each other's half-built indexes)."""
    url = make_database()
    migrations.upgrade(url, "0001")

    async def upgrade_together() -> list[subprocess.CompletedProcess[str]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as write, engine.connect() as watch:
                # A write in progress on media holds the first migration up, until all
                # three processes have come.
                await write.execute(text("LOCK TABLE media IN ROW EXCLUSIVE MODE"))
                runs = asyncio.ensure_future(
                    asyncio.to_thread(run_app_at_once, 3, "migrate", settings={"DATABASE_URL": url})
                )

                async def all_connected() -> bool:
                    others = await watch.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                            " current_database() AND backend_type = 'client backend'"
                        )
                    )
                    await watch.commit()
                    return bool(others >= 2 + 3)

                await eventually_async(all_connected, what="three migrating processes")
                await write.rollback()
                return await runs
        finally:
            await engine.dispose()

    runs = asyncio.run(upgrade_together())
    assert [run.returncode for run in runs] == [0, 0, 0], [run.stderr for run in runs]
    revision = _inspect(url, lambda c: c.scalar(text("SELECT version_num FROM alembic_version")))
    assert (
        revision == ScriptDirectory.from_config(migrations.alembic_config(url)).get_current_head()
    )


@contextmanager
def _statements() -> Iterator[list[str]]:
    """Every SQL statement any engine sends meanwhile."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(" ".join(str(args[2]).split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)


_NAME = r'"?(\w+)"?'
# What holds writes to a table up for as long as the table is big (docs/operations.md,
# "Migrations on a big database"); fine on a table the same migration creates.
_BLOCKING = {
    "an index built without CONCURRENTLY": re.compile(
        rf"^CREATE (?:UNIQUE )?INDEX (?!CONCURRENTLY).*? ON (?:ONLY )?{_NAME}"
    ),
    "a constraint checked at once (add it NOT VALID, then VALIDATE it)": re.compile(
        rf"^ALTER TABLE {_NAME} .*ADD CONSTRAINT .*(?:CHECK|FOREIGN KEY)(?!.*NOT VALID)"
    ),
    "a unique or primary key built at once (build its index concurrently, then USING INDEX)": (
        re.compile(rf"^ALTER TABLE {_NAME} .*ADD (?:CONSTRAINT \S+ )?(?:UNIQUE|PRIMARY KEY) \(")
    ),
    "a column rewritten (type change)": re.compile(
        rf"^ALTER TABLE {_NAME} .*ALTER COLUMN \S+ (?:SET DATA )?TYPE"
    ),
    "SET NOT NULL scanning the table (VALIDATE a CHECK (column IS NOT NULL) first)": (
        re.compile(rf"^ALTER TABLE {_NAME} .*SET NOT NULL")
    ),
    "a volatile default on a new column (rewrites every row)": re.compile(
        rf"^ALTER TABLE {_NAME} .*ADD COLUMN .*DEFAULT .*"
        r"(?:random|clock_timestamp|timeofday|gen_random_uuid|uuid_generate_v\d|nextval)\("
    ),
}
_CREATED = re.compile(rf"^CREATE TABLE (?:IF NOT EXISTS )?{_NAME}")
# SET NOT NULL skips its scan when a validated CHECK says the same.
_VALIDATED = re.compile(rf"^ALTER TABLE {_NAME} VALIDATE CONSTRAINT")


def test_no_migration_blocks_writes_on_a_table_it_did_not_create(
    make_database: Callable[[], str],
) -> None:
    """The rule for every migration, checked on what each one sends the database."""
    url = make_database()
    scripts = ScriptDirectory.from_config(migrations.alembic_config(url))
    problems = []
    for script in reversed(list(scripts.walk_revisions())):
        with _statements() as sent:
            migrations.upgrade(url, script.revision)
        created = {found[1] for found in map(_CREATED.match, sent) if found}
        validated = {found[1] for found in map(_VALIDATED.match, sent) if found}
        for statement in sent:
            for what, pattern in _BLOCKING.items():
                found = pattern.match(statement)
                fine = created | validated if "SET NOT NULL" in what else created
                if found and found[1] not in fine:
                    problems.append(f"{script.revision}: {what}: {statement}")
    assert problems == []


def _squash(sql: str) -> str:
    return sql.replace("(", "").replace(")", "").replace(" ", "")


def test_search_fills_the_posts_written_before_it_and_may_run_again(
    make_database: Callable[[], str],
) -> None:
    """0010 on a database with posts: each gets its search vector and its hashtags, and
    a run started again (as after an interruption) files nothing twice."""
    url = make_database()
    migrations.upgrade(url, "0009")
    _execute(
        url,
        "INSERT INTO users (name, handle, api_key_hash) VALUES ('Ann', 'ann', 'x')",
        "INSERT INTO tweets (author_id, content) SELECT id, 'Релизы готовы #Релиз #q4' FROM users",
        "INSERT INTO tweets (author_id, content) SELECT id, 'released https://x.test/#top'"
        " FROM users",
        "INSERT INTO tweets (author_id, content) SELECT id, 'no tags' FROM users",
        "INSERT INTO tweets (author_id, content) SELECT id, 'late #Late' FROM users",
    )
    migrations.upgrade(url)
    found = _rows(
        url,
        "SELECT content FROM tweets WHERE search @@ to_tsquery('public.microblog', 'релиз')"
        " OR search @@ to_tsquery('public.microblog', 'releases') ORDER BY id",
    )
    assert found == [("Релизы готовы #Релиз #q4",), ("released https://x.test/#top",)]
    assert _rows(url, "SELECT count(*) FROM tweets WHERE search IS NULL") == [(0,)]
    filed = [("релиз", 1), ("q4", 1), ("late", 4)]
    assert (
        _rows(url, "SELECT tag, tweet_id FROM tweet_hashtags ORDER BY tweet_id, tag DESC") == filed
    )
    # Run again from the start of the backfill: nothing twice, nothing lost.
    _execute(url, "UPDATE tweets SET search = NULL WHERE id = 4", "DELETE FROM alembic_version")
    _execute(url, "INSERT INTO alembic_version VALUES ('0009')")
    migrations.upgrade(url)
    assert _rows(url, "SELECT count(*) FROM tweets WHERE search IS NULL") == [(0,)]
    assert (
        _rows(url, "SELECT tag, tweet_id FROM tweet_hashtags ORDER BY tweet_id, tag DESC") == filed
    )


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    return _inspect(url, lambda connection: [tuple(row) for row in connection.execute(text(sql))])  # type: ignore[return-value]
