"""The session cookie as the browser gets it: HttpOnly (no script reads it), SameSite=Lax
(other sites' pages do not send it along with their requests, but a link followed to
us does), Path=/, Secure when the service is served over https."""

from starlette.responses import Response

from app.core.config import Settings
from app.core.sessions import COOKIE


def secure(settings: Settings) -> bool:
    return bool(settings.public_url and settings.public_url.startswith("https://"))


def give(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.session_max_days * 24 * 60 * 60,
        path="/",
        secure=secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path="/", secure=secure(settings), httponly=True, samesite="lax")


# The sign-in under way in this browser: the callback must come back to the browser that
# began it, or someone could sign a victim in to the sender's own account by sending
# them a callback link of a sign-in of theirs (login CSRF).
SIGN_IN_COOKIE = "microblog_sign_in"
SIGN_IN_PATH = "/auth/oidc/callback"


def give_sign_in(response: Response, state: str, settings: Settings, seconds: int) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE,
        state,
        max_age=seconds,
        path=SIGN_IN_PATH,
        secure=secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_sign_in(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SIGN_IN_COOKIE, path=SIGN_IN_PATH, secure=secure(settings), httponly=True, samesite="lax"
    )
