"""Announcements the application makes itself on the live updates' channel (the
triggers of migrations 0005 and 0009 make the others). Like theirs, they go out when
the transaction commits, and not at all if it does not."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.live.listener import CHANNEL


async def credentials_changed(session: AsyncSession, user_id: int) -> None:
    """The person's api key is another from this commit, or a session of theirs ended,
    or they were deactivated: every process ends the streams opened with a credential
    no longer valid (app/live/hub.py)."""
    await session.execute(select(func.pg_notify(CHANNEL, f"k:{user_id}")))


async def announcement(session: AsyncSession, announcement_id: int, *, published: bool) -> None:
    """An announcement published (a:<id>) or withdrawn (w:<id>): every open stream
    hears of it."""
    kind = "a" if published else "w"
    await session.execute(select(func.pg_notify(CHANNEL, f"{kind}:{announcement_id}")))
