from typing import Annotated

from pydantic import Field

from app.handlers.shared.schemas import Ok, TweetOut


class SearchHit(TweetOut):
    highlights: Annotated[
        list[str],
        Field(
            description="The words of `content` the search matched, as written there, each "
            "once (and a searched #tag as written): mark every whole-word occurrence, "
            "case-insensitively. Empty when only a person or a hashtag was searched for"
        ),
    ]


class SearchResults(Ok):
    tweets: Annotated[
        list[SearchHit],
        Field(description="Best first: relevance, likes and freshness (docs/search.md)"),
    ]
