"""Publishing, withdrawing, showing and dismissing announcements. Each is announced
on the live updates' channel as it commits (app/live/hub.py sends it to every open
stream)."""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core.exceptions import NotFound, ValidationFailed
from app.core.models import Announcement, AnnouncementDismissal, User
from app.handlers.admin import audit
from app.handlers.announcements.schemas import AnnouncementOut, AnnouncementStats
from app.handlers.shared.schemas import UserRef
from app.live import announce

# How many can be showing at once, at most, in anyone's banner.
SHOWN_AT_MOST = 20


def _showing() -> ColumnElement[bool]:
    return or_(Announcement.ends_at.is_(None), Announcement.ends_at > func.now())


def _out(found: Announcement) -> AnnouncementOut:
    return AnnouncementOut(
        id=found.id, text=found.text, created_at=found.created_at, ends_at=found.ends_at
    )


async def publish(
    session: AsyncSession, admin: User, text: str, ends_at: datetime | None
) -> AnnouncementOut:
    if ends_at is not None:
        if ends_at.tzinfo is None:
            raise ValidationFailed(
                "ends_at needs a time zone, e.g. 2026-12-12T18:00:00Z", field="ends_at"
            )
        if ends_at <= datetime.now(UTC):
            raise ValidationFailed("ends_at must be in the future", field="ends_at")
    found = Announcement(author_id=admin.id, text=text, ends_at=ends_at)
    session.add(found)
    await session.flush()
    await session.refresh(found, ["created_at"])
    await audit.record(
        session,
        admin,
        "publish_announcement",
        "announcement",
        found.id,
        {"text": [None, text], "ends_at": [None, None if ends_at is None else ends_at.isoformat()]},
    )
    await announce.announcement(session, found.id, published=True)
    return _out(found)


async def withdraw(session: AsyncSession, admin: User, announcement_id: int) -> None:
    found = await session.scalar(
        select(Announcement).where(Announcement.id == announcement_id).with_for_update()
    )
    if found is None:
        raise NotFound(f"Announcement {announcement_id} does not exist")
    await session.execute(delete(Announcement).where(Announcement.id == announcement_id))
    await audit.record(
        session,
        admin,
        "withdraw_announcement",
        "announcement",
        announcement_id,
        {"text": [found.text, None]},
    )
    await announce.announcement(session, announcement_id, published=False)


async def showing_to(session: AsyncSession, user: User) -> list[AnnouncementOut]:
    """Those showing now that the person has not dismissed, newest first."""
    dismissed = exists().where(
        AnnouncementDismissal.announcement_id == Announcement.id,
        AnnouncementDismissal.user_id == user.id,
    )
    found = await session.scalars(
        select(Announcement)
        .where(_showing(), ~dismissed)
        .order_by(Announcement.id.desc())
        .limit(SHOWN_AT_MOST)
    )
    return [_out(each) for each in found]


async def by_ids(session: AsyncSession, ids: Iterable[int]) -> list[AnnouncementOut]:
    """These announcements, those still showing, for the live streams."""
    found = await session.scalars(
        select(Announcement)
        .where(Announcement.id.in_(list(ids)), _showing())
        .order_by(Announcement.id)
    )
    return [_out(each) for each in found]


async def dismiss(session: AsyncSession, user: User, announcement_id: int) -> None:
    if (
        await session.scalar(select(Announcement.id).where(Announcement.id == announcement_id))
        is None
    ):
        raise NotFound(f"Announcement {announcement_id} does not exist")
    await session.execute(
        pg_insert(AnnouncementDismissal)
        .values(announcement_id=announcement_id, user_id=user.id)
        .on_conflict_do_nothing()
    )


async def all_with_counts(
    session: AsyncSession, offset: int, limit: int
) -> list[AnnouncementStats]:
    """Every announcement, newest first, with how many dismissed it (administrators)."""
    author = aliased(User)
    dismissed = (
        select(func.count())
        .where(AnnouncementDismissal.announcement_id == Announcement.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Announcement, author, dismissed, _showing())
        .outerjoin(author, author.id == Announcement.author_id)
        .order_by(Announcement.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        AnnouncementStats(
            **_out(found).model_dump(),
            author=None if by is None else UserRef(id=by.id, name=by.name, handle=by.handle),
            dismissed_count=count,
            active=showing,
        )
        for found, by, count, showing in rows
    ]
