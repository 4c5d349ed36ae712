"""Giving a person a handle, and finding a person by one (current or former)."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import handles
from app.core.exceptions import Conflict, NotFound, ValidationFailed
from app.core.models import User, UserHandle


def checked(handle: str) -> str:
    """The handle as stored, or 422 saying what a handle may be."""
    clean = handles.normalise(handle)
    if not handles.is_valid(clean):
        raise ValidationFailed(
            "A handle is 3 to 30 characters: latin letters, digits, _ and .", field="handle"
        )
    return clean


async def claim(session: AsyncSession, user: User, handle: str | None) -> str:
    """Give `user` (flushed) this handle, or one derived from their name; 409 if the
    handle is or was someone else's. The old handle stays theirs (user_handles)."""
    if handle is None:
        base = handles.base_for(user.name)
        # A creation at the same moment may take the same one: the primary key below
        # tells, and the next number is tried.
        while True:
            prefix = handles.shared_prefix(base)
            taken = set(
                await session.scalars(
                    select(UserHandle.handle).where(
                        UserHandle.handle.startswith(prefix, autoescape=True)
                    )
                )
            )
            candidate = handles.first_free(base, taken.__contains__)
            if await _take(session, user, candidate):
                break
        handle = candidate
    else:
        handle = checked(handle)
        if not await _take(session, user, handle):
            raise Conflict(f"The handle @{handle} is taken")
    user.handle = handle
    await session.flush()
    return handle


async def _take(session: AsyncSession, user: User, handle: str) -> bool:
    """Record `handle` as `user`'s; False if it is anyone else's, now or before."""
    owner = await session.scalar(
        pg_insert(UserHandle)
        .values(handle=handle, user_id=user.id)
        .on_conflict_do_update(
            index_elements=[UserHandle.handle],
            set_={"user_id": UserHandle.user_id},  # a no-op that returns the owner
        )
        .returning(UserHandle.user_id)
    )
    return owner == user.id


async def by_handle(session: AsyncSession, handle: str) -> User:
    """The person with this handle now, or who had it before; 404 if nobody."""
    clean = handles.normalise(handle)
    # user_handles holds every handle, the current ones too.
    user = await session.scalar(
        select(User)
        .join(UserHandle, UserHandle.user_id == User.id)
        .where(UserHandle.handle == clean)
    )
    if user is None:
        raise NotFound(f"Nobody has the handle @{clean}")
    return user
