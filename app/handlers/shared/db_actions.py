"""The lookups several domains share: the caller by api key, a person by id (404 if
there is none), and a picture's URL. Helpers here and in each domain's `actions`
never commit: the request's session commits once, after the handler returns."""

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import NotFound
from app.core.models import Tweet, User
from app.core.security import hash_api_key

# The hash is the lookup key: one index probe, no per-request slow hash.
USER_BY_KEY_HASH = select(User).where(User.api_key_hash == bindparam("api_key_hash"))


async def user_by_api_key(session: AsyncSession, api_key: str) -> User | None:
    result = await session.scalars(USER_BY_KEY_HASH, {"api_key_hash": hash_api_key(api_key)})
    return result.one_or_none()


async def key_hashes(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, str]:
    """The api key hash of each of these people (those still there)."""
    rows = await session.execute(
        select(User.id, User.api_key_hash).where(User.id.in_(list(user_ids)))
    )
    return {user_id: key_hash for user_id, key_hash in rows}  # noqa: C416


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return user


def no_such_tweet(tweet_id: int) -> NotFound:
    return NotFound(f"Tweet {tweet_id} does not exist")


async def check_tweet(session: AsyncSession, tweet_id: int) -> None:
    """404 unless the tweet exists."""
    if await session.scalar(select(Tweet.id).where(Tweet.id == tweet_id)) is None:
        raise no_such_tweet(tweet_id)


def media_url(media_id: int) -> str:
    return f"/api/medias/{media_id}"
