"""Your own browser sessions (signed in with the identity provider): see where you
are signed in, end one, or sign out everywhere. An api key works here too."""

from fastapi import APIRouter, Response

from app.core import exceptions as exc
from app.handlers.deps import CallerDep, ObjectId, PageDep, SessionDep, SettingsDep
from app.handlers.sessions import actions
from app.handlers.sessions.schemas import SessionList, SessionsEnded
from app.web import session_cookie
from app.web.openapi import AUTH, errors

router = APIRouter(prefix="/api/sessions", tags=["sessions"], responses=AUTH)


@router.get("", summary="Your sessions that are still open, the most recently used first")
async def my_sessions(
    caller: CallerDep, session: SessionDep, settings: SettingsDep, page: PageDep
) -> SessionList:
    found = await actions.listing(
        session, caller.user.id, caller.session_id, settings, page.offset, page.limit
    )
    return SessionList(sessions=found)


@router.delete(
    "/{session_id}",
    responses=errors(exc.NotFound, exc.Forbidden),
    summary="End one of your sessions (this one too: then you are signed out)",
)
async def end_one(
    session_id: ObjectId,
    caller: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SessionsEnded:
    ended = await actions.end(session, caller.user.id, session_id)
    if session_id == caller.session_id:
        session_cookie.clear(response, settings)
    return SessionsEnded(ended=ended)


@router.delete(
    "",
    responses=errors(exc.Forbidden),
    summary="Sign out everywhere: end all your sessions (api keys stay as they are)",
)
async def end_all(
    caller: CallerDep, session: SessionDep, settings: SettingsDep, response: Response
) -> SessionsEnded:
    ended = await actions.end(session, caller.user.id)
    if caller.session_id is not None:
        session_cookie.clear(response, settings)
    return SessionsEnded(ended=ended)
