"""Tweets: posting, deleting, likes and the feed."""

from typing import cast

from sqlalchemy import BigInteger, Update, bindparam, delete, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import Forbidden, ValidationFailed
from app.core.models import Like, Media, Tweet, User
from app.handlers.admin import moderation
from app.handlers.media import actions as media_actions
from app.handlers.shared.db_actions import check_tweet, get_user, no_such_tweet
from app.handlers.shared.schemas import Liker
from app.handlers.shared.text import clean_text
from app.handlers.tweets import mentions
from app.handlers.tweets.feed_sql import FEED_PAGE, feed_parameters
from app.handlers.tweets.listing import TweetSelect, tweet_list_json, tweet_rows, viewing


def tweet_content(text: str, max_length: int) -> str:
    """A post's text as it is kept (trimmed), or 422 naming `tweet_data`."""
    try:
        return clean_text(text, max_length=max_length, what="The tweet", multiline=True)
    except ValueError as error:
        raise ValidationFailed(str(error), field="tweet_data") from None


async def create_tweet(
    session: AsyncSession,
    author: User,
    text: str,
    media_ids: list[int],
    max_length: int,
    reply_to: int | None = None,
) -> int:
    """Post a tweet, answering `reply_to` if given (404 if that one does not exist),
    with its mentions. Triggers count the reply, file it in its conversation, notify
    whom it concerns (migration 0005) and file its hashtags (0010)."""
    content = tweet_content(text, max_length)
    if reply_to is None:
        new = insert(Tweet).values(author_id=author.id, content=content)
    else:
        # Only if the post answered is there, locked so that a racing delete waits
        # (FOR NO KEY UPDATE, as the trigger counting the reply updates it anyway): one
        # statement, where a lock first cost a round trip more.
        parent = (
            select(literal(author.id), literal(content), Tweet.id)
            .where(Tweet.id == reply_to)
            .with_for_update(key_share=True)
        )
        new = insert(Tweet).from_select(["author_id", "content", "reply_to"], parent)
    tweet_id: int | None = await session.scalar(new.returning(Tweet.id))
    if tweet_id is None:  # only a reply inserts nothing: the post it answers is gone
        raise no_such_tweet(cast(int, reply_to))
    await mentions.record(session, tweet_id, content)
    await media_actions.attach(session, author, tweet_id, media_ids)
    return tweet_id


async def delete_tweet(session: AsyncSession, user: User, tweet_id: int) -> list[str]:
    """Delete the tweet with its likes and media rows (the author, or an administrator
    moderating); returns the stored files it used."""
    author_id = await session.scalar(
        select(Tweet.author_id).where(Tweet.id == tweet_id).with_for_update()
    )
    if author_id is None:
        raise no_such_tweet(tweet_id)
    if author_id != user.id:
        if not user.is_admin:
            raise Forbidden("You can delete only your own tweets")
        await moderation.removing_post(session, user, tweet_id)
    # Likes and media rows go with it (ON DELETE CASCADE); a trigger queues the
    # media rows' files for deletion in this same transaction.
    keys = await session.scalars(select(Media.storage_key).where(Media.tweet_id == tweet_id))
    await session.execute(delete(Tweet).where(Tweet.id == tweet_id))
    return list(keys)


# A like and its count in one statement: the like is added only if the tweet is there,
# locked (FOR NO KEY UPDATE: the lock its count's update takes anyway) so that a delete
# racing it waits, and then there is nothing to like; the count goes up only if the
# like is new. Three round trips before: lock, insert, count.
_LIKE = (
    update(Tweet)
    .where(
        Tweet.id.in_(
            pg_insert(Like)
            .from_select(
                ["tweet_id", "user_id"],
                select(Tweet.id, bindparam("user_id", type_=BigInteger))
                .where(Tweet.id == bindparam("tweet_id", type_=BigInteger))
                .with_for_update(key_share=True),
            )
            .on_conflict_do_nothing()
            .returning(Like.tweet_id)
            .cte("added")
            .select()
        )
    )
    .values(likes_count=Tweet.likes_count + 1)
    .returning(Tweet.id)
)
# An unlike and its count, likewise: the count goes down only if there was a like.
# The tweet is locked first (an InitPlan, run before the delete), as a like locks it:
# locking the like row first and then the tweet deadlocked with a like of the same
# pair.
_UNLIKE = (
    update(Tweet)
    .where(
        Tweet.id.in_(
            delete(Like)
            .where(
                Like.tweet_id
                == select(Tweet.id)
                .where(Tweet.id == bindparam("tweet_id", type_=BigInteger))
                .with_for_update(key_share=True)
                .scalar_subquery(),
                Like.user_id == bindparam("user_id", type_=BigInteger),
            )
            .returning(Like.tweet_id)
            .cte("removed")
            .select()
        )
    )
    .values(likes_count=Tweet.likes_count - 1)
    .returning(Tweet.id)
)


