"""Search of posts: what was typed read (query.py), the best posts found (ranking.py),
and their page with the words that matched."""

import re
from typing import Any

from pydantic_core import to_json
from sqlalchemy import BigInteger, Select, String, bindparam, func, literal, null, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import hashtags
from app.core.exceptions import ValidationFailed
from app.core.models import Tweet
from app.handlers.search import query as search_query
from app.handlers.search import ranking
from app.handlers.tweets.listing import tweet_rows, tweet_values, viewing

# ts_headline marks every match with these (control characters: a post cannot
# contain them, app/handlers/shared/text.py).
_START, _STOP = "\x01", "\x02"
_MARKED = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)
_HEADLINE_OPTIONS = f"HighlightAll=true, StartSel={_START}, StopSel={_STOP}"


def _page(with_words: bool) -> Select[Any]:
    """The found posts with everything a listing shows, in the order given by :ids,
    and their text with the matched words marked (NULL without words)."""
    found = (
        func.unnest(bindparam("ids", type_=ARRAY(BigInteger)))
        .table_valued("id", with_ordinality="place")
        .render_derived()
    )
    marked = (
        func.ts_headline(
            text(f"'{ranking.CONFIGURATION}'::regconfig"),
            Tweet.content,
            func.to_tsquery(
                text(f"'{ranking.CONFIGURATION}'::regconfig"), bindparam("words", type_=String)
            ),
            literal(_HEADLINE_OPTIONS),
        )
        if with_words
        else null()
    )
    return (
        tweet_rows().add_columns(marked).join(found, found.c.id == Tweet.id).order_by(found.c.place)
    )


_PAGES = {True: _page(True), False: _page(False)}


def _highlights(marked: str | None, content: str, tags: list[str]) -> list[str]:
    words: dict[str, None] = {}
    for word in _MARKED.findall(marked or ""):
        words.setdefault(word)
    for tag in tags:
        for spelling in hashtags.occurrences(content, tag):
            words.setdefault(spelling)
    return list(words)


async def search(
    session: AsyncSession, viewer_id: int, q: str, offset: int, limit: int, likers: int
) -> bytes:
    """A page of the posts best matching `q`, as `SearchResults` bytes; 422 when `q`
    has nothing to search for."""
    query = search_query.parse(q)
    found = await ranking.best(session, query, offset + limit)
    if (
        not found
        and query.words is not None
        and not query.tags
        and query.handle is None
        and await ranking.nothing_to_find(session, query.words)
    ):
        raise ValidationFailed(
            "Nothing to search for: the words are all very common ones (such as “the” or "
            "“и”), which are not searched for; add a word that says more",
            field="q",
        )
    page = [hit.id for hit in found[offset : offset + limit]]
    if not page:
        return to_json({"result": True, "tweets": []})
    parameters: dict[str, Any] = {"ids": page, **viewing(viewer_id, likers)}
    if query.words is not None:
        parameters["words"] = query.prefix or query.words
    rows = (await session.execute(_PAGES[query.words is not None], parameters)).all()
    values = tweet_values(row[:-1] for row in rows)
    for value, row in zip(values, rows, strict=True):
        value["highlights"] = _highlights(row[-1], value["content"], query.tags)
    return to_json({"result": True, "tweets": values})
