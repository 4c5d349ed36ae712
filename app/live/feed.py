"""Who, among the people with a stream open here, hears of a new conversation."""

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.models import Follow, User
from app.handlers.shared.schemas import UserRef

# Each author's shape and those of `connected` who follow them, in one statement for
# all the authors (PK / ix_follows_followee_id probes, only for the people connected).
_AUDIENCES = select(
    User.id,
    User.name,
    User.handle,
    select(func.array_agg(Follow.follower_id))
    .where(
        Follow.followee_id == User.id,
        Follow.follower_id == func.any(bindparam("connected", type_=ARRAY(BigInteger))),
    )
    .scalar_subquery(),
).where(User.id == func.any(bindparam("authors", type_=ARRAY(BigInteger))))


async def audiences(
    session: AsyncSession, author_ids: set[int], connected: list[int]
) -> dict[int, tuple[UserRef, list[int]]]:
    """Each author, and which of `connected` follow them (an author who is gone: none)."""
    rows = await session.execute(_AUDIENCES, {"authors": list(author_ids), "connected": connected})
    return {
        user_id: (UserRef(id=user_id, name=name, handle=handle), list(followers or []))
        for user_id, name, handle, followers in rows
    }
