"""Notifications: the list, the unread count, marking read, and what live updates
fetch. Triggers (migration 0005) write and withdraw them; here they are only read,
and marked read. Every query is of the rows of the people it names."""

from collections.abc import Iterable

from sqlalchemy import BigInteger, RowMapping, bindparam, func, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.models import Notification, User
from app.handlers.notifications.schemas import NotificationOut
from app.handlers.shared.schemas import UserRef

# Live updates replay at most this many notifications a person missed, the newest.
REPLAY_LIMIT = 100

_WITH_ACTOR = select(
    Notification.id,
    Notification.user_id,
    Notification.type,
    Notification.tweet_id,
    Notification.created_at,
    Notification.read,
    User.name.label("actor_name"),
    User.handle.label("actor_handle"),
    Notification.actor_id,
).join(User, User.id == Notification.actor_id)

# As the partial index ix_notifications_unread says it, so that the planner uses it.
_UNREAD = ~Notification.read

_IDS = ARRAY(BigInteger)


def _shape(values: RowMapping) -> NotificationOut:
    return NotificationOut(
        id=values["id"],
        type=values["type"],
        actor=UserRef(
            id=values["actor_id"], name=values["actor_name"], handle=values["actor_handle"]
        ),
        tweet_id=values["tweet_id"],
        created_at=values["created_at"],
        read=values["read"],
    )


def _by_person(rows: Iterable[RowMapping]) -> dict[int, list[NotificationOut]]:
    found: dict[int, list[NotificationOut]] = {}
    for row in rows:
        found.setdefault(int(row["user_id"]), []).append(_shape(row))
    return found


# The person's notifications, newest first: a walk of ix_notifications_user_id_id.
PAGE = (
    _WITH_ACTOR.where(Notification.user_id == bindparam("user_id"))
    .order_by(Notification.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)


async def page(
    session: AsyncSession, user_id: int, offset: int, limit: int
) -> list[NotificationOut]:
    rows = await session.execute(PAGE, {"user_id": user_id, "offset": offset, "limit": limit})
    return [_shape(row) for row in rows.mappings()]


UNREAD_COUNT = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user_id"), _UNREAD)
)


async def unread_count(session: AsyncSession, user_id: int) -> int:
    """An index-only count on ix_notifications_unread: the web app asks often."""
    return int(await session.scalar(UNREAD_COUNT, {"user_id": user_id}) or 0)


async def mark_read(session: AsyncSession, user_id: int, up_to_id: int) -> None:
    """Mark the person's unread notifications with an id up to `up_to_id` read."""
    await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, _UNREAD, Notification.id <= up_to_id)
        .values(read=True)
    )


async def by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, list[NotificationOut]]:
    """These notifications (those still there) by the person notified, oldest first."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        _WITH_ACTOR.where(
            Notification.id == func.any(bindparam("ids", wanted, type_=_IDS))
        ).order_by(Notification.id)
    )
    return _by_person(rows.mappings())


async def missed(session: AsyncSession, after: dict[int, int]) -> dict[int, list[NotificationOut]]:
    """For each person: their notifications with an id greater than `after[person]`,
    the REPLAY_LIMIT newest of them, oldest first; one statement for everyone."""
    if not after:
        return {}
    people = list(after)
    wanted = (
        func.unnest(
            bindparam("people", people, type_=_IDS),
            bindparam("after", [after[person] for person in people], type_=_IDS),
        )
        .table_valued("person_id", "after_id")
        .render_derived("wanted")
    )
    newest = (
        _WITH_ACTOR.where(
            Notification.user_id == wanted.c.person_id, Notification.id > wanted.c.after_id
        )
        .order_by(Notification.id.desc())
        .limit(REPLAY_LIMIT)
        .lateral("newest")
    )
    rows = await session.execute(
        select(newest).select_from(wanted.join(newest, true())).order_by(newest.c.id)
    )
    return _by_person(rows.mappings())


async def unread_counts(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    """Each person's unread count (0 included) in one statement of index-only counts."""
    people = sorted(set(user_ids))
    if not people:
        return {}
    person = (
        func.unnest(bindparam("people", people, type_=_IDS))
        .table_valued("person_id")
        .render_derived("person")
    )
    count = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == person.c.person_id, _UNREAD)
        .scalar_subquery()
    )
    rows = await session.execute(select(person.c.person_id, count))
    return {int(user): int(n) for user, n in rows}


async def newest_id(session: AsyncSession, user_id: int) -> int:
    """The id of the person's newest notification, 0 if none (ix_notifications_user_id_id)."""
    found = await session.scalar(
        select(func.max(Notification.id)).where(Notification.user_id == user_id)
    )
    return int(found or 0)
