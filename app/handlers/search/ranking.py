"""Which posts a search finds, best first, without ranking every match of a common word.

The score of a post (docs/search.md has the reasoning):

    score = relevance x likes x freshness
    relevance = r / (r + 0.1), r = ts_rank_cd(search, words)   (1 with no words)
    likes     = 1 + ln(1 + min(likes_count, 1000)) / ln(1001)   (1 ... 2)
    freshness = 2 ^ -(age / HALF_LIFE)

ties broken by id, newest first. Freshness halves every HALF_LIFE, the same for
every post, so the order of two posts never changes with time and pages taken a
minute apart do not overlap. It is computed as a logarithm of the score, with the
post's time instead of its age (the same order, nothing to overflow).

Every factor but freshness is at most its bound (relevance < 1, likes <= 2), so no
post written before a time T scores above 2 x freshness(T). The posts are ranked a
window of time at a time, newest first: once the page's last post scores at least
that bound for the window's start, nothing older can enter the page, and the
ranking is exact. A common word ends within weeks of posts (the page's last post,
fresh and plain, scores about a quarter of the bound, which freshness reaches in
two half-lives); a rare one reaches back to the first post, and has few matches to
rank. Each window is one statement: a BitmapAnd of the words' GIN index and the
BRIN index of the posts' times, so only the window's matches are read.

Each window's statement is planned for its own values (`plan_cache_mode =
force_custom_plan` in the search's transaction): the cached generic plan the app
otherwise runs cannot know that one word matches 50 posts and another 50,000, nor
fold away the index condition of a query with no indexable words (only stop words
or only exclusions), which must then read nothing at all.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, DateTime, Float, Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import plan_each_time
from app.handlers.search.query import SearchQuery

HALF_LIFE = timedelta(days=14)
# The first window; each that finds too few posts is followed by one WIDEN times
# as long, and after that by all time.
FIRST_WINDOW = timedelta(days=7)
WIDEN = 8
# The text search configuration of tweets.search (migration 0010).
CONFIGURATION = "public.microblog"

_LN2 = math.log(2)
# ln of the most any factor but freshness can give: relevance < 1, likes <= 2.
_LN_MOST = math.log(2)

TSQUERY = f"to_tsquery('{CONFIGURATION}', :words)"

# ln(relevance); a query whose words are all stop words (numnode 0: possible only
# beside a tag or a person, see below) ranks by likes and freshness alone.
_LN_RELEVANCE = f"""
    CASE WHEN numnode({TSQUERY}) = 0 THEN 0
         ELSE ln(greatest(ts_rank_cd(t.search, {TSQUERY})
                          / (ts_rank_cd(t.search, {TSQUERY}) + 0.1), 1e-9))
    END
"""


def _log_freshness(moment: datetime) -> float:
    return moment.timestamp() / HALF_LIFE.total_seconds() * _LN2


@dataclass(frozen=True)
class Found:
    id: int
    score: float


def window_statement(query: SearchQuery) -> str:
    relevance = _LN_RELEVANCE if query.words is not None else "0"
    conditions = ["t.created_at >= :since", "t.created_at < :until"]
    if query.words is not None and not query.tags and query.handle is None:
        # Only indexable words may be searched: querytree() is '' for stop words alone
        # and 'T' for exclusions alone; folded at planning, it leaves nothing to read
        # (this module's docstring).
        conditions += [f"querytree({TSQUERY}) NOT IN ('', 'T')", f"t.search @@ {TSQUERY}"]
    elif query.words is not None:
        # Narrowed by a tag or a person: words that are all stop words add nothing.
        conditions.append(f"(numnode({TSQUERY}) = 0 OR t.search @@ {TSQUERY})")
    if query.handle is not None:
        conditions.append("t.author_id = (SELECT user_id FROM user_handles WHERE handle = :handle)")
    # Each tag's posts of the window, from its (tag, created_at) index: the posts' own
    # times, copied.
    conditions += [
        f"""t.id IN (SELECT tweet_id FROM tweet_hashtags
                     WHERE tag = (:tags)[{number}]
                       AND created_at >= :since AND created_at < :until)"""  # noqa: S608
        for number in range(1, len(query.tags) + 1)
    ]
    return f"""
        SELECT t.id,
               {relevance}
               + ln(1 + ln(1 + least(t.likes_count, 1000)) / ln(1001))
               + extract(epoch FROM t.created_at) / :half_life * ln(2) AS score
        FROM tweets AS t
        WHERE {" AND ".join(conditions)}
        ORDER BY score DESC, t.id DESC
        LIMIT :wanted
    """  # noqa: S608 - fixed fragments; what was typed is a bound parameter


async def nothing_to_find(session: AsyncSession, words: str) -> bool:
    """Whether `words` hold nothing an index can find: stop words or exclusions alone."""
    statement = text(f"SELECT querytree({TSQUERY}) IN ('', 'T')")
    return bool(await session.scalar(statement, {"words": words}))


async def best(session: AsyncSession, query: SearchQuery, wanted: int) -> list[Found]:
    """The `wanted` best posts for `query`, best first (fewer if fewer match)."""
    await plan_each_time(session)
    statement = text(window_statement(query)).bindparams(
        bindparam("since", type_=DateTime(timezone=True)),
        bindparam("until", type_=DateTime(timezone=True)),
        bindparam("half_life", type_=Float),
        bindparam("wanted", type_=BigInteger),
    )
    parameters: dict[str, object] = {"half_life": HALF_LIFE.total_seconds(), "wanted": wanted}
    if query.words is not None:
        parameters["words"] = query.words
    if query.handle is not None:
        parameters["handle"] = query.handle
    if query.tags:
        statement = statement.bindparams(bindparam("tags", type_=ARRAY(Text)))
        parameters["tags"] = query.tags
    # The first window has no end: a post from a clock a little ahead is in it too.
    until = datetime.max.replace(tzinfo=UTC)
    since: datetime | None = datetime.now(UTC) - FIRST_WINDOW
    span = FIRST_WINDOW
    found: list[Found] = []
    last_window = False
    while True:
        rows = await session.execute(
            statement, {**parameters, "since": since or _BEGINNING, "until": until}
        )
        found = sorted(
            [*found, *(Found(row.id, row.score) for row in rows)],
            key=lambda hit: (hit.score, hit.id),
            reverse=True,
        )[:wanted]
        if since is None or last_window:
            return found
        if len(found) < wanted:
            # Too few in the window: a window WIDEN times as long, then all time.
            until, span = since, span * WIDEN
            since = since - span if span <= FIRST_WINDOW * WIDEN else None
            continue
        last = found[-1].score
        if last >= _LN_MOST + _log_freshness(since):
            return found
        # The start from which nothing older can beat the page's last post (a second
        # early, for rounding): one more window, and the page is exact.
        seconds = (last - _LN_MOST) / _LN2 * HALF_LIFE.total_seconds() - 1
        until = since
        since = datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None
        last_window = True


_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
