"""Signing in with the company's identity provider, and signing out (docs/sign-in.md).

The browser comes here itself (not the web app's scripts): the sign-in begins with a
redirect to the provider and ends with one to the web app, which explains a refusal
(`/?signin_error=<code>`) in the person's language; why exactly, the server's log says.
"""

import hmac
import logging
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import exceptions as exc
from app.core import sessions
from app.core.config import Settings
from app.handlers.auth import actions
from app.handlers.auth.provider import OidcProvider, ProviderError
from app.handlers.auth.schemas import OidcInfo
from app.handlers.deps import OptionalUser, SessionDep, SettingsDep
from app.handlers.sessions.actions import end_by_token
from app.handlers.shared.schemas import Ok
from app.web import credentials, session_cookie
from app.web.openapi import COMMON, errors

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/auth", tags=["sign-in"], responses=COMMON)

_DISABLED = errors(exc.NotFound)


def _provider(request: Request) -> OidcProvider:
    provider: OidcProvider | None = request.app.state.oidc
    if provider is None:
        raise exc.NotFound("Signing in with an identity provider is not configured")
    return provider


def _refused(code: str, reason: str) -> RedirectResponse:
    logger.warning("OIDC sign-in refused (%s): %s", code, reason)
    return RedirectResponse(
        "/?" + urlencode({"signin_error": code}), status_code=status.HTTP_302_FOUND
    )


@router.get(
    "/oidc",
    summary="Whether the web app offers signing in with the identity provider, and whether "
    "this browser is signed in by its cookie",
)
async def oidc_info(
    request: Request, response: Response, settings: SettingsDep, owner: OptionalUser
) -> OidcInfo:
    signed_in = await owner() is not None
    if not signed_in and sessions.COOKIE in request.cookies:
        # A cookie that no longer signs anyone in (ended, expired): gone from the browser.
        session_cookie.clear(response, settings)
    return OidcInfo(
        enabled=request.app.state.oidc is not None,
        signed_in=signed_in,
        provider_name=settings.oidc_provider_name,
    )


@router.get(
    "/oidc/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=_DISABLED | errors(exc.ValidationFailed),
    summary="Begin signing in: redirects the browser to the identity provider",
)
async def login(
    request: Request,
    session: SessionDep,
    return_to: Annotated[
        str, Query(max_length=300, description="A path of this site to land on afterwards")
    ] = "/",
) -> RedirectResponse:
    provider = _provider(request)
    try:
        url, state = await actions.begin(session, provider, return_to)
    except ProviderError as error:
        return _refused(actions.FAILED, str(error))
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    seconds = int(actions.LOGIN_EXPIRES.total_seconds())
    session_cookie.give_sign_in(response, state, request.app.state.settings, seconds)
    return response


@router.get(
    "/oidc/callback",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=_DISABLED,
    summary="Where the identity provider sends the browser back; sets the session cookie",
)
async def callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=4000)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> RedirectResponse:
    provider = _provider(request)
    began_here = request.cookies.get(session_cookie.SIGN_IN_COOKIE, "")
    if error:
        return _refused(actions.DENIED, f"the provider answered error={error!r}")
    if not state or not code:
        return _refused(actions.FAILED, "the callback has no state or no code")
    if not hmac.compare_digest(began_here.encode(), state.encode()):
        # Not the browser that began this sign-in (a callback link someone sent), or
        # one whose sign-in cookie expired: nothing is taken, the sign-in under way
        # in this browser (if any) is left alone.
        return _refused(actions.EXPIRED, "the state is not the one this browser began")
    try:
        signed_in = await actions.finish(session, provider, settings, state, code)
    except actions.Refused as refusal:
        refused = _refused(refusal.code, refusal.reason)
        session_cookie.clear_sign_in(refused, settings)
        return refused
    return await _signed_in(request, session, settings, signed_in)


async def _signed_in(
    request: Request, session: AsyncSession, settings: Settings, signed_in: actions.SignedIn
) -> RedirectResponse:
    """A new session for the person, its cookie, and the way back to the web app. A
    session this browser had is ended: a sign-in never continues an earlier one."""
    earlier = request.cookies.get(sessions.COOKIE)
    if earlier:
        await end_by_token(session, earlier)
    token = await sessions.start(
        session,
        signed_in.user.id,
        settings,
        request.headers.get("user-agent", ""),
        request.client.host if request.client else "",
    )
    response = RedirectResponse(signed_in.return_to, status_code=status.HTTP_302_FOUND)
    session_cookie.give(response, token, settings)
    session_cookie.clear_sign_in(response, settings)
    return response


@router.post(
    "/logout",
    responses=errors(exc.Forbidden),
    summary="Sign out: ends this browser's session and clears its cookie (no session: fine)",
)
async def logout(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> Ok:
    token = request.cookies.get(sessions.COOKIE)
    if token:
        credentials.check_same_site(request.scope, settings)
        await end_by_token(session, token)
    session_cookie.clear(response, settings)
    return Ok()