async def _count(
    session: AsyncSession, statement: Update, tweet_id: int, user_id: int
) -> int | None:
    """Run _LIKE or _UNLIKE: the tweet's id if its count changed. On the connection, as
    plain SQL: the ORM's bulk UPDATE does not hand back a RETURNING under a CTE."""
    connection = await session.connection()
    result = await connection.execute(statement, {"tweet_id": tweet_id, "user_id": user_id})
    found: int | None = result.scalar()
    return found


async def like(session: AsyncSession, user: User, tweet_id: int) -> None:
    """Like the tweet (again: nothing changes); 404 if there is no such tweet."""
    counted = await _count(session, _LIKE, tweet_id, user.id)
    if counted is None:
        await check_tweet(session, tweet_id)  # nothing new: liked before, or no tweet


async def unlike(session: AsyncSession, user: User, tweet_id: int) -> None:
    """Take the like back (none: nothing changes); 404 if there is no such tweet."""
    counted = await _count(session, _UNLIKE, tweet_id, user.id)
    if counted is None:
        await check_tweet(session, tweet_id)


def _tweets_of(people_as_json: bool = False) -> TweetSelect:
    """One person's tweets, newest first (parameters: author_id, offset, limit,
    viewer_id, cap). `people_as_json`: see `tweet_rows`."""
    return (
        tweet_rows(people_as_json)
        .where(Tweet.author_id == bindparam("author_id", type_=BigInteger))
        .order_by(Tweet.created_at.desc(), Tweet.id.desc())
        .offset(bindparam("offset", type_=BigInteger))
        .limit(bindparam("limit", type_=BigInteger))
    )


TWEETS_OF = _tweets_of()
TWEETS_OF_PEOPLE_AS_JSON = _tweets_of(people_as_json=True)


async def feed(
    session: AsyncSession, user: User, offset: int, limit: int, likers_per_tweet: int
) -> bytes:
    """The page and everything it shows, in one statement (with its plan cached), as
    the `TweetList` answer's bytes (`tweet_list_json`)."""
    rows = await session.execute(
        FEED_PAGE, feed_parameters(user.id, offset, limit, likers_per_tweet)
    )
    return tweet_list_json(rows)


async def tweets_of(
    session: AsyncSession,
    viewer: User,
    author_id: int,
    offset: int,
    limit: int,
    likers_per_tweet: int,
) -> bytes:
    """A person's tweets, newest first, as the `TweetList` answer's bytes
    (`tweet_list_json`); 404 if there is no such person (asked only when the page is
    empty: a page with tweets has its author)."""
    rows = (
        await session.execute(
            TWEETS_OF,
            {
                "author_id": author_id,
                "offset": offset,
                "limit": limit,
                **viewing(viewer.id, likers_per_tweet),
            },
        )
    ).all()
    if not rows:
        await get_user(session, author_id)
    return tweet_list_json(rows)


async def likers(session: AsyncSession, tweet_id: int, offset: int, limit: int) -> list[Liker]:
    """Everyone who liked the tweet, in the order they liked it."""
    await check_tweet(session, tweet_id)
    rows = await session.execute(
        select(User.id, User.name, User.handle)
        .join(Like, Like.user_id == User.id)
        .where(Like.tweet_id == tweet_id)
        .order_by(Like.created_at, Like.user_id)
        .offset(offset)
        .limit(limit)
    )
    return [Liker(user_id=user_id, name=name, handle=handle) for user_id, name, handle in rows]
