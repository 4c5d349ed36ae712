"""Apply the Alembic migrations from code (serve, CLI, tests), and what migrations use
to change a big table without holding its writes up (docs/operations.md, "Migrations
on a big database")."""

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alembic import command, op
from alembic.config import Config
from sqlalchemy import Connection, TextClause, func, select, text
from sqlalchemy.exc import DBAPIError

from app.core import advisory_locks

ROOT = Path(__file__).resolve().parents[2]

log = logging.getLogger(__name__)

# Writes that queue behind a DDL statement's lock request wait at most this long;
# then the statement gives up, its migration rolls back, and is tried again later.
# Shorter than PostgreSQL's deadlock_timeout (1 s): should a writer and a migration
# wait for each other, the migration gives up first, and no writer fails.
LOCK_TIMEOUT_MS = 500
# How long an upgrade keeps trying before it gives up (a transaction left open).
LOCK_RETRY_SECONDS = 300
# The migrator's session. No statement_timeout: an index build on a big table may
# take minutes, and killing it half way only leaves a half-built index behind.
SESSION_SETTINGS = {"lock_timeout": str(LOCK_TIMEOUT_MS), "statement_timeout": "0"}
# Processes starting together migrate one after the other; the later ones find the
# schema up to date.
MIGRATIONS_LOCK = advisory_locks.MIGRATIONS
# Running out of lock_timeout; or, should it happen anyway, chosen as a deadlock's victim.
_GIVE_WAY = {"55P03", "40P01"}


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    _retrying(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade(database_url: str, revision: str = "base") -> None:
    _retrying(lambda: command.downgrade(alembic_config(database_url), revision))


def _retrying(run: Callable[[], None]) -> None:
    """Run `run` again while a migration gives up waiting for a lock: each migration
    is a transaction of its own, so a new run starts at the one that gave up."""
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    pause = 0.5
    while True:
        try:
            run()
            return
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) not in _GIVE_WAY:
                raise
            if time.monotonic() + pause > deadline:
                raise
            log.warning(
                "a migration gave way to another transaction holding a lock it needs"
                " (waited up to %d ms); trying again in %.1f s",
                LOCK_TIMEOUT_MS,
                pause,
            )
        time.sleep(pause)
        pause = min(pause * 2, 10)


def hold_migration_lock(connection: Connection) -> None:
    """Wait until no other process migrates this database, then keep it so until the
    connection closes. A try in a loop rather than a blocking wait: a waiting
    statement's snapshot would hold up the other process's concurrent index builds."""
    waited = False
    while not connection.scalar(select(func.pg_try_advisory_lock(MIGRATIONS_LOCK))):
        connection.commit()
        if not waited:
            log.info("another process is migrating this database; waiting for it")
            waited = True
        time.sleep(1)
    connection.commit()  # the lock is the session's; Alembic starts from no transaction


def create_index_concurrently(
    name: str, table: str, columns: Sequence[str | TextClause], **options: Any
) -> None:
    """`op.create_index` that lets writes go on meanwhile (CREATE INDEX CONCURRENTLY,
    outside the migration's transaction). Put it before the migration's other steps:
    it commits on its own, so a run interrupted after it finds the index made and
    skips it, and one interrupted during it finds a half-built (invalid) index and
    builds it again."""
    context = op.get_context()
    with context.autocommit_block():
        if not context.as_sql:
            valid = op.get_bind().scalar(
                text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"),
                {"name": name},
            )
            if valid:
                return
        # Its waits (for the transactions running when it starts) hold no one up.
        op.execute("SET lock_timeout = 0")
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        op.create_index(name, table, columns, postgresql_concurrently=True, **options)
        op.execute("RESET lock_timeout")


def drop_index_concurrently(name: str, table: str) -> None:
    """DROP INDEX CONCURRENTLY (outside the migration's transaction), if it exists:
    a plain drop would hold the table's writes until every reader is done."""
    context = op.get_context()
    with context.autocommit_block():
        op.execute("SET lock_timeout = 0")
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        op.execute("RESET lock_timeout")


# name: (table, when it fires, the PL/pgSQL body)
Triggers = dict[str, tuple[str, str, str]]


def create_triggers(triggers: Triggers, declare: str = "") -> None:
    """A row trigger per entry, each calling a function of its own name (declaring
    `declare`'s variables). OR REPLACE: a migration run again after an interruption
    past its first commit (one with an autocommit block) makes them again."""
    variables = f"DECLARE {declare} " if declare else ""
    for name, (table, when, body) in triggers.items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"{variables}BEGIN {body} END $$"
        )
        op.execute(
            f"CREATE OR REPLACE TRIGGER {name} {when} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        )


def drop_triggers(triggers: Triggers) -> None:
    for name, (table, _, _) in reversed(triggers.items()):
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(f"DROP FUNCTION {name}()")
