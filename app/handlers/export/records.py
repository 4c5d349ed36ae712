"""What a person's export holds, read from the database: their profile, posts (in
batches, oldest first), likes, follows and the pictures they uploaded. Everything
in the JSON files is rendered by pydantic-core (times as ISO 8601, as the API gives
them)."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, any_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.hashtags import hashtags_in
from app.core.models import Follow, Like, Media, Mention, Tweet, TweetVersion, User

# Posts read at a time, each batch with its replies, mentions, pictures and versions.
POSTS_BATCH = 500
# Rows of the other lists fetched from their cursor at a time.
ROWS_BATCH = 1000

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


@dataclass(frozen=True)
class Picture:
    """An uploaded picture: its media id, where image_saver keeps it and its name in
    the archive."""

    media_id: int
    storage_key: str
    file_name: str


def picture_name(media_id: int, content_type: str) -> str:
    return f"images/{media_id}.{_EXTENSIONS.get(content_type, 'bin')}"


async def profile(session: AsyncSession, user_id: int) -> dict[str, Any]:
    person = (
        await session.execute(
            select(User.id, User.name, User.handle, User.email, User.created_at).where(
                User.id == user_id
            )
        )
    ).one()
    followers = select(func.count()).where(Follow.followee_id == user_id).scalar_subquery()
    following = select(func.count()).where(Follow.follower_id == user_id).scalar_subquery()
    counts = (await session.execute(select(followers, following))).one()
    return {
        "id": person.id,
        "name": person.name,
        "handle": person.handle,
        "email": person.email,
        "created_at": person.created_at,
        "followers_count": counts[0],
        "following_count": counts[1],
    }


async def _rows(session: AsyncSession, statement: Any) -> AsyncIterator[Sequence[Any]]:
    """The rows of `statement` from a server-side cursor, a batch at a time."""
    result = await session.stream(statement.execution_options(yield_per=ROWS_BATCH))
    async for batch in result.partitions():
        yield batch


async def likes(session: AsyncSession, user_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    statement = (
        select(Like.tweet_id, Like.created_at)
        .where(Like.user_id == user_id)
        .order_by(Like.created_at, Like.tweet_id)
    )
    async for batch in _rows(session, statement):
        yield [{"tweet_id": tweet_id, "liked_at": at} for tweet_id, at in batch]


async def people(
    session: AsyncSession, user_id: int, *, followers: bool
) -> AsyncIterator[list[dict[str, Any]]]:
    """Those who follow the person (`followers`), or those they follow, by id."""
    mine, theirs = (
        (Follow.followee_id, Follow.follower_id)
        if followers
        else (Follow.follower_id, Follow.followee_id)
    )
    statement = (
        select(User.id, User.handle, User.name, Follow.created_at)
        .join(Follow, theirs == User.id)
        .where(mine == user_id)
        .order_by(theirs)
    )
    async for batch in _rows(session, statement):
        yield [
            {"id": id_, "handle": handle, "name": name, "since": at}
            for id_, handle, name, at in batch
        ]


_BEGINNING = datetime(1, 1, 1, tzinfo=UTC)
_IDS = bindparam("ids", type_=ARRAY(BigInteger))
_AFTER = bindparam("after_at", type_=DateTime(timezone=True))

# The person's posts oldest first, a batch after (created_at, id): ix_tweets_author_newest
# read backwards.
_POSTS = (
    select(
        Tweet.id,
        Tweet.content,
        Tweet.created_at,
        Tweet.edited_at,
        Tweet.reply_to,
        func.coalesce(Tweet.conversation_id, Tweet.id),
        Tweet.likes_count,
    )
    .where(
        Tweet.author_id == bindparam("author_id", type_=BigInteger),
        tuple_(Tweet.created_at, Tweet.id)
        > tuple_(_AFTER, bindparam("after_id", type_=BigInteger)),
    )
    .order_by(Tweet.created_at, Tweet.id)
    .limit(POSTS_BATCH)
)
_REPLIES = select(Tweet.reply_to, Tweet.id).where(Tweet.reply_to == any_(_IDS)).order_by(Tweet.id)
_MENTIONS = (
    select(Mention.tweet_id, User.id, User.handle, User.name)
    .join(User, User.id == Mention.user_id)
    .where(Mention.tweet_id == any_(_IDS))
    .order_by(Mention.tweet_id, Mention.position)
)
_MEDIA = (
    select(Media.tweet_id, Media.id, Media.content_type)
    .where(Media.tweet_id == any_(_IDS))
    .order_by(Media.id)
)
_VERSIONS = (
    select(
        TweetVersion.tweet_id,
        TweetVersion.content,
        TweetVersion.written_at,
        TweetVersion.replaced_at,
    )
    .where(TweetVersion.tweet_id == any_(_IDS))
    .order_by(TweetVersion.tweet_id, TweetVersion.id.desc())
)


async def _by_tweet(
    session: AsyncSession, statement: Any, ids: list[int]
) -> dict[int, list[Sequence[Any]]]:
    """`statement`'s rows for the tweets `ids`, grouped by their first column."""
    grouped: dict[int, list[Sequence[Any]]] = {}
    for tweet_id, *rest in await session.execute(statement, {"ids": ids}):
        grouped.setdefault(tweet_id, []).append(rest)
    return grouped


async def posts(session: AsyncSession, user_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    """The person's posts oldest first, POSTS_BATCH at a time, each with the ids of its
    direct replies (anyone's), its mentions, pictures (their names in the archive)
    and earlier texts (newest first)."""
    after: tuple[datetime, int] = (_BEGINNING, 0)
    while True:
        parameters = {"author_id": user_id, "after_at": after[0], "after_id": after[1]}
        batch = (await session.execute(_POSTS, parameters)).all()
        if not batch:
            return
        ids = [row[0] for row in batch]
        replies = await _by_tweet(session, _REPLIES, ids)
        mentions = await _by_tweet(session, _MENTIONS, ids)
        media = await _by_tweet(session, _MEDIA, ids)
        versions = await _by_tweet(session, _VERSIONS, ids)
        yield [
            {
                "id": id_,
                "content": content,
                "created_at": created_at,
                "edited_at": edited_at,
                "reply_to": reply_to,
                "conversation_id": conversation_id,
                "likes_count": likes_count,
                "replies": [reply_id for (reply_id,) in replies.get(id_, ())],
                "hashtags": hashtags_in(content),
                "mentions": [
                    {"id": person_id, "handle": handle, "name": name}
                    for person_id, handle, name in mentions.get(id_, ())
                ],
                "attachments": [
                    picture_name(media_id, content_type)
                    for media_id, content_type in media.get(id_, ())
                ],
                "versions": [
                    {"content": text, "edited_at": written_at, "replaced_at": replaced_at}
                    for text, written_at, replaced_at in versions.get(id_, ())
                ],
            }
            for id_, content, created_at, edited_at, reply_to, conversation_id, likes_count in batch
        ]
        after = (batch[-1][2], batch[-1][0])


async def pictures(session: AsyncSession, user_id: int) -> list[Picture]:
    """Every picture the person uploaded, in a post or not yet, by id."""
    rows = await session.execute(
        select(Media.id, Media.storage_key, Media.content_type)
        .where(Media.owner_id == user_id)
        .order_by(Media.id)
    )
    return [Picture(id_, key, picture_name(id_, kind)) for id_, key, kind in rows]
