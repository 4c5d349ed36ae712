"""The database side: pg_dump from one snapshot, pg_restore, and the checks between."""

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from app.backup.manifest import BackupError
from app.core.config import Settings
from app.handlers.media.locks import BACKUP_LOCK


@dataclass(frozen=True)
class Snapshot:
    """What the dump sees: pg_dump is pointed at `id`, the rest was read in it."""

    id: str
    schema_revision: str | None
    counts: dict[str, int]
    picture_keys: list[str]


def program(name: str, settings: Settings) -> Path:
    """pg_dump or pg_restore: from PG_BIN_DIR, else the embedded PostgreSQL's (the
    server's own version), else the PATH's."""
    folders: list[Path] = [settings.pg_bin_dir] if settings.pg_bin_dir else []
    if not folders:
        try:
            from app.core.embedded_db import postgres_bin

            folders.append(postgres_bin())
        except ImportError:  # the Docker image has no embedded PostgreSQL
            pass
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    found = None if settings.pg_bin_dir else shutil.which(name)
    if found is None:
        where = f"in PG_BIN_DIR ({settings.pg_bin_dir})" if settings.pg_bin_dir else "on PATH"
        raise BackupError(
            f"{name} was not found {where}: install the PostgreSQL client of the server's "
            "major version or newer, or set PG_BIN_DIR to its bin folder"
        )
    return Path(found)


def _sslmode(value: str) -> str:
    """asyncpg's `ssl=true` is libpq's `sslmode=require`; other values are the same."""
    return "require" if value.lower() in {"true", "on", "1"} else value


def _dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    ssl = parsed.query.get("ssl")
    if isinstance(ssl, str):  # a libpq-style DSN knows only sslmode
        parsed = parsed.difference_update_query(["ssl"]).update_query_dict(
            {"sslmode": _sslmode(ssl)}
        )
    return parsed.render_as_string(hide_password=False)


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment,
    where other users' `ps` cannot read it."""
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host
    args = ["--no-password", f"--dbname={parsed.database}"]
    args += [f"--host={host}"] if host else []
    args += [f"--port={parsed.port}"] if parsed.port else []
    args += [f"--username={parsed.username}"] if parsed.username else []
    env = os.environ.copy()
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    ssl = parsed.query.get("sslmode") or parsed.query.get("ssl")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = _sslmode(ssl)
    return args, env


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, no shell
        command, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit {done.returncode}"]
        raise BackupError(f"{Path(command[0]).name} failed: {lines[0]}")
    return done.stdout


def version(binary: Path) -> str:
    return _run([str(binary), "--version"]).strip()


@asynccontextmanager
async def deletions_held(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection holding the backup lock: until it closes, no stored file is
    deleted (the media janitor takes the same lock, shared, for each deletion)."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        # Waits for deletions under way to end; the janitor skips files from now on.
        await connection.execute("SELECT pg_advisory_lock($1)", BACKUP_LOCK)
        yield connection
    finally:
        await connection.close()  # which releases the lock


@asynccontextmanager
async def snapshot(connection: asyncpg.Connection) -> AsyncIterator[Snapshot]:
    """One snapshot, exported so pg_dump sees exactly it, and what is in it."""
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        snapshot_id = await connection.fetchval("SELECT pg_export_snapshot()")
        tables = await _tables(connection)
        counts = {}
        for table in tables:
            counts[table] = await connection.fetchval(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from pg_tables
        revision = None
        if "alembic_version" in tables:
            revision = await connection.fetchval("SELECT version_num FROM alembic_version")
        keys = []
        if "media" in tables:
            keys = [
                row[0]
                for row in await connection.fetch(
                    "SELECT DISTINCT storage_key FROM media ORDER BY 1"
                )
            ]
        counts.pop("alembic_version", None)
        yield Snapshot(snapshot_id, revision, counts, keys)


async def _tables(connection: asyncpg.Connection) -> list[str]:
    rows = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    )
    return [row[0] for row in rows]


def dump(pg_dump: Path, url: str, snapshot_id: str, target: Path) -> None:
    args, env = _libpq(url)
    _run(
        [str(pg_dump), "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}", *args],
        env,
    )


def check_dump(pg_restore: Path, path: Path) -> None:
    """pg_restore reads the whole table of contents, or the dump is damaged."""
    try:
        _run([str(pg_restore), "--list", str(path)])
    except BackupError as error:
        raise BackupError(f"The backup is damaged: {path} cannot be read ({error})") from None


def restore_dump(pg_restore: Path, url: str, path: Path) -> None:
    args, env = _libpq(url)
    options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    _run([str(pg_restore), *options, *args, str(path)], env)


async def tables_in(url: str) -> list[str]:
    connection = await asyncpg.connect(_dsn(url))
    try:
        return await _tables(connection)
    finally:
        await connection.close()


async def wipe(url: str) -> None:
    """Everything in the schema goes (restore --force); the owner needs to own it."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
