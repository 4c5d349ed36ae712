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
ranking is exact. The first window is two half-lives long, as far as a common
word's page usually needs: its last post, fresh and plain, scores about a quarter
of the bound, which freshness reaches in two half-lives. If the bound is not met,
one more window reaches back exactly as far as it says. A word with fewer posts
in the first window than the page needs is rare, and its posts of all time are few
to rank.

Each post's search vector also holds the day it was written, as a lexeme (`§d<day>`,
migration 0010's tweet_search_vector), and a window's words are ANDed with its
days (`'releas' & ('§d20420' | '§d20421' | ...)`). GIN reads the rarest entries
first and skips through the rest, so a common word costs the window's posts, not
all of the word's: on the bench's million posts, a word in 90,000 of them read its
whole posting list in 8 ms, and with its two weeks of days in 2 to 4 ms. (ANDing with
an index on the time instead reads both in full; a BRIN index of the time turned
the bitmap lossy once updates had moved rows, and rechecked 400,000 rows.)

The cached generic plan serves (the app's default, app/core/database.py): the GIN
index is the only one the words can use, and a query of stop words or exclusions
alone fails its querytree() test once, as a one-time filter, and reads nothing.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, Text, TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from app.handlers.search.query import SearchQuery

HALF_LIFE = timedelta(days=7)
# The first window: two half-lives, which is as far back as a common word's page
# usually needs (this module's docstring).
FIRST_WINDOW = 2 * HALF_LIFE
# The text search configuration of tweets.search (migration 0010).
CONFIGURATION = "public.microblog"

_LN2 = math.log(2)
# ln of the most any factor but freshness can give: relevance < 1, likes <= 2.
_LN_MOST = math.log(2)

# Made once per statement (an InitPlan): under the generic plan, to_tsquery() of a
# parameter written in place would run for every row it ranks, stemming each word
# again (half the time of a common word's window).
TSQUERY = f"(SELECT to_tsquery('{CONFIGURATION}', :words))"

# ln(relevance); a query whose words are all stop words (numnode 0: possible only
# beside a tag or a person, see below) ranks by likes and freshness alone.
# r / (r + 0.1) written as 1 - 0.1 / (r + 0.1): ts_rank_cd once a row, not twice.
_LN_RELEVANCE = f"""
    CASE WHEN numnode({TSQUERY}) = 0 THEN 0
         ELSE ln(greatest(1 - 0.1 / (ts_rank_cd(t.search, {TSQUERY}) + 0.1), 1e-9))
    END
"""


def _log_freshness(moment: datetime) -> float:
    return moment.timestamp() / HALF_LIFE.total_seconds() * _LN2


@dataclass(frozen=True)
class Found:
    id: int
    score: float


def days(since: datetime, until: datetime) -> str:
    """The tsquery of the days from `since` to `until` (tweet_search_vector's day
    lexemes, migration 0010): any of them."""
    first, last = (int(moment.timestamp() // 86_400) for moment in (since, until))
    return " | ".join(f"'§d{day}'" for day in range(first, last + 1))


def window_statement(query: SearchQuery, *, bounded: bool = True) -> str:
    """The best :wanted posts for `query` written from :since to :until (with
    `bounded`, also the :days of that window: see this module's docstring)."""
    return _window_sql(query.words is not None, len(query.tags), query.handle is not None, bounded)


@cache
def _window_sql(words: bool, tags: int, handle: bool, bounded: bool) -> str:
    """window_statement of a query's shape: with words or not, how many tags, a
    person or not. The same few texts for every search, made once."""
    relevance = _LN_RELEVANCE if words else "0"
    conditions = []
    if words and not tags and not handle:
        # Only indexable words may be searched: querytree() is '' for stop words alone
        # and 'T' for exclusions alone; a one-time filter, it leaves nothing to read
        # (this module's docstring). The window is its whole days, and only them: a
        # condition on created_at would offer the planner other indexes to read.
        matching = (
            f"(SELECT to_tsquery('{CONFIGURATION}', :words) && CAST(:days AS tsquery))"
            if bounded
            else TSQUERY
        )
        conditions += [f"querytree({TSQUERY}) NOT IN ('', 'T')", f"t.search @@ {matching}"]
    else:
        conditions += ["t.created_at >= :since", "t.created_at < :until"]
    if words and (tags or handle):
        # Narrowed by a tag or a person: words that are all stop words add nothing.
        conditions.append(f"(numnode({TSQUERY}) = 0 OR t.search @@ {TSQUERY})")
    if handle:
        conditions.append("t.author_id = (SELECT user_id FROM user_handles WHERE handle = :handle)")
    # Each tag's posts of the window, from its (tag, created_at) index: the posts' own
    # times, copied.
    conditions += [
        f"""t.id IN (SELECT tweet_id FROM tweet_hashtags
                     WHERE tag = (:tags)[{number}]
                       AND created_at >= :since AND created_at < :until)"""  # noqa: S608
        for number in range(1, tags + 1)
    ]
    return f"""
        SELECT t.id,
               {relevance}
               + ln(1 + ln(1 + least(t.likes_count, 1000)) / ln(1001))
               + date_part('epoch', t.created_at) / :half_life * ln(2) AS score
        FROM tweets AS t
        WHERE {" AND ".join(conditions)}
        ORDER BY score DESC, t.id DESC
        LIMIT :wanted
    """  # noqa: S608 - fixed fragments; what was typed is a bound parameter


_TYPES: dict[str, TypeEngine[Any]] = {
    "since": DateTime(timezone=True),
    "until": DateTime(timezone=True),
    "half_life": Float(),
    "wanted": BigInteger(),
    "tags": ARRAY(Text),
}


@cache
def _window(words: bool, tags: int, handle: bool, bounded: bool) -> TextClause:
    """The statement of _window_sql, its parameters typed."""
    sql = _window_sql(words, tags, handle, bounded)
    return text(sql).bindparams(
        *(bindparam(name, type_=kind) for name, kind in _TYPES.items() if f":{name}" in sql)
    )


_NOTHING_TO_FIND = text(f"SELECT querytree({TSQUERY}) IN ('', 'T')")


async def nothing_to_find(session: AsyncSession, words: str) -> bool:
    """Whether `words` hold nothing an index can find: stop words or exclusions alone."""
    return bool(await session.scalar(_NOTHING_TO_FIND, {"words": words}))


async def best(session: AsyncSession, query: SearchQuery, wanted: int) -> list[Found]:
    """The `wanted` best posts for `query`, best first (fewer if fewer match): those
    with its words, then, if they are fewer, those with its last word only as the
    beginning of a word (`query.prefix`). A prefix of a common word is dear to look
    up (GIN collects every word it begins, whole), and a word typed in full, as most
    searches are, fills the page without it."""
    found = await _ranked(session, query, query.words, wanted)
    if query.prefix is None or len(found) >= wanted:
        return found
    seen = {hit.id for hit in found}
    more = await _ranked(session, query, query.prefix, wanted)
    return [*found, *(hit for hit in more if hit.id not in seen)][:wanted]


async def _ranked(
    session: AsyncSession, query: SearchQuery, words: str | None, wanted: int
) -> list[Found]:
    """The `wanted` best posts for `query` with `words` in place of its own."""
    shape = (query.words is not None, len(query.tags), query.handle is not None)
    parameters: dict[str, object] = {"half_life": HALF_LIFE.total_seconds(), "wanted": wanted}
    if words is not None:
        parameters["words"] = words
    if query.handle is not None:
        parameters["handle"] = query.handle
    if query.tags:
        parameters["tags"] = query.tags
    # The first window has no end: a post from a clock a little ahead is in it too.
    since: datetime | None = datetime.now(UTC) - FIRST_WINDOW
    until = _END
    found: list[Found] = []
    while True:
        values = {**parameters, "since": since or _BEGINNING, "until": until}
        if since is not None:
            values["days"] = days(since, min(until, datetime.now(UTC) + timedelta(days=1)))
        rows = await session.execute(_window(*shape, since is not None), values)
        # Windows of whole days may share one: each post once.
        merged = {hit.id: hit for hit in found} | {row.id: Found(row.id, row.score) for row in rows}
        found = sorted(merged.values(), key=lambda hit: (hit.score, hit.id), reverse=True)[:wanted]
        if since is None or until != _END:
            return found  # all time, or the window the bound asked for: exact
        if len(found) < wanted:
            # Few posts of late: the rest of time, which holds few of them either.
            until = since
            since = None
            continue
        last = found[-1].score
        if last >= _LN_MOST + _log_freshness(since):
            return found
        # The start from which nothing older can beat the page's last post (a second
        # early, for rounding): one more window, and the page is exact.
        seconds = (last - _LN_MOST) / _LN2 * HALF_LIFE.total_seconds() - 1
        until = since
        since = datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None


_END = datetime.max.replace(tzinfo=UTC)
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
