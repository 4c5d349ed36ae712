"""An administrator deleting someone else's post: on record in the audit log, with
what the post said, and its open reports resolved."""

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.models import Report, Tweet, User
from app.handlers.admin import audit

DELETED = "The post was deleted"


async def removing_post(session: AsyncSession, admin: User, tweet_id: int) -> None:
    """Call before the delete, in its transaction (the tweet's row is locked)."""
    author_id, content = (
        await session.execute(select(Tweet.author_id, Tweet.content).where(Tweet.id == tweet_id))
    ).one()
    await session.execute(
        update(Report)
        .where(Report.tweet_id == tweet_id, Report.resolved_at.is_(None))
        .values(resolved_at=func.now(), resolved_by=admin.id, resolution=DELETED)
    )
    await audit.record(
        session,
        admin,
        "delete_post",
        "post",
        tweet_id,
        {"author_id": [author_id, None], "content": [content, None]},
    )
