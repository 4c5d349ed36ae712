"""Browser sessions for tests that need a signed-in cookie without going through the
identity provider (tests/test_oidc.py goes through it): made by the app's own code."""

from fastapi import FastAPI

from app.core import sessions
from app.core.sessions import COOKIE
from app.web.credentials import CSRF_HEADER


async def session_token(app: FastAPI, user_id: int) -> str:
    async with app.state.sessionmaker() as session:
        token = await sessions.start(session, user_id, app.state.settings, "tests", "127.0.0.1")
        await session.commit()
    return token


async def cookie_headers(app: FastAPI, user_id: int, *, csrf: bool = True) -> dict[str, str]:
    """Headers of the web app signed in as `user_id`: the cookie and, unless told not
    to, the cross-site defence's header, as the web app sends them."""
    headers = {"cookie": f"{COOKIE}={await session_token(app, user_id)}"}
    if csrf:
        headers[CSRF_HEADER] = "microblog"
    return headers
