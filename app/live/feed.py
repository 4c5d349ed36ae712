"""Who, among the people with a stream open here, hears of a new conversation."""

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.models import Follow, User
from app.handlers.shared.schemas import UserRef

# The author's shape and those of `connected` who follow them, in one statement
# (PK / ix_follows_followee_id probes, only for the people connected).
_AUDIENCE = select(
    User.id,
    User.name,
    User.handle,
    select(func.array_agg(Follow.follower_id))
    .where(
        Follow.followee_id == User.id,
        Follow.follower_id == func.any(bindparam("connected", type_=ARRAY(BigInteger))),
    )
    .scalar_subquery(),
).where(User.id == bindparam("author_id"))


async def audience(
    session: AsyncSession, author_id: int, connected: list[int]
) -> tuple[UserRef, list[int]] | None:
    """The author, and which of `connected` follow them; None if the author is gone."""
    row = (
        await session.execute(_AUDIENCE, {"author_id": author_id, "connected": connected})
    ).first()
    if row is None:
        return None
    return UserRef(id=row[0], name=row[1], handle=row[2]), list(row[3] or [])
