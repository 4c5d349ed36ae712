"""Dependency aliases for the routers: the session and the calling user.

Every dependency is `async def`, even those that never wait: FastAPI runs a plain
`def` dependency in a worker thread, a hop that cost the feed more than its query.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import Forbidden, Unauthorized
from app.core.image_service import ImageService
from app.core.models import User
from app.handlers.shared import db_actions
from app.handlers.shared.schemas import MAX_ID
from app.live.hub import Live
from app.web.rate_limit import KEY_OWNER, REQUEST_SESSION
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


# scope="function": commit before the response is sent, so a failed commit
# becomes an error response instead of a success the database never saw.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]

_api_key_header = APIKeyHeader(
    name="api-key",
    auto_error=False,
    description="Your personal api key, as the administrator gave it to you",
)
_ApiKey = Annotated[str | None, Security(_api_key_header)]


async def _key_owner(request: Request, session: AsyncSession, api_key: str) -> User | None:
    """Whose the key is: the rate limit (app/web/rate_limit.py) has mostly looked it
    up already, to count the request as that person's; else it is looked up now."""
    found: tuple[str, User | None] | None = getattr(request.state, KEY_OWNER, None)
    if found is None or found[0] != api_key:
        return await db_actions.user_by_api_key(session, api_key)
    return found[1]  # found in this very session (SessionDep is the rate limit's)


async def _current_user(request: Request, session: SessionDep, api_key: _ApiKey) -> User:
    if not api_key:
        raise Unauthorized("Send your api key in the `api-key` header")
    user = await _key_owner(request, session, api_key)
    if user is None:
        raise Unauthorized("The api key is not valid")
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


async def _optional_user(
    request: Request, session: SessionDep, api_key: _ApiKey
) -> Callable[[], Awaitable[User | None]]:
    async def owner() -> User | None:
        return await _key_owner(request, session, api_key) if api_key else None

    return owner


# Whose the key is, for an answer that depends on who asks: looked up only if asked.
OptionalUser = Annotated[Callable[[], Awaitable[User | None]], Depends(_optional_user)]


async def _admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Only an administrator can do this")
    return user


AdminUser = Annotated[User, Depends(_admin_user)]


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


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
