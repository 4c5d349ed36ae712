"""Knowing that the server has begun to shut down, while requests still run.

uvicorn stops taking connections on SIGTERM or SIGINT, then waits for the responses
under way; an event stream never ends on its own, so it would be cut only when the
grace period runs out, and not cleanly. The lifespan's shutdown comes after that
wait, too late. So the signal itself is heard: a handler runs `callback` and then
the one it replaced (uvicorn's), which goes on as before.
"""

import asyncio
import signal
import threading
from collections.abc import Callable
from contextlib import suppress
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


def on_shutdown_signal(callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` on the running loop when SIGTERM or SIGINT arrives; returns
    what undoes it. Signals reach only the main thread: elsewhere, nothing is done."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    replaced: dict[int, Handler] = {}

    def heard(signum: int, frame: FrameType | None) -> None:
        with suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(callback)
        previous = replaced.get(signum)
        if callable(previous):
            previous(signum, frame)
        elif previous in (signal.SIG_DFL, None):
            # What the signal would have done without us: end the process.
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for sig in SIGNALS:
        replaced[sig] = signal.signal(sig, heard)

    def undo() -> None:
        for sig, previous in replaced.items():
            if signal.getsignal(sig) is heard:
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)

    return undo
