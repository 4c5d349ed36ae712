"""Data helpers shared by the routers. They flush, never commit."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import NotFound
from app.core.models import Like, Media, User
from app.core.security import hash_api_key
from app.handlers.utils.schemas import Liker, TweetOut, UserRef


async def user_by_api_key(session: AsyncSession, api_key: str) -> User | None:
    # The hash is the lookup key: one index probe, no per-request slow hash.
    result = await session.scalars(select(User).where(User.api_key_hash == hash_api_key(api_key)))
    return result.one_or_none()


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return user


def media_url(media_id: int) -> str:
    return f"/api/medias/{media_id}"


class TweetRow(NamedTuple):
    """The columns every tweet listing selects, in this order."""

    id: int
    content: str
    likes_count: int
    created_at: datetime
    author_id: int
    author_name: str


async def tweet_views(session: AsyncSession, rows: Sequence[TweetRow]) -> list[TweetOut]:
    """Add likers and attachments to a page of tweets: two queries, whatever the page."""
    ids = [row.id for row in rows]
    likers: dict[int, list[Liker]] = defaultdict(list)
    attachments: dict[int, list[str]] = defaultdict(list)
    if ids:
        liker_rows = await session.execute(
            select(Like.tweet_id, User.id, User.name)
            .join(User, User.id == Like.user_id)
            .where(Like.tweet_id.in_(ids))
            .order_by(Like.tweet_id, Like.created_at, Like.user_id)
        )
        for tweet_id, user_id, name in liker_rows:
            likers[tweet_id].append(Liker(user_id=user_id, name=name))
        media_rows = await session.execute(
            select(Media.tweet_id, Media.id).where(Media.tweet_id.in_(ids)).order_by(Media.id)
        )
        for media_tweet_id, media_id in media_rows:
            if media_tweet_id is not None:  # always, by the WHERE; narrows the type
                attachments[media_tweet_id].append(media_url(media_id))
    return [
        TweetOut(
            id=row.id,
            content=row.content,
            attachments=attachments[row.id],
            author=UserRef(id=row.author_id, name=row.author_name),
            likes=likers[row.id],
            likes_count=row.likes_count,
            created_at=row.created_at,
        )
        for row in rows
    ]
