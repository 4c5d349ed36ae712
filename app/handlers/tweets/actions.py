"""Tweets: posting, deleting, likes and the feed."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    UnaryExpression,
    delete,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from app.core.exceptions import Forbidden, NotFound, ValidationFailed
from app.core.models import Follow, Like, Media, Tweet, User
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
        raise ValidationFailed(str(error), field="tweet_data") from None
    tweet_id = (
        await session.execute(
            insert(Tweet).values(author_id=author.id, content=content).returning(Tweet.id)
        )
    ).scalar_one()
    await media_actions.attach(session, author, tweet_id, media_ids)
    return tweet_id


async def delete_tweet(session: AsyncSession, user: User, tweet_id: int) -> list[str]:
    """Delete the tweet with its likes and media rows; returns the stored files it used."""
    author_id = await session.scalar(
        select(Tweet.author_id).where(Tweet.id == tweet_id).with_for_update()
    )
    if author_id is None:
        raise NotFound(f"Tweet {tweet_id} does not exist")
    if author_id != user.id:
        raise Forbidden("You can delete only your own tweets")
    # Likes and media rows go with it (ON DELETE CASCADE); a trigger queues the
    # media rows' files for deletion in this same transaction.
    keys = await session.scalars(select(Media.storage_key).where(Media.tweet_id == tweet_id))
    await session.execute(delete(Tweet).where(Tweet.id == tweet_id))
    return list(keys)


async def _lock_tweet(session: AsyncSession, tweet_id: int) -> None:
    """404 for an unknown tweet; a key-share lock keeps it from being deleted under us,
    so a like racing a delete ends in a clean 404 rather than a foreign-key error."""
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

    Each author's best `offset + limit` tweets come from an index-only scan of
    (author_id, likes_count DESC, created_at DESC, id DESC) through a LATERAL
    join; only the page's rows are then read from the table. The cost follows
    the page and the follow count, not the size of the tweets table.
    """
    authors = (
        select(Follow.followee_id.label("author_id"))
        .where(Follow.follower_id == user.id)
        .union_all(select(literal(user.id, BigInteger).label("author_id")))
        .cte("authors")
    )
    best = (
        select(Tweet.id, Tweet.likes_count, Tweet.created_at)
        .where(Tweet.author_id == authors.c.author_id)
        .order_by(*_feed_order(Tweet.likes_count, Tweet.created_at, Tweet.id))
        .limit(offset + limit)
        .lateral("best")
    )
    page = (
        select(best)
        .select_from(authors)
        .join(best, true())
        .order_by(*_feed_order(best.c.likes_count, best.c.created_at, best.c.id))
        .offset(offset)
        .limit(limit)
        .cte("page")
    )
    rows = await session.execute(
        _tweet_rows()
        .join(page, page.c.id == Tweet.id)
        .order_by(*_feed_order(page.c.likes_count, page.c.created_at, page.c.id))
    )
    return await tweet_views(session, [TweetRow._make(row) for row in rows])


def _feed_order(
    *columns: ColumnElement[Any] | QueryableAttribute[Any],
) -> list[UnaryExpression[Any]]:
    """The feed's total order: likes, then time, then id, all descending."""
    return [column.desc() for column in columns]


def _tweet_rows() -> Select[int, str, int, datetime, int, str]:
    """The columns of TweetRow, with the author's name."""
    return select(
        Tweet.id, Tweet.content, Tweet.likes_count, Tweet.created_at, Tweet.author_id, User.name
    ).join(User, User.id == Tweet.author_id)


async def tweets_of(
    session: AsyncSession, author_id: int, offset: int, limit: int
) -> list[TweetOut]:
    """One person's tweets, newest first."""
    rows = await session.execute(
        _tweet_rows()
        .where(Tweet.author_id == author_id)
        .order_by(Tweet.created_at.desc(), Tweet.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return await tweet_views(session, [TweetRow._make(row) for row in rows])
