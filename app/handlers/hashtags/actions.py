"""Hashtags: a tag's posts, and what is trending (a trigger files each post's
hashtags as it is written: migration 0010).

Both reads use tweet_hashtags' own indexes (migration 0010): a tag's page is a walk
of (tag, created_at DESC, tweet_id DESC); trending reads the window's entries of
(created_at, tag, author_id), an index-only scan of the last hours' hashtags, never
the posts."""

from typing import cast

from sqlalchemy import BigInteger, Integer, String, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import hashtags
from app.core.database import plan_each_time
from app.core.exceptions import ValidationFailed
from app.core.models import Tweet, TweetHashtag
from app.handlers.hashtags.schemas import Trend
from app.handlers.tweets.listing import TweetSelect, tweet_list_json, tweet_rows, viewing


def valid_tag(tag: str) -> str:
    """`tag` as stored (lower case, no `#`); 422 when it cannot be a hashtag."""
    normal = hashtags.normalise(tag)
    if not hashtags.is_tag(normal):
        raise ValidationFailed(
            f"“{tag}” is not a hashtag: letters, digits and _, at least one letter, "
            f"at most {hashtags.MAX_LENGTH} characters",
            field="tag",
        )
    return normal


_TAGGED = (
    select(TweetHashtag.tweet_id, TweetHashtag.created_at)
    .where(TweetHashtag.tag == bindparam("tag", type_=String))
    .order_by(TweetHashtag.created_at.desc(), TweetHashtag.tweet_id.desc())
    .offset(bindparam("offset", type_=BigInteger))
    .limit(bindparam("limit", type_=BigInteger))
    .cte("tagged")
)


def _tagged_page(people_as_json: bool = False) -> TweetSelect:
    """A page of a tag's posts, newest first (parameters: tag, offset, limit,
    viewer_id, cap). `people_as_json`: see `tweet_rows`."""
    return (
        tweet_rows(people_as_json)
        .join(_TAGGED, _TAGGED.c.tweet_id == Tweet.id)
        .order_by(_TAGGED.c.created_at.desc(), _TAGGED.c.tweet_id.desc())
    )


TAGGED_PAGE = _tagged_page()
TAGGED_PAGE_PEOPLE_AS_JSON = _tagged_page(people_as_json=True)


async def tagged(
    session: AsyncSession, viewer_id: int, tag: str, offset: int, limit: int, likers: int
) -> bytes:
    """A page of the posts carrying `tag`, newest first, as `TweetList` bytes."""
    rows = await session.execute(
        TAGGED_PAGE,
        {"tag": valid_tag(tag), "offset": offset, "limit": limit, **viewing(viewer_id, likers)},
    )
    return tweet_list_json(rows)


# Ties: more posts, then the tag, so the list is stable.
TRENDING = text(
    """
    SELECT tag, count(*) AS posts, count(DISTINCT author_id) AS people
    FROM tweet_hashtags
    WHERE created_at >= now() - make_interval(hours => :hours)
    GROUP BY tag
    ORDER BY people DESC, posts DESC, tag
    LIMIT :limit
    """
).bindparams(bindparam("hours", type_=Integer), bindparam("limit", type_=BigInteger))


async def trending(session: AsyncSession, hours: int, limit: int) -> list[Trend]:
    """The tags the most people used in the last `hours`."""
    # The window's estimate needs now(): a generic plan would guess a third of the
    # table and might read it all.
    await plan_each_time(session)
    rows = await session.execute(TRENDING, {"hours": hours, "limit": limit})
    return [Trend(tag=cast(str, tag), posts=posts, people=people) for tag, posts, people in rows]
