"""What a request signs in with, read off the raw request (the rate limit reads it
before routing), and the cross-site defence of requests signed in by a cookie.

An `api-key` header wins over a session cookie: scripts and the stock clients keep
working exactly as before whatever cookies a browser sends along. A browser sends a
cookie with any request, a forged cross-site one too, so a write signed in by one
must prove it came from our own page: it carries the X-Requested-With header (a
cross-site form cannot set a header, and a cross-site script may not without our
CORS consent) and, when the browser says where it comes from, our own origin.
"""

from urllib.parse import urlsplit

from starlette.requests import cookie_parser
from starlette.types import Scope

from app.core.config import Settings
from app.core.exceptions import Forbidden
from app.core.sessions import COOKIE, KEY, SESSION, Credential

CSRF_HEADER = "X-Requested-With"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _header(scope: Scope, name: bytes) -> str | None:
    """The first `name` header, even if empty."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def of(scope: Scope) -> Credential | None:
    """The request's api key if it sends one, else its session cookie; an empty
    `api-key` header with no cookie is an empty key (refused as missing)."""
    api_key = _header(scope, b"api-key")
    if api_key:
        return Credential(KEY, api_key)
    cookies = _header(scope, b"cookie")
    token = cookie_parser(cookies).get(COOKIE) if cookies else None
    if token:
        return Credential(SESSION, token)
    return None if api_key is None else Credential(KEY, "")


def own_origin(scope: Scope, settings: Settings) -> str:
    """scheme://host[:port] people open the service at: PUBLIC_URL's, else the request's."""
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()
    host = _header(scope, b"host") or ""
    return f"{scope.get('scheme', 'http')}://{host}".lower()


def check_same_site(scope: Scope, settings: Settings) -> None:
    """403 for a change signed in by a cookie that a page of another site may have sent."""
    if scope["method"] in SAFE_METHODS:
        return
    if not _header(scope, CSRF_HEADER.lower().encode()):
        raise Forbidden(
            f"A change made with a sign-in cookie must carry the {CSRF_HEADER} header "
            "(the web app sends it); requests from other sites are refused"
        )
    origin = _header(scope, b"origin")
    if origin is None:
        referer = _header(scope, b"referer")
        if referer:
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}"
    if origin is not None and origin.lower() != own_origin(scope, settings):
        raise Forbidden(f"Requests from {origin[:100]} may not use your sign-in cookie")
