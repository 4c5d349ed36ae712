"""A person's own browser sessions: listing them and ending them. Every end is
announced, so live streams opened with an ended session stop in every process."""

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import sessions
from app.core.config import Settings
from app.core.exceptions import NotFound
from app.core.models import WebSession
from app.core.security import hash_session_token
from app.handlers.sessions.schemas import SessionOut
from app.live import announce


async def listing(
    session: AsyncSession,
    user_id: int,
    current: int | None,
    settings: Settings,
    offset: int,
    limit: int,
) -> list[SessionOut]:
    """The person's sessions that still open, the most recently used first."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    rows = await session.scalars(
        select(WebSession)
        .where(
            WebSession.user_id == user_id,
            WebSession.expires_at > func.now(),
            WebSession.last_seen_at > func.now() - idle,
        )
        .order_by(WebSession.last_seen_at.desc(), WebSession.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        SessionOut(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            current=row.id == current,
        )
        for row in rows
    ]


async def end(session: AsyncSession, user_id: int, session_id: int | None = None) -> int:
    """End one of the person's sessions (404 if it is not theirs), or all of them."""
    ended = await sessions.end(session, user_id, session_id)
    if session_id is not None and not ended:
        raise NotFound(f"Session {session_id} does not exist")
    if ended:
        await announce.credentials_changed(session, user_id)
    return ended


async def end_by_token(session: AsyncSession, token: str) -> None:
    """End the session the cookie's token opens, if there is one (signing out)."""
    user_id = await session.scalar(
        delete(WebSession)
        .where(WebSession.token_hash == hash_session_token(token))
        .returning(WebSession.user_id)
    )
    if user_id is not None:
        await announce.credentials_changed(session, user_id)
