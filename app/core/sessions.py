"""Browser sessions (docs/security.md, "Sessions"): made by a sign-in, found by the
cookie's token, ended by signing out, by their owner, by idleness or age, and all at
once when an administrator deactivates the person.

A request signed in by a session costs what one with an api key does: one indexed
statement finds the person. `last_seen_at`, which idle expiry counts from, is written
at most once in a hundredth of the idle time (between a minute and an hour: an hour
for the default week), not on every request: idle expiry is that much less exact.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Interval, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.models import User, WebSession
from app.core.security import hash_session_token, new_session_token

COOKIE = "microblog_session"
TOUCH_AT_LEAST = timedelta(minutes=1)
TOUCH_AT_MOST = timedelta(hours=1)


def touch_every(idle: timedelta) -> timedelta:
    return min(max(idle / 100, TOUCH_AT_LEAST), TOUCH_AT_MOST)


_BY_TOKEN = (
    select(User, WebSession.id, WebSession.last_seen_at, WebSession.expires_at)
    .join(WebSession, WebSession.user_id == User.id)
    .where(
        WebSession.token_hash == bindparam("token_hash"),
        WebSession.expires_at > func.now(),
        WebSession.last_seen_at > func.now() - bindparam("idle", type_=Interval),
        User.active,
    )
)


@dataclass(frozen=True)
class Found:
    user: User
    session_id: int
    expires_at: datetime


async def by_token(session: AsyncSession, token: str, settings: Settings) -> Found | None:
    """The live session the token opens, with its person; refreshes its idle clock."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    row = (
        await session.execute(_BY_TOKEN, {"token_hash": hash_session_token(token), "idle": idle})
    ).one_or_none()
    if row is None:
        return None
    user, session_id, last_seen_at, expires_at = row
    if datetime.now(UTC) - last_seen_at > touch_every(idle):
        # SKIP LOCKED: of a browser's requests at the same moment one refreshes it, and
        # none waits for another's transaction to end.
        mine = (
            select(WebSession.id)
            .where(WebSession.id == session_id)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        await session.execute(
            update(WebSession).where(WebSession.id == mine).values(last_seen_at=func.now())
        )
    return Found(user, session_id, expires_at)


async def start(
    session: AsyncSession, user_id: int, settings: Settings, user_agent: str, address: str
) -> str:
    """A new session of the person's; its token, for the cookie (kept nowhere else)."""
    token = new_session_token()
    # Sessions past their absolute end, gone now (an index range; sign-ins are rare).
    await session.execute(delete(WebSession).where(WebSession.expires_at < func.now()))
    await session.execute(
        insert(WebSession).values(
            token_hash=hash_session_token(token),
            user_id=user_id,
            expires_at=func.now() + timedelta(days=settings.session_max_days),
            user_agent=user_agent[:300],
            address=address[:64],
        )
    )
    return token


async def end(session: AsyncSession, user_id: int, session_id: int | None = None) -> int:
    """End one of the person's sessions (`session_id`), or all of them; how many ended."""
    statement = delete(WebSession).where(WebSession.user_id == user_id)
    if session_id is not None:
        statement = statement.where(WebSession.id == session_id)
    result = await session.execute(statement.returning(WebSession.id))
    return len(result.all())


async def valid_ids(session: AsyncSession, user_ids: list[int]) -> dict[int, set[int]]:
    """The sessions of these people that still open (for live streams to check)."""
    rows = await session.execute(
        select(WebSession.user_id, WebSession.id).where(
            WebSession.user_id.in_(user_ids), WebSession.expires_at > func.now()
        )
    )
    found: dict[int, set[int]] = {}
    for user_id, session_id in rows:
        found.setdefault(user_id, set()).add(session_id)
    return found


@dataclass(frozen=True)
class Credential:
    """What a request signs in with: an api key (header) or a session (cookie)."""

    kind: str  # KEY or SESSION
    secret: str


KEY = "key"
SESSION = "session"


@dataclass(frozen=True)
class Caller:
    user: User
    # The session the request came with, and its absolute end; None for an api key.
    session_id: int | None = None
    expires_at: datetime | None = None
