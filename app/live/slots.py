"""The cap on a person's open event streams across every process: each stream holds
one of the person's MAX slots, a session advisory lock (app/core/advisory_locks.py)
taken on its process's listening connection. PostgreSQL keeps the count exact between
processes and releases a dead process's slots with its connection; no table, no
clean-up.

Session advisory locks are re-entrant, so a process never asks again for a slot one
of its own streams holds (`held`): the lock would be granted twice. A slot given back
while another of the process's streams takes it again stays held (the lock counts).
While the listening connection is down the slots are gone with it: streams open then
on the process's own cap alone, and the catch-up after reconnecting takes a slot for
every stream again, ending those that find none.
"""

import logging

import asyncpg

from app.core.advisory_locks import EVENT_STREAM_SLOTS
from app.live.listener import Listener, NotListening

logger = logging.getLogger(__name__)

# The two-key form takes int4 keys: a person's id beyond it is not capped here.
_LARGEST_KEY = 2**31 - 1

# The first free slot not held here, in order, locked as it is found (the subquery
# with OFFSET 0 is not flattened, so the lock is tried slot by slot and stops at the
# first taken).
_TAKE = """
SELECT slot FROM (
    SELECT slot FROM generate_series(0, $2 - 1) AS slot
    WHERE NOT slot = ANY ($3::int[])
    ORDER BY slot OFFSET 0
) AS free
WHERE pg_try_advisory_lock(CAST($4 AS int) + slot, $1)
LIMIT 1
"""


class StreamSlots:
    def __init__(self, listener: Listener, per_person: int) -> None:
        self.listener = listener
        self.per_person = per_person

    def applies_to(self, user_id: int) -> bool:
        return bool(self.per_person) and user_id <= _LARGEST_KEY

    async def take(self, user_id: int, held: set[int]) -> int | None:
        """A slot of the person's for a new stream; None when every one is held (by
        another process, or by `held` here). Raises NotListening."""
        found = await self.listener.fetchval(
            _TAKE, user_id, self.per_person, sorted(held), EVENT_STREAM_SLOTS
        )
        return found if isinstance(found, int) else None

    async def give_back(self, user_id: int, slot: int) -> None:
        try:
            await self.listener.fetchval(
                "SELECT pg_advisory_unlock(CAST($1 AS int) + $2, $3)",
                EVENT_STREAM_SLOTS,
                slot,
                user_id,
            )
        except (NotListening, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
            pass  # the connection (a shutdown, a restart) and its locks are gone already
        except Exception as error:  # a slot held too long is freed with the connection
            logger.warning("live updates: cannot give a stream slot back: %r", error)
