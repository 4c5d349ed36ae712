"""The feed's SQL: the first `offset + limit` tweets of the people someone follows
and their own, most liked first, by one of two exact plans; and the page built from
them with everything it shows, in one statement.

The feed holds conversation starters only (a reply never shows on its own): those of
the people followed and one's own, and those of anyone else in whose conversation a
person followed (or oneself) has replied (conversation_joins, filled by a trigger).
So a conversation someone you follow takes part in comes to you; a reply to you or
mentioning you reaches you as a notification. "Joined" below means the latter kind.

PostgreSQL runs only the plan needed (its branches are one-time filters):

- Walk: go down the global order, (likes_count, created_at, id) DESC, an index-only
  scan, keeping the tweets of the people followed and the joined ones (a hash of
  every conversation the people followed have joined, read from its primary key).
  For someone following many, a page is found within a few hundred entries. Tried
  only from WALK_FROM_FOLLOWS follows, and it gives up after WALK_ENTRIES_PER_WANTED
  entries per tweet wanted (at most WALK_MAX_ENTRIES): each entry is checked against
  every author followed, so a walk must stay short even when it fails (someone
  following many quiet colleagues).
- Per author (LATERAL), from the (author_id, likes_count, created_at, id) index, in
  two passes. First each author's best few, just enough that together they are
  `offset + limit` (N, the parameter :wanted) tweets (1 each for a first page and
  19 or more follows); the N-th best of those is the bar. Then each author's tweets
  at or above the bar, at most N, merged. Typically about 2 x (follows + N) index
  entries, where taking each author's best N reads follows x N (11,000 for offset
  200 and 50 follows). Not a bound: with quiet authors the first pass may fall short
  of N (no bar, the old cost), and a few prolific ones can hold most of the rows
  above the bar. The joined starters by anyone not followed are looked up by id
  (one primary-key probe per conversation the people followed have joined) and
  those at or above the bar, at most N, merged too: the cost grows with how many
  conversations they have joined, not with the table.

Both are exact. When the walk found the whole page, everything it did not reach
ranks below everything it did. The bar: N tweets are at or above it, so the N-th
best tweet is too, and so is every tweet that ranks before it. With fewer than N
tweets in the first pass, there is no bar (every tweet is above (-1, -infinity, 0)).
The joined starters only add to the N at or above the bar, so it holds for them too;
those by people followed are left to the per-author pass (no tweet twice).

tests/test_feed.py checks every page against the plain ORDER BY, and the walk's cost
by EXPLAIN ANALYZE; `bench run` runs this very statement raw on asyncpg.
"""

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    UnaryExpression,
    bindparam,
    column,
    select,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import QueryableAttribute

from app.core.models import Tweet
from app.handlers.tweets.listing import TweetSelect, tweet_rows

# The walk is tried only for people following more than this many...
WALK_FROM_FOLLOWS = 100
# ...and reads at most this many index entries per tweet wanted...
WALK_ENTRIES_PER_WANTED = 10
# ...and never more than this many in all.
WALK_MAX_ENTRIES = 20_000

