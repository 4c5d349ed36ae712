"""Tweets: posting, deleting, likes and the feed."""

from sqlalchemy import BigInteger, delete, insert, literal, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import Forbidden, NotFound, ValidationFailed
from app.core.models import Follow, Like, Tweet, User
from app.handlers.media import actions as media_actions
from app.handlers.utils.db_actions import TweetRow, tweet_views
from app.handlers.utils.schemas import TweetOut
from app.handlers.utils.text import clean_text


async def create_tweet(
    session: AsyncSession, author: User, text: str, media_ids: list[int], max_length: int
) -> int:
    try:
        content = clean_text(text, max_length=max_length, what="The tweet", multiline=True)
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
    tweet_id = (
        await session.execute(
            insert(Tweet).values(author_id=author.id, content=content).returning(Tweet.id)
        )
    ).scalar_one()
    await media_actions.attach(session, author, tweet_id, media_ids)
    return tweet_id


async def delete_tweet(session: AsyncSession, user: User, tweet_id: int) -> None:
    author_id = await session.scalar(
        select(Tweet.author_id).where(Tweet.id == tweet_id).with_for_update()
    )
    if author_id is None:
        raise NotFound(f"Tweet {tweet_id} does not exist")
    if author_id != user.id:
        raise Forbidden("You can delete only your own tweets")
    # Likes and media rows go with it (ON DELETE CASCADE).
    await session.execute(delete(Tweet).where(Tweet.id == tweet_id))


async def _lock_tweet(session: AsyncSession, tweet_id: int) -> None:
    """Fail with 404 for an unknown tweet; hold its row so the counter update is exact."""
    found = await session.scalar(
        select(Tweet.id).where(Tweet.id == tweet_id).with_for_update(key_share=True)
    )
    if found is None:
        raise NotFound(f"Tweet {tweet_id} does not exist")


async def like(session: AsyncSession, user: User, tweet_id: int) -> None:
    await _lock_tweet(session, tweet_id)
    added = await session.scalar(
        pg_insert(Like)
        .values(tweet_id=tweet_id, user_id=user.id)
        .on_conflict_do_nothing()
        .returning(Like.tweet_id)
    )
    if added is not None:
        await session.execute(
            update(Tweet).where(Tweet.id == tweet_id).values(likes_count=Tweet.likes_count + 1)
        )


async def unlike(session: AsyncSession, user: User, tweet_id: int) -> None:
    await _lock_tweet(session, tweet_id)
    removed = await session.scalar(
        delete(Like)
        .where(Like.tweet_id == tweet_id, Like.user_id == user.id)
        .returning(Like.tweet_id)
    )
    if removed is not None:
        await session.execute(
            update(Tweet).where(Tweet.id == tweet_id).values(likes_count=Tweet.likes_count - 1)
        )


async def feed(session: AsyncSession, user: User, offset: int, limit: int) -> list[TweetOut]:
    """Tweets of the people `user` follows and their own: most liked, then newest, then id.

    Each author's best `offset + limit` tweets come straight off the
    (author_id, likes_count DESC, created_at DESC, id DESC) index through a
    LATERAL join, so the cost follows the page and the follow count, not the
    size of the tweets table.
    """
    authors = (
        select(Follow.followee_id.label("author_id"))
        .where(Follow.follower_id == user.id)
        .union_all(select(literal(user.id, BigInteger).label("author_id")))
        .cte("authors")
    )
    best = (
        select(Tweet.id, Tweet.content, Tweet.likes_count, Tweet.created_at, Tweet.author_id)
        .where(Tweet.author_id == authors.c.author_id)
        .order_by(Tweet.likes_count.desc(), Tweet.created_at.desc(), Tweet.id.desc())
        .limit(offset + limit)
        .lateral("best")
    )
    rows = await session.execute(
        select(
            best.c.id,
            best.c.content,
            best.c.likes_count,
            best.c.created_at,
            best.c.author_id,
            User.name,
        )
        .select_from(authors)
        .join(best, true())
        .join(User, User.id == best.c.author_id)
        .order_by(best.c.likes_count.desc(), best.c.created_at.desc(), best.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return await tweet_views(session, [TweetRow(*row) for row in rows])


async def tweets_of(
    session: AsyncSession, author_id: int, offset: int, limit: int
) -> list[TweetOut]:
    """One person's tweets, newest first."""
    rows = await session.execute(
        select(
            Tweet.id, Tweet.content, Tweet.likes_count, Tweet.created_at, Tweet.author_id, User.name
        )
        .join(User, User.id == Tweet.author_id)
        .where(Tweet.author_id == author_id)
        .order_by(Tweet.created_at.desc(), Tweet.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return await tweet_views(session, [TweetRow(*row) for row in rows])
