"""CPU per request: the processes' CPU times in /proc, read right before and after
a measured round, divided by the round's requests.

Two sides: the web side (the server's workers; for a raw-SQL scenario the bench
process itself, whose asyncpg loop stands in for them) and the PostgreSQL server
(its postmaster and everything below it: backends, checkpointer, walwriter,
autovacuum). Linux only; where /proc cannot see the database server (another
machine, a container), its column stays empty.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, replace

import asyncpg

from bench.load import descendants, read_proc, stat_fields
from bench.measure import Result

_TICK = os.sysconf("SC_CLK_TCK")


def _times(pid: int) -> tuple[int, int]:
    """(utime + stime, cutime + cstime) of a process, in clock ticks; zeros once it is gone."""
    # utime, stime, cutime and cstime: fields 14 to 17 of proc(5).
    fields = stat_fields(pid)
    if len(fields) < 15:
        return 0, 0
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def own_seconds(pids: list[int]) -> float:
    """The CPU the processes themselves have used (not their children's)."""
    return sum(_times(pid)[0] for pid in pids) / _TICK


def tree_seconds(root: int) -> float:
    """The CPU of `root` and every process below it, those that have ended too: an
    ended process's time is in its parent's children's times once it is reaped (and
    a live one's children's times hold only its ended children, so none counts twice)."""
    return sum(sum(_times(pid)) for pid in [root, *descendants(root)]) / _TICK


def _command(pid: int) -> bytes:
    return read_proc(f"/proc/{pid}/cmdline")


async def postmaster(connection: asyncpg.Connection) -> tuple[int, ...]:
    """The pid of the PostgreSQL server `connection` is to, if it runs on this machine
    and /proc shows it (else none): the parent of the connection's own backend."""
    backend: int = await connection.fetchval("SELECT pg_backend_pid()")
    fields = stat_fields(backend)
    # A server in a container has pids of its own: the same number here may be anything.
    if len(fields) < 2 or not _command(backend).startswith(b"postgres"):
        return ()
    parent = int(fields[1])
    return (parent,) if b"postgres" in _command(parent) else ()


@dataclass(frozen=True)
class Meter:
    """Who does the work of a scenario: the web side's processes (asked anew at every
    reading: a server's workers), and the PostgreSQL servers' postmasters (none: not
    visible from here)."""

    web: Callable[[], list[int]]
    database: tuple[int, ...]

    def seconds(self) -> tuple[float, float | None]:
        database = sum(map(tree_seconds, self.database)) if self.database else None
        return own_seconds(self.web()), database

    def measured(self, run: Callable[[], Result]) -> Result:
        """`run`'s result with the CPU spent while it ran, per request."""
        before = self.seconds()
        result = run()
        return per_request(result, before, self.seconds())


def per_request(
    result: Result, before: tuple[float, float | None], after: tuple[float, float | None]
) -> Result:
    """`result` with the CPU spent between the two readings, in ms per request."""
    if not result.requests:
        return result
    web = (after[0] - before[0]) * 1000 / result.requests
    database = None
    if before[1] is not None and after[1] is not None:
        database = (after[1] - before[1]) * 1000 / result.requests
    return replace(result, web_cpu_ms=web, db_cpu_ms=database)
