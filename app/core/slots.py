"""A cap on how many things one caller (an address, a person) has under way at once.

Counted in each process's memory: a slow request holds its place only as long as
it runs, which no shared budget of requests a minute can express, and a crashed
process cannot leave places taken anywhere else.
"""

from collections.abc import Hashable, Iterator
from contextlib import contextmanager


class Slots:
    def __init__(self, per_caller: int) -> None:
        """At most `per_caller` at once for each caller; 0: no cap."""
        self.per_caller = per_caller
        # Only callers with something under way: it never outgrows the requests running.
        self._held: dict[Hashable, int] = {}

    @contextmanager
    def hold(self, caller: Hashable) -> Iterator[bool]:
        """Take one of `caller`'s places for the block; False (none taken) if all are."""
        held = self._held.get(caller, 0)
        if self.per_caller and held >= self.per_caller:
            yield False
            return
        self._held[caller] = held + 1
        try:
            yield True
        finally:
            left = self._held[caller] - 1
            if left:
                self._held[caller] = left
            else:
                del self._held[caller]
