"""Editing a post's text, and the texts it had before (tweet_versions).

An edit keeps the text it replaces with the time that text was written (the post's
creation, or its previous edit) and the time it was replaced, then changes the post
in place: its mentions are recomputed (people newly mentioned are notified, no one
twice), its hashtags and search words follow by triggers (migration 0010), its
pictures stay. The same text again changes nothing.
"""

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import Forbidden
from app.core.models import Tweet, TweetVersion, User
from app.handlers.shared.db_actions import check_tweet, no_such_tweet
from app.handlers.tweets import mentions
from app.handlers.tweets.actions import tweet_content
from app.handlers.tweets.schemas import TweetVersionOut


async def edit_tweet(
    session: AsyncSession, user: User, tweet_id: int, text: str, max_length: int
) -> None:
    """Give the author's tweet the new `text`: 422 for a text a new post could not
    have, 404 without the tweet, 403 for anyone but its author."""
    content = tweet_content(text, max_length)
    # Locked until the commit, so that an edit racing this one reads the text this
    # one leaves and keeps it as a version. FOR NO KEY UPDATE (what the UPDATE below
    # takes anyway), so that likes and replies, which take FOR KEY SHARE, do not wait.
    found = (
        await session.execute(
            select(Tweet.author_id, Tweet.content, func.coalesce(Tweet.edited_at, Tweet.created_at))
            .where(Tweet.id == tweet_id)
            .with_for_update(key_share=True)
        )
    ).one_or_none()
    if found is None:
        raise no_such_tweet(tweet_id)
    author_id, old_content, written_at = found
    if author_id != user.id:
        raise Forbidden("You can edit only your own tweets")
    if content == old_content:
        return
    # The time of this statement, not of the transaction (now()): an edit that waited
    # for the lock of another is later than that one, and its times say so.
    version = (
        insert(TweetVersion)
        .values(
            tweet_id=tweet_id,
            content=old_content,
            written_at=written_at,
            replaced_at=func.statement_timestamp(),
        )
        .returning(TweetVersion.replaced_at)
        .cte("version")
    )
    await session.execute(
        update(Tweet)
        .where(Tweet.id == tweet_id)
        .values(content=content, edited_at=select(version.c.replaced_at).scalar_subquery())
        .add_cte(version)
    )
    await mentions.rewrite(session, tweet_id, content)


async def history(
    session: AsyncSession, tweet_id: int, offset: int, limit: int
) -> list[TweetVersionOut]:
    """A page of the tweet's earlier texts, newest first; 404 if there is no tweet
    (asked only when the page is empty: versions go with their tweet)."""
    rows = (
        await session.execute(
            select(TweetVersion.content, TweetVersion.written_at, TweetVersion.replaced_at)
            .where(TweetVersion.tweet_id == tweet_id)
            .order_by(TweetVersion.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).all()
    if not rows:
        await check_tweet(session, tweet_id)
    return [_version(*row) for row in rows]


def _version(content: str, written_at: datetime, replaced_at: datetime) -> TweetVersionOut:
    return TweetVersionOut(content=content, edited_at=written_at, replaced_at=replaced_at)
