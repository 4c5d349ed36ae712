from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.handlers.deps import CurrentUser, PageDep, ReadSessionDep, SettingsDep
from app.handlers.hashtags import actions
from app.handlers.hashtags.schemas import TrendList
from app.handlers.shared.schemas import TweetList
from app.web.openapi import AUTH
from app.web.responses import RenderedJson

router = APIRouter(prefix="/api/hashtags", tags=["search"], responses=AUTH)


@router.get(
    "/trending",
    summary="What the company is talking about: the hashtags most people used lately",
    description="Counted by different people, so one person repeating a tag does not "
    "make it trend; deleted posts do not count.",
)
async def trending(
    _user: CurrentUser,
    session: ReadSessionDep,
    hours: Annotated[int, Query(ge=1, le=168, description="The window, in hours")] = 24,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> TrendList:
    return TrendList(hashtags=await actions.trending(session, hours, limit))


@router.get(
    "/{tag}/tweets",
    response_model=TweetList,
    summary="The posts carrying a hashtag, newest first",
)
async def tagged(
    tag: Annotated[str, Path(max_length=60, description="The tag, without `#`; any case")],
    user: CurrentUser,
    session: ReadSessionDep,
    page: PageDep,
    settings: SettingsDep,
) -> RenderedJson:
    page_json = await actions.tagged(
        session, user.id, tag, page.offset, page.limit, settings.likers_per_tweet
    )
    return RenderedJson(page_json)
