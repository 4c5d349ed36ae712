"""Waiting for something to become so, against a deadline, never for a fixed time.

A fixed sleep is a guess at how long a busy machine takes: too short there, and the
test fails for nothing; too long everywhere else. These ask again and again until the
thing is so, and fail saying what never happened. `poll` and `eventually` (and their
async twins, for tests on the event loop) serve every wait in the suite, the
image_saver tests' too; the socket conditions below are what some of them wait for.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# How long to wait by default: far more than anything takes, even on a slow machine.
WITHIN = 30.0
EVERY = 0.1


def poll(
    check: Callable[[], T],
    *,
    within: float = WITHIN,
    every: float = EVERY,
    ignoring: tuple[type[BaseException], ...] = (),
) -> T | None:
    """Call `check` until it returns something true, and return that; None once `within`
    seconds have passed. An exception of a type in `ignoring` counts as "not yet"; any
    other goes up at once (so a check can fail fast, on a process that exited, say)."""
    deadline = time.monotonic() + within
    while True:
        try:
            value = check()
        except ignoring:
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(every)


def eventually(
    check: Callable[[], T],
    *,
    within: float = WITHIN,
    every: float = EVERY,
    what: str = "the condition",
    ignoring: tuple[type[BaseException], ...] = (),
) -> T:
    """`poll`, failing the test if `check` is not true within the time."""
    value = poll(check, within=within, every=every, ignoring=ignoring)
    assert value, f"timed out after {within:g} s waiting for {what}"
    return value


async def poll_async(
    check: Callable[[], Awaitable[T]],
    *,
    within: float = WITHIN,
    every: float = EVERY,
    ignoring: tuple[type[BaseException], ...] = (),
) -> T | None:
    """`poll` for a check that is a coroutine, sleeping without blocking the event loop."""
    deadline = time.monotonic() + within
    while True:
        try:
            value = await check()
        except ignoring:
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(every)


async def eventually_async(
    check: Callable[[], Awaitable[T]],
    *,
    within: float = WITHIN,
    every: float = EVERY,
    what: str = "the condition",
    ignoring: tuple[type[BaseException], ...] = (),
) -> T:
    """`eventually` for a check that is a coroutine."""
    value = await poll_async(check, within=within, every=every, ignoring=ignoring)
    assert value, f"timed out after {within:g} s waiting for {what}"
    return value


# What the kernel says of TCP connections (Linux: /proc/net/tcp and tcp6). A server has
# read what a client sent once nothing waits in its receive queue; it has let go of a
# connection once no socket of its own is left for it.
_ESTABLISHED, _CLOSE_WAIT = "01", "08"


def _server_sockets(port: int) -> list[tuple[int, str, int]]:
    """(client port, state, bytes received but not yet read) of each socket whose own
    end is `port` on this machine: the server's side of its connections."""
    found = []
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, queues = fields[1], fields[2], fields[3], fields[4]
            if int(local.rsplit(":", 1)[1], 16) == port:
                unread = int(queues.split(":")[1], 16)
                found.append((int(remote.rsplit(":", 1)[1], 16), state, unread))
    return found


def server_has_read(port: int, client_port: int | None = None) -> bool:
    """The server on `port` has a connection (the one from `client_port`, if given) and
    has read every byte sent to it on its connections so far."""
    connections = [
        (client, unread)
        for client, state, unread in _server_sockets(port)
        if state == _ESTABLISHED and client_port in (None, client)
    ]
    return bool(connections) and all(unread == 0 for _, unread in connections)


def server_let_go(port: int, client_port: int) -> bool:
    """The server on `port` has closed its side of the connection from `client_port`
    (after the client closed theirs): it has noticed that the client went away."""
    return not any(
        client == client_port and state in (_ESTABLISHED, _CLOSE_WAIT)
        for client, state, _ in _server_sockets(port)
    )


def server_has_unread(port: int) -> bool:
    """Something sent to the server on `port` waits unread: a request it has not taken
    up yet (say, as the server is stopped)."""
    return any(state == _ESTABLISHED and unread for _, state, unread in _server_sockets(port))
