"""Tweets: posting, deleting, likes and the feed."""

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    UnaryExpression,
    bindparam,
    column,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from app.core.exceptions import Forbidden, NotFound, ValidationFailed
from app.core.models import Like, Media, Tweet, User
from app.handlers.media import actions as media_actions
from app.handlers.utils.db_actions import TweetSelect, tweet_rows, tweet_views
from app.handlers.utils.schemas import Liker, TweetOut
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


# The feed's first `offset + limit` tweets (ids and sort keys) for :user_id, by one of
# two exact plans; PostgreSQL skips the one not needed (one-time filters).
#
# - Walk: go down the global order, (likes_count, created_at, id) DESC, an index-only
#   scan, keeping the tweets of the people followed. For someone following many, a
#   page is found within a few hundred entries. Tried only from 100 follows, and it
#   gives up after 10 entries per tweet wanted (at most 20,000): each entry is
#   checked against every author followed, so a walk must stay short even when it
#   fails (someone following many quiet colleagues).
# - Per author (LATERAL), from the (author_id, likes_count, created_at, id) index, in
#   two passes. First each author's best few, just enough that together they are
#   `offset + limit` (N) tweets (1 each for a first page and 19 or more follows); the
#   N-th best of those is the bar. Then each author's tweets at or above the bar, at
#   most N, merged. Typically about 2 x (follows + N) index entries, where taking
#   each author's best N reads follows x N (11,000 for offset 200 and 50 follows).
#   Not a bound: with quiet authors the first pass may fall short of N (no bar, the
#   old cost), and a few prolific ones can hold most of the rows above the bar.
#
# Both are exact. When the walk found the whole page, everything it did not reach
# ranks below everything it did. The bar: N tweets are at or above it, so the N-th
# best tweet is too, and so is every tweet that ranks before it. With fewer than N
# tweets in the first pass, there is no bar (every tweet is above (-1, -infinity, 0)).
_FEED_CANDIDATES = """
WITH authors AS (
    SELECT followee_id AS author_id FROM follows WHERE follower_id = CAST(:user_id AS BIGINT)
    UNION ALL SELECT CAST(:user_id AS BIGINT)
),
walked AS (
    SELECT id, likes_count, created_at FROM (
        SELECT id, likes_count, created_at, author_id FROM tweets
        ORDER BY likes_count DESC, created_at DESC, id DESC
        LIMIT LEAST(20000, 10 * (CAST(:offset AS BIGINT) + CAST(:limit AS BIGINT)))
    ) AS best_overall
    WHERE (SELECT count(*) FROM authors) > 100
      AND author_id = ANY (ARRAY(SELECT author_id FROM authors))
    ORDER BY likes_count DESC, created_at DESC, id DESC  -- already so: no sort, stops early
    LIMIT CAST(:offset AS BIGINT) + CAST(:limit AS BIGINT)
),
walked_enough AS (
    SELECT count(*) = CAST(:offset AS BIGINT) + CAST(:limit AS BIGINT) AS yes FROM walked
),
first_pass AS (
    SELECT few.likes_count, few.created_at, few.id
    FROM authors CROSS JOIN LATERAL (
        SELECT likes_count, created_at, id FROM tweets
        WHERE tweets.author_id = authors.author_id
        ORDER BY likes_count DESC, created_at DESC, id DESC
        LIMIT (
            SELECT CAST(ceil((CAST(:offset AS BIGINT) + CAST(:limit AS BIGINT))
                             / CAST(count(*) AS NUMERIC)) AS BIGINT)
            FROM authors
        )
    ) AS few
),
bar AS (
    SELECT likes_count, created_at, id FROM first_pass
    ORDER BY likes_count DESC, created_at DESC, id DESC
    OFFSET GREATEST(CAST(:offset AS BIGINT) + CAST(:limit AS BIGINT) - 1, 0) LIMIT 1
)
SELECT id, likes_count, created_at FROM walked WHERE (SELECT yes FROM walked_enough)
UNION ALL
SELECT best.id, best.likes_count, best.created_at
FROM authors CROSS JOIN LATERAL (
    SELECT id, likes_count, created_at FROM tweets
    WHERE tweets.author_id = authors.author_id
      AND (likes_count, created_at, id) >= (
          coalesce((SELECT likes_count FROM bar), -1),
          coalesce((SELECT created_at FROM bar), '-infinity'),
          coalesce((SELECT id FROM bar), 0)
      )
    ORDER BY likes_count DESC, created_at DESC, id DESC
    LIMIT CAST(:offset AS BIGINT) + CAST(:limit AS BIGINT)
) AS best
WHERE NOT (SELECT yes FROM walked_enough)
"""


