from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Response, status

from app.core import exceptions as exc
from app.handlers.deps import (
    AdminUser,
    CurrentUser,
    JanitorDep,
    ObjectId,
    PageDep,
    SessionDep,
    SettingsDep,
)
from app.handlers.reports import actions
from app.handlers.reports.schemas import ReportCreated, ReportIn, ReportList, ResolveIn, Status
from app.handlers.shared.schemas import Ok
from app.web.openapi import AUTH, errors

router = APIRouter(prefix="/api", tags=["reports"], responses=AUTH)


@router.post(
    "/tweets/{tweet_id}/report",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "You had reported it already; your open report",
            "model": ReportCreated,
        },
        **errors(exc.NotFound, exc.PayloadTooLarge, exc.UnsupportedMediaType),
    },
    summary="Report a post to the administrators, with a reason",
)
async def report(
    tweet_id: ObjectId, body: ReportIn, user: CurrentUser, session: SessionDep, response: Response
) -> ReportCreated:
    report_id, new = await actions.report(session, user, tweet_id, body.reason)
    if not new:
        response.status_code = status.HTTP_200_OK
    return ReportCreated(report_id=report_id)


@router.get(
    "/admin/reports",
    responses=errors(exc.Forbidden),
    summary="Reports of posts, newest first (administrators only)",
)
async def reports(
    admin: AdminUser,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
    status_: Annotated[Status, Query(alias="status", description="open or resolved")] = "open",
) -> ReportList:
    found, open_count = await actions.listing(
        session, admin, status_, page.offset, page.limit, settings.likers_per_tweet
    )
    return ReportList(reports=found, open_count=open_count)


@router.post(
    "/admin/reports/{report_id}/resolve",
    responses=errors(exc.Forbidden, exc.NotFound, exc.Conflict),
    summary="Resolve a report, with a note, and delete its post if asked (administrators only)",
)
async def resolve(
    report_id: ObjectId,
    body: ResolveIn,
    admin: AdminUser,
    session: SessionDep,
    janitor: JanitorDep,
    after_response: BackgroundTasks,
) -> Ok:
    stored_files = await actions.resolve(
        session, admin, report_id, body.resolution, body.delete_tweet
    )
    if stored_files:
        after_response.add_task(janitor.delete_files, stored_files)
    return Ok()
