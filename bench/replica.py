"""`bench run --replica`: a streaming replica of the bench database's server, made
for the run (pg_basebackup of the embedded binaries: app/core/embedded_replica.py)
and removed after, for the feed served with the replica against without.

Both servers run on this machine, on the same cores as the web workers and wrk: the
comparison shows what routing reads to a replica costs and whether it works under
load, not what a replica on a machine of its own would add.
"""

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core.embedded_replica import StreamingReplica
from bench.cpu import postmaster
from bench.seed import connected

CATCH_UP_SECONDS = 120


@dataclass(frozen=True)
class Replica:
    url: str  # the bench database on the replica
    pids: tuple[int, ...]  # its postmaster, for its CPU
    made_seconds: float  # pg_basebackup and the start


@contextmanager
def replica_of(url: str) -> Iterator[Replica]:
    """A streaming replica of `url`'s server that has replayed everything the primary
    had written when it was made; stopped and deleted after."""
    root = Path(tempfile.mkdtemp(prefix="microblog-bench-replica-"))
    root.chmod(0o755)  # the server's own user (under root) must reach its folder
    replica = StreamingReplica(root / "replica", url)
    try:
        began = time.monotonic()
        replica.create()
        made = time.monotonic() - began
        pids = asyncio.run(_caught_up(url, replica.url))
        yield Replica(replica.url, pids, made)
    finally:
        replica.remove()
        shutil.rmtree(root, ignore_errors=True)


async def _caught_up(primary_url: str, replica_url: str) -> tuple[int, ...]:
    """Wait until the replica has replayed the primary's WAL as of now; its postmaster."""
    async with connected(primary_url) as primary:
        wanted = await primary.fetchval("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + CATCH_UP_SECONDS
    async with connected(replica_url) as replica:
        while True:
            replayed = await replica.fetchval(
                "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", wanted
            )
            if replayed:
                return await postmaster(replica)
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica did not catch up in {CATCH_UP_SECONDS} s")
            await asyncio.sleep(0.2)


async def transactions(url: str) -> int:
    """Transactions the server of `url` has seen in its database (a replica's are the
    reads it answered)."""
    async with connected(url) as connection:
        count: int = await connection.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return count