def _feed_page() -> TweetSelect:
    """The feed of :user_id: the people they follow and their own tweets, most liked,
    then newest, then highest id; a page of it with everything it shows.

    Built once with named parameters (user_id, offset, limit, and tweet_rows'
    viewer_id, cap): one prepared statement serves every page, and `app bench`
    runs this very SQL raw.
    """
    candidates = (
        sql(_FEED_CANDIDATES)
        .columns(
            column("id", BigInteger),
            column("likes_count", Integer),
            column("created_at", DateTime(timezone=True)),
        )
        .subquery("candidates")
    )
    page = (
        select(candidates)
        .order_by(*_feed_order(candidates.c.likes_count, candidates.c.created_at, candidates.c.id))
        .offset(bindparam("offset", type_=BigInteger))
        .limit(bindparam("limit", type_=BigInteger))
        .cte("page")
    )
    return (
        tweet_rows()
        .join(page, page.c.id == Tweet.id)
        .order_by(*_feed_order(page.c.likes_count, page.c.created_at, page.c.id))
    )


def _feed_order(
    *columns: ColumnElement[Any] | QueryableAttribute[Any],
) -> list[UnaryExpression[Any]]:
    """The feed's total order: likes, then time, then id, all descending."""
    return [column.desc() for column in columns]


FEED_PAGE = _feed_page()

# One person's tweets, newest first (parameters: author_id, offset, limit, viewer_id, cap).
TWEETS_OF = (
    tweet_rows()
    .where(Tweet.author_id == bindparam("author_id", type_=BigInteger))
    .order_by(Tweet.created_at.desc(), Tweet.id.desc())
    .offset(bindparam("offset", type_=BigInteger))
    .limit(bindparam("limit", type_=BigInteger))
)


async def feed(
    session: AsyncSession, user: User, offset: int, limit: int, likers_per_tweet: int
) -> list[TweetOut]:
    """The page and everything it shows, in one statement."""
    rows = await session.execute(
        FEED_PAGE,
        {
            "user_id": user.id,
            "offset": offset,
            "limit": limit,
            "viewer_id": user.id,
            "cap": likers_per_tweet or None,  # LIMIT NULL: every liker
        },
    )
    return tweet_views(rows)


async def tweets_of(
    session: AsyncSession,
    viewer: User,
    author_id: int,
    offset: int,
    limit: int,
    likers_per_tweet: int,
) -> list[TweetOut]:
    rows = await session.execute(
        TWEETS_OF,
        {
            "author_id": author_id,
            "offset": offset,
            "limit": limit,
            "viewer_id": viewer.id,
            "cap": likers_per_tweet or None,  # LIMIT NULL: every liker
        },
    )
    return tweet_views(rows)


async def likers(session: AsyncSession, tweet_id: int, offset: int, limit: int) -> list[Liker]:
    """Everyone who liked the tweet, in the order they liked it."""
    if await session.scalar(select(Tweet.id).where(Tweet.id == tweet_id)) is None:
        raise NotFound(f"Tweet {tweet_id} does not exist")
    rows = await session.execute(
        select(User.id, User.name)
        .join(Like, Like.user_id == User.id)
        .where(Like.tweet_id == tweet_id)
        .order_by(Like.created_at, Like.user_id)
        .offset(offset)
        .limit(limit)
    )
    return [Liker(user_id=user_id, name=name) for user_id, name in rows]
