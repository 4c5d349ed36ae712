from fastapi import APIRouter, status

from app.core import exceptions as exc
from app.handlers.announcements import actions
from app.handlers.announcements.schemas import (
    AnnouncementCreated,
    AnnouncementIn,
    AnnouncementList,
    AnnouncementStatsList,
)
from app.handlers.deps import AdminUser, CurrentUser, ObjectId, PageDep, SessionDep
from app.handlers.shared.schemas import Ok
from app.web.openapi import AUTH, errors

router = APIRouter(prefix="/api", tags=["announcements"], responses=AUTH)


@router.get(
    "/announcements",
    summary="The announcements showing now that you have not dismissed, newest first",
)
async def showing(user: CurrentUser, session: SessionDep) -> AnnouncementList:
    return AnnouncementList(announcements=await actions.showing_to(session, user))


@router.post(
    "/announcements/{announcement_id}/dismiss",
    responses=errors(exc.NotFound),
    summary="Stop showing an announcement to you",
)
async def dismiss(announcement_id: ObjectId, user: CurrentUser, session: SessionDep) -> Ok:
    await actions.dismiss(session, user, announcement_id)
    return Ok()


@router.post(
    "/announcements",
    status_code=status.HTTP_201_CREATED,
    responses=errors(exc.Forbidden, exc.PayloadTooLarge, exc.UnsupportedMediaType),
    summary="Publish an announcement to everyone (administrators only)",
    description="Open event streams get it at once as an `announcement` event.",
)
async def publish(
    body: AnnouncementIn, admin: AdminUser, session: SessionDep
) -> AnnouncementCreated:
    return AnnouncementCreated(
        announcement=await actions.publish(session, admin, body.text, body.ends_at)
    )


@router.delete(
    "/announcements/{announcement_id}",
    responses=errors(exc.Forbidden, exc.NotFound),
    summary="Withdraw an announcement (administrators only)",
)
async def withdraw(announcement_id: ObjectId, admin: AdminUser, session: SessionDep) -> Ok:
    await actions.withdraw(session, admin, announcement_id)
    return Ok()


@router.get(
    "/admin/announcements",
    responses=errors(exc.Forbidden),
    summary="Every announcement with how many dismissed it (administrators only)",
)
async def every(_admin: AdminUser, session: SessionDep, page: PageDep) -> AnnouncementStatsList:
    return AnnouncementStatsList(
        announcements=await actions.all_with_counts(session, page.offset, page.limit)
    )
