"""The per-file lock that uploads and deletions of the same stored file both take."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def lock_stored_file(session: AsyncSession, key: str, *, wait: bool = True) -> bool:
    """Serialise everything that decides a stored file's fate, until the transaction ends.

    An upload of a picture that is already stored and the deletion of that same
    file must not interleave; both take this lock first.
    """
    lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
    acquired = await session.scalar(select(lock(func.hashtextextended(key, 0))))
    return wait or bool(acquired)
