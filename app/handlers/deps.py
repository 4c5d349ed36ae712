"""Dependency aliases for the routers: the session, the read session and the caller
(by api key or session cookie).

Every dependency is `async def`, even those that never wait: FastAPI runs a plain
`def` dependency in a worker thread, a hop that cost the feed more than its query.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import DatabaseUnavailable, Forbidden, Unauthorized
from app.core.image_service import ImageService
from app.core.models import User
from app.core.reads import Reads
from app.core.sessions import SESSION, Caller, Credential
from app.handlers.shared import db_actions
from app.handlers.shared.schemas import MAX_ID
from app.live.hub import Live
from app.web import credentials
from app.web.errors import recovery_conflict, server_unavailable
from app.web.rate_limit import CALLER, REQUEST_SESSION
from app.web.replica_reads import FROM_PRIMARY, REPLICA_FAILED, SAFE_METHODS, WROTE
from app.workers.media_janitor import MediaJanitor


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request and its only commit point: the one the rate limit
    looked the api key up in (it closes it), else a new one."""
    async with AsyncExitStack() as closing:
        session: AsyncSession | None = getattr(request.state, REQUEST_SESSION, None)
        if session is None:
            made: AsyncSession = request.app.state.sessionmaker()
            session = await closing.enter_async_context(made)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
        if request.method not in SAFE_METHODS:
            await _remember_write(request)


async def _remember_write(request: Request) -> None:
    """After a person's write: their reads wait for a replica that has it (no cost,
    and nothing done, without replicas)."""
    reads: Reads = request.app.state.reads
    found: tuple[Credential, Caller | None] | None = getattr(request.state, CALLER, None)
    if not reads.replicas or found is None or found[1] is None:
        return
    position = await reads.wrote(found[1].user.id)
    if position is not None:
        setattr(request.state, WROTE, position)


# scope="function": commit before the response is sent, so a failed commit
# becomes an error response instead of a success the database never saw.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]

_api_key_header = APIKeyHeader(
    name="api-key",
    auto_error=False,
    description="Your personal api key, as the administrator gave it to you",
)
# Declared for OpenAPI (the "Authorize" button); the credential itself is read by
# app/web/credentials.py, which also takes the web app's session cookie.
_ApiKey = Annotated[str | None, Security(_api_key_header)]


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def _lookup(request: Request, session: AsyncSession, credential: Credential) -> Caller | None:
    """Whose the credential is: the rate limit (app/web/rate_limit.py) has mostly
    looked it up already, to count the request as that person's; else now."""
    found: tuple[Credential, Caller | None] | None = getattr(request.state, CALLER, None)
    if found is None or found[0] != credential:
        caller = await db_actions.caller(session, credential, request.app.state.settings)
        setattr(request.state, CALLER, (credential, caller))  # whose write, for _session
        return caller
    return found[1]  # found in this very session (SessionDep is the rate limit's)


async def _caller(request: Request, session: SessionDep, _key: _ApiKey) -> Caller:
    credential = credentials.of(request.scope)
    if credential is None or not credential.secret:
        raise Unauthorized("Send your api key in the `api-key` header, or sign in")
    caller = await _lookup(request, session, credential)
    if caller is None:
        if credential.kind == SESSION:
            raise Unauthorized("Your session has ended; sign in again")
        raise Unauthorized("The api key is not valid")
    if not caller.user.active:
        raise Unauthorized("This account is deactivated; ask an administrator to reactivate it")
    if credential.kind == SESSION:
        credentials.check_same_site(request.scope, request.app.state.settings)
    return caller


# The caller and how they signed in (their session's id, for the sessions routes).
CallerDep = Annotated[Caller, Depends(_caller)]


async def _read_session(
    request: Request, session: SessionDep, caller: CallerDep
) -> AsyncIterator[AsyncSession]:
    """A session on the server that answers the caller's reads (app/core/reads.py):
    without replicas, or when none will do, the request's own session on the primary.
    A replica read that fails for the replica's sake is answered again from the
    primary (app/web/replica_reads.py)."""
    reads: Reads = request.app.state.reads
    retried = getattr(request.state, FROM_PRIMARY, False)
    server = reads.fallback() if retried else reads.server_for(caller.user.id, request.scope)
    if server is reads.primary:
        yield session
        return
    try:
        # Closing can fail too (the connection lost after the read): the answer is lost
        # with it, so that is a failed read as well.
        async with server.sessionmaker() as replica_session:
            yield replica_session
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        if isinstance(error, DatabaseUnavailable) or server_unavailable(error):
            reads.failed(server)
            setattr(request.state, REPLICA_FAILED, True)
        elif recovery_conflict(error):
            setattr(request.state, REPLICA_FAILED, True)
        raise


# For routes that only read: the caller's reads, from a replica when one will do.
# scope="function": the replica's connection goes back before the answer is sent.
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]


async def _current_user(caller: CallerDep) -> User:
    return caller.user


CurrentUser = Annotated[User, Depends(_current_user)]


async def _optional_user(
    request: Request, session: SessionDep, _key: _ApiKey
) -> Callable[[], Awaitable[User | None]]:
    async def owner() -> User | None:
        credential = credentials.of(request.scope)
        if credential is None or not credential.secret:
            return None
        caller = await _lookup(request, session, credential)
        return caller.user if caller is not None and caller.user.active else None

    return owner


# Who asks, for an answer that depends on it: looked up only if asked.
OptionalUser = Annotated[Callable[[], Awaitable[User | None]], Depends(_optional_user)]


async def _admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Only an administrator can do this")
    return user


AdminUser = Annotated[User, Depends(_admin_user)]


async def _images(request: Request) -> ImageService:
    images: ImageService = request.app.state.images
    return images


ImagesDep = Annotated[ImageService, Depends(_images)]


async def _janitor(request: Request) -> MediaJanitor:
    janitor: MediaJanitor = request.app.state.janitor
    return janitor


JanitorDep = Annotated[MediaJanitor, Depends(_janitor)]


async def _live(request: Request) -> Live:
    live: Live = request.app.state.live
    return live


LiveDep = Annotated[Live, Depends(_live)]

MAX_OFFSET = 1_000_000


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


async def _page(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 20,
) -> Page:
    """`offset`/`limit` query parameters, validated the same way everywhere."""
    return Page(offset, limit)


PageDep = Annotated[Page, Depends(_page)]

# Ids are PostgreSQL bigints: anything outside that range cannot exist.
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
