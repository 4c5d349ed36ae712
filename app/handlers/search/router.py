from typing import Annotated

from fastapi import APIRouter, Query

from app.handlers.deps import CurrentUser, PageDep, ReadSessionDep, SettingsDep
from app.handlers.search import actions
from app.handlers.search.query import MAX_LENGTH
from app.handlers.search.schemas import SearchResults
from app.web.openapi import AUTH
from app.web.responses import RenderedJson

router = APIRouter(prefix="/api/search", tags=["search"], responses=AUTH)

DESCRIPTION = """Every post of everyone, best first: relevance blended with likes and
freshness (docs/search.md). Words match in any of their forms, in Russian and in
English (ё = е); `"exact phrase"`; `-word` leaves posts with it out; `OR` between two
words; `from:@handle` narrows to one person; `#tag` to a hashtag, exactly; the last
word also matches as a prefix unless a space follows it.

422 when `q` is empty, longer than 200 characters, only very common words (stop
words) or only exclusions; the message says which."""


@router.get(
    "/tweets",
    response_model=SearchResults,
    summary="Search posts",
    description=DESCRIPTION,
)
async def search_tweets(
    user: CurrentUser,
    session: ReadSessionDep,
    page: PageDep,
    settings: SettingsDep,
    # The length is checked by the search itself, for its own message.
    q: Annotated[str, Query(description=f"What to find; at most {MAX_LENGTH} characters")],
) -> RenderedJson:
    results = await actions.search(
        session, user.id, q, page.offset, page.limit, settings.likers_per_tweet
    )
    return RenderedJson(results)
