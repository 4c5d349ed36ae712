"""The rate-limit middleware: a 429 in the envelope, with Retry-After, for a caller
over budget (see app/web/rate_counters.py for how budgets are counted).

The caller is the person whose api key (or session cookie) the request carries,
once it is verified (a key as the process knows it, app/core/owners.py; a
session by one index lookup, in the session the handlers then use, with the person
found); else the client address. A request with a
wrong key also spends from its address's budget for wrong keys, and only such
requests are refused when that is spent: made-up keys cannot buy a fresh budget
each, and cannot lock out the right keys sent from the same address. Pictures,
which browsers load without a key, have a budget of their own, ten times the
reads, so a page full of them does not starve the rest.
"""

import math

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import exceptions as exc
from app.core.config import Settings
from app.core.owners import Owners
from app.core.sessions import KEY, Caller, Credential
from app.handlers.shared import db_actions
from app.web import credentials
from app.web.errors import database_error, database_fault, envelope, raw_database_error
from app.web.middleware import HttpMiddleware
from app.web.rate_counters import Limiter, Verdict

# In request.state, for app.handlers.deps: (the credential, its caller or None), and the
# session the key was looked up in, which the request's handlers then use (one
# session, one connection, per request; this middleware closes it).
CALLER = "caller"
REQUEST_SESSION = "db_session"

UPLOADS = ("POST", "/api/medias")
# A person's data export costs as much as an upload: counted against the same budget.
EXPORT = ("GET", "/api/users/me/export")
PICTURES = "/api/medias/"
# GET /api/events: counted once, as it opens, like any read.
EVENT_STREAMS = "/api/events"
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
# Beginning and finishing a sign-in with the identity provider (by address, as nobody
# is signed in yet).
SIGN_IN = ("/auth/oidc/login", "/auth/oidc/callback")


class RateLimit(HttpMiddleware):
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(app)
        self.settings = settings
        reads = settings.rate_limit_reads_per_minute
        self.budgets = {
            "reads": reads,
            "writes": settings.rate_limit_writes_per_minute,
            "uploads": settings.rate_limit_uploads_per_minute,
            "pictures": 10 * reads,
            # Requests with a key that is not valid, per address.
            "invalid keys": settings.rate_limit_writes_per_minute,
        }

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        sending = send
        if scope["path"] == EVENT_STREAMS:
            # A stream runs for hours: its session (the key's lookup and the stream's
            # first reads, committed before the answer starts) is let go as it starts.
            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await _close_session(scope)
                await send(message)

        try:
            await self._limited(scope, receive, sending)
        finally:
            await _close_session(scope)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self._kind(scope["method"], scope["path"])
        per_minute = self.budgets[kind] if kind else 0
        if kind is None or not per_minute:
            await self.app(scope, receive, send)
            return
        caller = _address(scope)
        guard = None
        credential = credentials.of(scope)
        # A browser sends its session cookie with every picture too: a picture is
        # counted by its address unless a key asks for it (OptionalUser looks the
        # cookie up only for a picture that needs it).
        if (
            credential is not None
            and credential.secret
            and (kind != "pictures" or credential.kind == KEY)
        ):
            try:
                owner = await _owner(scope, credential, self.settings)
            except Exception as error:
                # Answered as the handlers' own lookup would be (503 while it is away).
                where = f"{scope['method']} {scope['path']}"
                if isinstance(error, exc.AppError):
                    answer = envelope(error)
                elif isinstance(error, SQLAlchemyError):
                    answer = database_error(where, error)
                elif database_fault(error):
                    answer = raw_database_error(where, error)
                else:
                    raise
                await answer(scope, receive, send)
                return
            if owner is not None:
                caller = f"user:{owner}"
            elif self.budgets["invalid keys"]:
                guard = (f"invalid:{caller}", self.budgets["invalid keys"])
        limiter: Limiter = scope["app"].state.limiter
        verdict = await limiter.hit(f"{kind}:{caller}", per_minute, guard=guard)
        if not verdict.allowed:
            if verdict.by_guard:
                kind, per_minute = "requests with a wrong api key", self.budgets["invalid keys"]
            await _refuse(scope, receive, send, kind, per_minute, verdict)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _kind(method: str, path: str) -> str | None:
        if path.startswith(SIGN_IN):
            return "reads"  # each makes a row: not without a budget
        if not path.startswith("/api/"):
            return None  # the web app, health, metrics, docs
        if (method, path) in (UPLOADS, EXPORT):
            return "uploads"
        if method in READ_METHODS:
            return "pictures" if path.startswith(PICTURES) else "reads"
        return "writes"


async def _refuse(
    scope: Scope, receive: Receive, send: Send, what: str, per_minute: int, verdict: Verdict
) -> None:
    wait = max(1, math.ceil(verdict.retry_after))
    refusal = exc.TooManyRequests(
        f"Too many {what}: the limit is {per_minute} a minute; try again in {wait} s",
        retry_after=wait,
    )
    await envelope(refusal)(scope, receive, send)


async def finish_request_session(scope: Scope) -> None:
    """Commit and close the session the credential was looked up in, for a request
    that needs it no more (app/handlers/fast/ answers without the ORM)."""
    session: AsyncSession | None = scope.get("state", {}).pop(REQUEST_SESSION, None)
    if session is not None:
        try:
            await session.commit()
        finally:
            await session.close()


async def _close_session(scope: Scope) -> None:
    session: AsyncSession | None = scope.get("state", {}).pop(REQUEST_SESSION, None)
    if session is not None:
        await session.close()


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")


async def _owner(scope: Scope, credential: Credential, settings: Settings) -> int | None:
    """The id of the person the credential is theirs, as the process knows it
    (app/core/owners.py), or None. A session whose idle clock is due is looked up by
    the ORM, in the session the handlers then use, which moves it on."""
    owners: Owners = scope["app"].state.owners
    if credential.kind == KEY:
        found = await owners.key_owner(scope, credential.secret)
        return None if found is None else found.user_id
    remembered, due = await owners.session_owner(scope, credential.secret)
    if remembered is not None:
        return remembered.user_id
    if not due:  # no such open session: told to the handlers as the ORM's lookup would
        scope.setdefault("state", {})[CALLER] = (credential, None)
        return None
    caller = await _caller(scope, credential, settings)
    return None if caller is None else caller.user.id


async def _caller(scope: Scope, credential: Credential, settings: Settings) -> Caller | None:
    state = scope.setdefault("state", {})
    state[REQUEST_SESSION] = session = scope["app"].state.sessionmaker()
    owner = await db_actions.caller(session, credential, settings)
    state[CALLER] = (credential, owner)
    return owner