# Only the integer constants above are formatted in; everything else is a bound parameter.
_FEED_CANDIDATES = f"""
WITH authors AS (
    SELECT followee_id AS author_id FROM follows WHERE follower_id = :user_id
    UNION ALL SELECT :user_id
),
joined AS (
    SELECT conversation_id AS id FROM conversation_joins
    WHERE user_id = ANY (ARRAY(SELECT author_id FROM authors))
),
walked AS (
    SELECT id, likes_count, created_at FROM (
        SELECT id, likes_count, created_at, author_id FROM tweets
        WHERE reply_to IS NULL
        ORDER BY likes_count DESC, created_at DESC, id DESC
        LIMIT LEAST({WALK_MAX_ENTRIES}, {WALK_ENTRIES_PER_WANTED} * :wanted)
    ) AS best_overall
    WHERE (SELECT count(*) FROM authors) > {WALK_FROM_FOLLOWS}
      AND (author_id = ANY (ARRAY(SELECT author_id FROM authors))
           OR id IN (SELECT id FROM joined))
    ORDER BY likes_count DESC, created_at DESC, id DESC  -- already so: no sort, stops early
    LIMIT :wanted
),
walked_enough AS (
    SELECT count(*) = :wanted AS yes FROM walked
),
first_pass AS (
    SELECT few.likes_count, few.created_at, few.id
    FROM authors CROSS JOIN LATERAL (
        SELECT likes_count, created_at, id FROM tweets
        WHERE tweets.author_id = authors.author_id AND reply_to IS NULL
        ORDER BY likes_count DESC, created_at DESC, id DESC
        LIMIT (
            SELECT CAST(ceil(:wanted / CAST(count(*) AS NUMERIC)) AS BIGINT) FROM authors
        )
    ) AS few
),
bar AS (
    SELECT likes_count, created_at, id FROM first_pass
    ORDER BY likes_count DESC, created_at DESC, id DESC
    OFFSET GREATEST(:wanted - 1, 0) LIMIT 1
)
SELECT id, likes_count, created_at FROM walked WHERE (SELECT yes FROM walked_enough)
UNION ALL
SELECT best.id, best.likes_count, best.created_at
FROM authors CROSS JOIN LATERAL (
    SELECT id, likes_count, created_at FROM tweets
    WHERE tweets.author_id = authors.author_id AND reply_to IS NULL
      AND (likes_count, created_at, id) >= (
          coalesce((SELECT likes_count FROM bar), -1),
          coalesce((SELECT created_at FROM bar), '-infinity'),
          coalesce((SELECT id FROM bar), 0)
      )
    ORDER BY likes_count DESC, created_at DESC, id DESC
    LIMIT :wanted
) AS best
WHERE NOT (SELECT yes FROM walked_enough)
UNION ALL
SELECT * FROM (
    -- A probe by id for each conversation (LATERAL with LIMIT is never flattened
    -- into a join, which the planner could make a hash join over every starter).
    SELECT started.id, started.likes_count, started.created_at
    FROM (SELECT DISTINCT id FROM joined) AS conversation CROSS JOIN LATERAL (
        SELECT id, likes_count, created_at FROM tweets
        WHERE tweets.id = conversation.id AND reply_to IS NULL
          AND author_id NOT IN (SELECT author_id FROM authors)
        LIMIT 1
    ) AS started
    WHERE (started.likes_count, started.created_at, started.id) >= (
        coalesce((SELECT likes_count FROM bar), -1),
        coalesce((SELECT created_at FROM bar), '-infinity'),
        coalesce((SELECT id FROM bar), 0)
    )
    ORDER BY likes_count DESC, created_at DESC, id DESC
    LIMIT :wanted
) AS joined_best
WHERE NOT (SELECT yes FROM walked_enough)
"""  # noqa: S608


def _feed_order(
    *columns: ColumnElement[Any] | QueryableAttribute[Any],
) -> list[UnaryExpression[Any]]:
    """The feed's total order: likes, then time, then id, all descending."""
    return [column.desc() for column in columns]


def _feed_page() -> TweetSelect:
    """The page of the feed with everything it shows, built once: one prepared
    statement serves every page (parameters: `feed_parameters`)."""
    candidates = (
        sql(_FEED_CANDIDATES)
        .bindparams(
            bindparam("user_id", type_=BigInteger),
            bindparam("wanted", type_=BigInteger),
        )
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


FEED_PAGE = _feed_page()


def feed_parameters(
    user_id: int, offset: int, limit: int, likers_per_tweet: int
) -> dict[str, int | None]:
    """FEED_PAGE's parameters for one page of `user_id`'s feed."""
    return {
        "user_id": user_id,
        "wanted": offset + limit,
        "offset": offset,
        "limit": limit,
        "viewer_id": user_id,
        "cap": likers_per_tweet or None,  # LIMIT NULL: every liker
    }
