"""An answer that costs a round trip, found once for everyone asking at the same time
and then reused for a while: a flood of requests costs one round trip, not one each."""

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Recent(Generic[T]):
    """What `find` answers (or raises), at most `fresh_for` seconds old.

    Only one `find` runs at a time; whoever asks meanwhile waits for its answer.
    A failure is kept for `failed_for` seconds (by default as long as an answer).
    """

    def __init__(
        self,
        find: Callable[[], Awaitable[T]],
        fresh_for: float,
        failed_for: float | None = None,
    ) -> None:
        self._find = find
        self._fresh_for = fresh_for
        self._failed_for = fresh_for if failed_for is None else failed_for
        self._lock = asyncio.Lock()
        self._until = -math.inf
        # The answer, or the error `find` raised.
        self._outcome: tuple[T] | Exception = LookupError("not asked yet")

    async def get(self) -> T:
        if time.monotonic() >= self._until:
            async with self._lock:
                # Those who waited for the lock take what the one before them found.
                if time.monotonic() >= self._until:
                    await self._refresh()
        outcome = self._outcome
        if isinstance(outcome, Exception):
            # Raised again and again: without this its traceback would grow each time.
            raise outcome.with_traceback(None)
        return outcome[0]

    async def _refresh(self) -> None:
        try:
            self._outcome = (await self._find(),)
        except Exception as error:
            self._outcome = error
            self._until = time.monotonic() + self._failed_for
        else:
            self._until = time.monotonic() + self._fresh_for
