"""The feed's SQL: the first `offset + limit` tweets of the people someone follows
and their own, most liked first, by one of two exact plans; and the page built from
them with everything it shows, in one statement.

The feed holds conversation starters only (a reply never shows on its own): those of
the people followed and one's own, and those of anyone in whose conversation a
person followed (or oneself) has replied: "joined" below. conversation_joins holds
who joined what, with the start's (likes_count, created_at) kept by triggers
(migration 0007), so each person's joined conversations come best first from an
index, as their own tweets do.

PostgreSQL runs only the plan needed (its branches are one-time filters):

- Walk: go down the global order, (likes_count, created_at, id) DESC, an index-only
  scan, keeping the tweets of the people followed (a hashed IN: `= ANY (ARRAY(...))`
  compared each entry with every author in turn, 1,000 comparisons an entry for
  someone following 1,000) and the joined ones (for an entry by someone not
  followed, one probe of who joined it). For someone following many,
  a page is found within a few hundred entries. Tried only from WALK_FROM_FOLLOWS
  follows, and it gives up after WALK_ENTRIES_PER_WANTED entries per tweet wanted
  (at most WALK_MAX_ENTRIES): most entries cost a probe of who joined them, so a
  walk must stay short even when it fails (someone following many quiet
  colleagues).
- Per author (LATERAL), from the (author_id, likes_count, created_at, id) index and
  the joined conversations' (user_id, likes_count, started_at, conversation_id), in
  two passes. First each author's best few, just enough that together they are
  `offset + limit` (N, the parameter :wanted) tweets (1 each for a first page and
  19 or more follows); the N-th best of those is the bar. Then each author's tweets
  and joined conversations at or above the bar, at most N of each, merged: a
  conversation several people followed joined, or one by someone followed, comes once
  (DISTINCT over the page's order, one sort that also orders the page; two UNIONs
  and then the page's sort cost a third more at offset 200).
  Typically about 3 x follows + 2 x N index entries, where taking each author's best
  N reads follows x N (11,000 for offset 200 and 50 follows). Not a bound: with
  quiet authors the first pass may fall short of N (no bar, the old cost), and a few
  prolific ones can hold most of the rows above the bar.

Both are exact. When the walk found the whole page, everything it did not reach
ranks below everything it did. The bar: N tweets are at or above it, so the N-th
best tweet is too, and so is every tweet that ranks before it. With fewer than N
tweets in the first pass, there is no bar (every tweet is above (-1, -infinity, 0)).
The bar comes from the authors' own tweets alone: the joined ones only add to the N
at or above it, so it holds for them too.

The cached generic plan serves every page: the application's connections run with
`plan_cache_mode = force_generic_plan` (app/core/database.py). Left to choose,
PostgreSQL compares the generic plan's estimate with the custom plans' and, on a big
table, finds it dear and plans the statement anew on every execution: on the
1,000,000-tweet set that planning took 1.2 ms, about as long as running the page. (A
`SET LOCAL` in the page's transaction did the same for the feed alone, at the price
of a round trip: a tenth of a feed request's time in the web process.) The walk's
LIMITs are subqueries for the same reason: with plain parameters a custom plan prices
the walk's per-entry probe for 200 entries and the generic plan for thousands.

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
from app.handlers.tweets.listing import TweetSelect, tweet_rows, viewing

# The walk is tried only for people following more than this many...
WALK_FROM_FOLLOWS = 100
# ...and reads at most this many index entries per tweet wanted...
WALK_ENTRIES_PER_WANTED = 10
# ...and never more than this many in all.
WALK_MAX_ENTRIES = 20_000

# The bar (see above) as a row to compare with; none: below every tweet.
_BAR = """(
          coalesce((SELECT likes_count FROM bar), -1),
          coalesce((SELECT created_at FROM bar), '-infinity'),
          coalesce((SELECT id FROM bar), 0)
      )"""

# Only the integer constants above and _BAR are formatted in; everything else is a
# bound parameter.
_FEED_CANDIDATES = f"""
WITH authors AS (
    SELECT followee_id AS author_id FROM follows WHERE follower_id = :user_id
    UNION ALL SELECT :user_id
),
walked AS (
    SELECT id, likes_count, created_at FROM (
        SELECT id, likes_count, created_at, author_id FROM tweets
        WHERE reply_to IS NULL
        ORDER BY likes_count DESC, created_at DESC, id DESC
        LIMIT (SELECT LEAST({WALK_MAX_ENTRIES}, {WALK_ENTRIES_PER_WANTED} * :wanted))
    ) AS best_overall
    WHERE (SELECT count(*) FROM authors) > {WALK_FROM_FOLLOWS}
      AND (
          author_id IN (SELECT author_id FROM authors)
          -- Joined: one probe of who replied in it (a few). A scalar subquery: EXISTS
          -- may be planned as a hash of the whole table. (:user_id is an author too;
          -- the OR keeps the array a filter on those few rows, where as an index
          -- condition it would be sorted again for every entry.)
          OR (
              SELECT true FROM conversation_joins AS joined
              WHERE joined.conversation_id = best_overall.id
                AND (joined.user_id = :user_id
                     OR joined.user_id = ANY (ARRAY(SELECT author_id FROM authors)))
              LIMIT 1
          )
      )
    ORDER BY likes_count DESC, created_at DESC, id DESC  -- already so: no sort, stops early
    LIMIT (SELECT :wanted)
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
      AND (likes_count, created_at, id) >= {_BAR}
    ORDER BY likes_count DESC, created_at DESC, id DESC
    LIMIT :wanted
) AS best
WHERE NOT (SELECT yes FROM walked_enough)
UNION ALL
SELECT best.conversation_id, best.likes_count, best.started_at
FROM authors CROSS JOIN LATERAL (
    SELECT conversation_id, likes_count, started_at FROM conversation_joins AS joined
    WHERE joined.user_id = authors.author_id
      AND (likes_count, started_at, conversation_id) >= {_BAR}
    ORDER BY likes_count DESC, started_at DESC, conversation_id DESC
    LIMIT :wanted
) AS best
WHERE NOT (SELECT yes FROM walked_enough)
"""  # noqa: S608


def _feed_order(
    *columns: ColumnElement[Any] | QueryableAttribute[Any],
) -> list[UnaryExpression[Any]]:
    """The feed's total order: likes, then time, then id, all descending."""
    return [column.desc() for column in columns]


def _feed_page(people_as_json: bool = False) -> TweetSelect:
    """The page of the feed with everything it shows, built once: one prepared
    statement serves every page (parameters: `feed_parameters`). `people_as_json`:
    see `tweet_rows`."""
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
        .distinct()
        .order_by(*_feed_order(candidates.c.likes_count, candidates.c.created_at, candidates.c.id))
        .offset(bindparam("offset", type_=BigInteger))
        .limit(bindparam("limit", type_=BigInteger))
        .cte("page")
    )
    return (
        tweet_rows(people_as_json)
        .join(page, page.c.id == Tweet.id)
        .order_by(*_feed_order(page.c.likes_count, page.c.created_at, page.c.id))
    )


FEED_PAGE = _feed_page()
# The same page for the answer PostgreSQL writes (app/handlers/fast/).
FEED_PAGE_PEOPLE_AS_JSON = _feed_page(people_as_json=True)


def feed_parameters(
    user_id: int, offset: int, limit: int, likers_per_tweet: int
) -> dict[str, int | None]:
    """FEED_PAGE's parameters for one page of `user_id`'s feed."""
    return {
        "user_id": user_id,
        "wanted": offset + limit,
        "offset": offset,
        "limit": limit,
        **viewing(user_id, likers_per_tweet),
    }
