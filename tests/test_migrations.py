"""The schema comes only from Alembic: it must match the models and roll back cleanly."""

import asyncio
from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.core import migrations
from app.core.models import Base


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
    assert tables == [
        "alembic_version",
        "file_deletions",
        "follows",
        "likes",
        "media",
        "tweets",
        "users",
    ]


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


def _squash(sql: str) -> str:
    return sql.replace("(", "").replace(")", "").replace(" ", "")
