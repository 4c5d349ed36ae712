"""One tweet, its thread and its replies: what a conversation view shows.

A thread is the chain of posts a tweet answers (its ancestors, oldest first), the
tweet, and the first page of its direct replies. The chain is read upwards through
`reply_to` by a recursive query, one primary-key probe per step, at most
MAX_ANCESTORS steps. Where a post of the chain was deleted the chain stops; the
conversation's start, if it still exists, is shown first all the same. So a gap is
wherever a tweet's `reply_to` is not the id of the tweet shown before it: with
`reply_to_deleted` true the post it answers was deleted, otherwise the chain was
longer than MAX_ANCESTORS (docs/conversations.md).

Direct replies come oldest first, the tweet's author's own replies before everyone
else's (an author's follow-ups read as part of the post); they are read through
ix_tweets_replies (reply_to, created_at, id) and put in that order, so a page costs
in proportion to the tweet's direct replies, not to the table.
"""

from sqlalchemy import BigInteger, Integer, bindparam, column, select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.models import Tweet
from app.handlers.shared.db_actions import check_tweet, no_such_tweet
from app.handlers.shared.schemas import TweetOut
from app.handlers.tweets.listing import TweetSelect, tweet_rows, tweet_views, viewing

MAX_ANCESTORS = 100
# The replies a thread shows at first: a page of GET /api/tweets/{id}/replies with
# the default limit.
FIRST_REPLIES = 20

_TWEET_ID = bindparam("tweet_id", type_=BigInteger)

# Only MAX_ANCESTORS is formatted in. depth: 0 the tweet, 1 what it answers, ...;
# the conversation's start, when the chain did not reach it, comes first (the
# greatest depth).
_CHAIN = f"""
WITH RECURSIVE chain (id, reply_to, depth) AS (
    SELECT id, reply_to, 0 FROM tweets WHERE id = :tweet_id
    UNION ALL
    SELECT tweets.id, tweets.reply_to, chain.depth + 1
    FROM chain JOIN tweets ON tweets.id = chain.reply_to
    WHERE chain.depth < {MAX_ANCESTORS}
)
SELECT id, depth FROM chain
UNION ALL
SELECT start.id, {MAX_ANCESTORS} + 1 FROM tweets AS start
WHERE start.id = (SELECT conversation_id FROM tweets WHERE id = :tweet_id)
  AND NOT EXISTS (SELECT FROM chain WHERE chain.id = start.id)
"""  # noqa: S608


def _chain_page() -> TweetSelect:
    chain = (
        sql(_CHAIN)
        .bindparams(_TWEET_ID)
        .columns(column("id", BigInteger), column("depth", Integer))
        .subquery("chain")
    )
    return tweet_rows().join(chain, chain.c.id == Tweet.id).order_by(chain.c.depth.desc())


# One tweet (parameters: tweet_id, viewer_id, cap).
ONE = tweet_rows().where(Tweet.id == _TWEET_ID)

# The ancestors, oldest first, then the tweet itself (parameters: tweet_id,
# viewer_id, cap).
CHAIN = _chain_page()

_PARENT_AUTHOR = (
    select(Tweet.author_id).where(Tweet.id == bindparam("reply_to", type_=BigInteger))
).scalar_subquery()

# A page of the direct replies of :reply_to, its author's own first, then oldest
# first (parameters: reply_to, offset, limit, viewer_id, cap).
REPLIES = (
    tweet_rows()
    .where(Tweet.reply_to == bindparam("reply_to", type_=BigInteger))
    .order_by(Tweet.author_id != _PARENT_AUTHOR, Tweet.created_at, Tweet.id)
    .offset(bindparam("offset", type_=BigInteger))
    .limit(bindparam("limit", type_=BigInteger))
)


async def one(
    session: AsyncSession, viewer_id: int, tweet_id: int, likers_per_tweet: int
) -> TweetOut:
    """The tweet; 404 if there is none."""
    rows = await session.execute(
        ONE, {"tweet_id": tweet_id, **viewing(viewer_id, likers_per_tweet)}
    )
    found = tweet_views(rows)
    if not found:
        raise no_such_tweet(tweet_id)
    return found[0]


async def chain(
    session: AsyncSession, viewer_id: int, tweet_id: int, likers_per_tweet: int
) -> tuple[list[TweetOut], TweetOut]:
    """The tweet's ancestors (oldest first) and the tweet; 404 if there is no tweet."""
    rows = await session.execute(
        CHAIN, {"tweet_id": tweet_id, **viewing(viewer_id, likers_per_tweet)}
    )
    found = tweet_views(rows)
    # The tweet itself is the last row; without it, its conversation's start is
    # not looked for either (no conversation_id to look it up by).
    if not found or found[-1].id != tweet_id:
        raise no_such_tweet(tweet_id)
    return found[:-1], found[-1]


async def thread(
    session: AsyncSession, viewer_id: int, tweet_id: int, likers_per_tweet: int
) -> tuple[list[TweetOut], TweetOut, list[TweetOut]]:
    """The ancestors, the tweet and its first replies; 404 if there is no tweet."""
    ancestors, tweet = await chain(session, viewer_id, tweet_id, likers_per_tweet)
    first = await _replies(session, viewer_id, tweet_id, 0, FIRST_REPLIES, likers_per_tweet)
    return ancestors, tweet, first


async def replies(
    session: AsyncSession,
    viewer_id: int,
    tweet_id: int,
    offset: int,
    limit: int,
    likers_per_tweet: int,
) -> list[TweetOut]:
    """A page of the tweet's direct replies; 404 if there is no tweet."""
    await check_tweet(session, tweet_id)
    return await _replies(session, viewer_id, tweet_id, offset, limit, likers_per_tweet)


async def _replies(
    session: AsyncSession,
    viewer_id: int,
    tweet_id: int,
    offset: int,
    limit: int,
    likers_per_tweet: int,
) -> list[TweetOut]:
    rows = await session.execute(
        REPLIES,
        {
            "reply_to": tweet_id,
            "offset": offset,
            "limit": limit,
            **viewing(viewer_id, likers_per_tweet),
        },
    )
    return tweet_views(rows)
