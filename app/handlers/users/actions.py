"""People: creating them, profiles, the directory and following."""

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import ValidationFailed
from app.core.models import Follow, Tweet, User
from app.core.security import hash_api_key, new_api_key
from app.handlers.users.schemas import Profile, UserSummary
from app.handlers.utils.db_actions import get_user
from app.handlers.utils.schemas import UserRef


async def create_user(
    session: AsyncSession, name: str, *, is_admin: bool = False, api_key: str | None = None
) -> tuple[User, str]:
    """Create a person; return them with their api key (the only time it exists in clear)."""
    api_key = api_key or new_api_key()
    user = User(name=name, api_key_hash=hash_api_key(api_key), is_admin=is_admin)
    session.add(user)
    await session.flush()
    return user, api_key


async def rotate_api_key(session: AsyncSession, user_id: int) -> tuple[User, str]:
    """Give the person a new api key; the old one stops working with this commit."""
    user = await get_user(session, user_id)
    api_key = new_api_key()
    user.api_key_hash = hash_api_key(api_key)
    await session.flush()
    return user, api_key


async def profile(session: AsyncSession, user: User) -> Profile:
    followers = await session.execute(
        select(User.id, User.name)
        .join(Follow, Follow.follower_id == User.id)
        .where(Follow.followee_id == user.id)
        .order_by(*BY_NAME)
    )
    following = await session.execute(
        select(User.id, User.name)
        .join(Follow, Follow.followee_id == User.id)
        .where(Follow.follower_id == user.id)
        .order_by(*BY_NAME)
    )
    # Counted over the (author_id, created_at, id) index: an index-only scan.
    tweets_count = await session.scalar(
        select(func.count()).select_from(Tweet).where(Tweet.author_id == user.id)
    )
    return Profile(
        id=user.id,
        name=user.name,
        followers=[UserRef(id=id_, name=name) for id_, name in followers],
        following=[UserRef(id=id_, name=name) for id_, name in following],
        tweets_count=tweets_count or 0,
    )


# Alphabetical whatever the case; the id makes the order total, so pages never overlap.
BY_NAME = (func.lower(User.name), User.id)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def directory(
    session: AsyncSession, query: str | None, offset: int, limit: int
) -> list[UserSummary]:
    followers_count = select(func.count()).where(Follow.followee_id == User.id).scalar_subquery()
    following_count = select(func.count()).where(Follow.follower_id == User.id).scalar_subquery()
    statement = select(User.id, User.name, followers_count, following_count)
    if query:
        statement = statement.where(User.name.ilike(_like_pattern(query), escape="\\"))
    rows = await session.execute(statement.order_by(*BY_NAME).offset(offset).limit(limit))
    return [
        UserSummary(id=id_, name=name, followers_count=followers, following_count=following)
        for id_, name, followers, following in rows
    ]


async def follow(session: AsyncSession, user: User, followee_id: int) -> None:
    if followee_id == user.id:
        raise ValidationFailed("You cannot follow yourself", field="user_id")
    await get_user(session, followee_id)
    await session.execute(
        pg_insert(Follow)
        .values(follower_id=user.id, followee_id=followee_id)
        .on_conflict_do_nothing()
    )


async def unfollow(session: AsyncSession, user: User, followee_id: int) -> None:
    if followee_id != user.id:
        await get_user(session, followee_id)
    await session.execute(
        delete(Follow).where(Follow.follower_id == user.id, Follow.followee_id == followee_id)
    )
