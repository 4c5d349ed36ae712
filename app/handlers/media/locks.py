"""The per-file lock that uploads and deletions of the same stored file both take."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import advisory_locks


async def lock_stored_file(session: AsyncSession, key: str, *, wait: bool = True) -> bool:
    """Serialise everything that decides a stored file's fate, until the transaction ends.

    An upload of a picture that is already stored and the deletion of that same
    file must not interleave; both take this lock first.
    """
    lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
    acquired = await session.scalar(select(lock(func.hashtextextended(key, 0))))
    return wait or bool(acquired)


# Held by `python -m app backup` (exclusively) from its snapshot until every picture
# of it is copied; each deletion of a stored file takes it shared.
BACKUP_LOCK = advisory_locks.BACKUP


async def no_backup_running(session: AsyncSession) -> bool:
    """Whether no backup runs; if so, none starts before this transaction ends, so a
    file deleted now cannot be one a backup's snapshot still refers to."""
    held = await session.scalar(select(func.pg_try_advisory_xact_lock_shared(BACKUP_LOCK)))
    return bool(held)
