from typing import Annotated

from fastapi import APIRouter, Query

from app.core import exceptions as exc
from app.handlers.admin import audit, people
from app.handlers.admin.schemas import AuditList, ManagedPeople
from app.handlers.deps import AdminUser, PageDep, SessionDep
from app.handlers.users.schemas import SearchText
from app.web.openapi import AUTH, errors

router = APIRouter(
    prefix="/api/admin", tags=["administration"], responses={**AUTH, **errors(exc.Forbidden)}
)


@router.get(
    "/users",
    summary="Everyone, the deactivated too, by name, with e-mails (administrators only)",
)
async def users(
    _admin: AdminUser,
    session: SessionDep,
    page: PageDep,
    q: Annotated[
        SearchText | None, Query(max_length=100, description="Part of a name, handle or e-mail")
    ] = None,
    active: Annotated[bool | None, Query(description="Only the active, or the deactivated")] = None,
) -> ManagedPeople:
    return ManagedPeople(users=await people.listing(session, q, active, page.offset, page.limit))


@router.get("/audit", summary="The audit log, newest first (administrators only)")
async def audit_log(_admin: AdminUser, session: SessionDep, page: PageDep) -> AuditList:
    return AuditList(entries=await audit.entries(session, page.offset, page.limit))
