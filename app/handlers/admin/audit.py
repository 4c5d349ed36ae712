"""The audit log: every administrative action, who did it, when, to what, and the
fields it changed (before and after). Written in the action's own transaction, so
an action is on record exactly when it happened."""

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core.models import AuditEntry, User
from app.handlers.admin.schemas import AuditEntryOut
from app.handlers.shared.schemas import UserRef

Changes = dict[str, Any]


def changed(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """{field: [before, after]} for the fields whose value differs."""
    return {
        field: [before.get(field), value]
        for field, value in after.items()
        if before.get(field) != value
    }


async def record(
    session: AsyncSession,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    changes: Changes | None = None,
) -> None:
    """`actor` None: the command line."""
    await session.execute(
        insert(AuditEntry).values(
            actor_id=None if actor is None else actor.id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            changes=changes or {},
        )
    )


async def entries(session: AsyncSession, offset: int, limit: int) -> list[AuditEntryOut]:
    """Newest first (the primary key's order: ids grow with time)."""
    actor = aliased(User)
    rows = await session.execute(
        select(AuditEntry, actor.id, actor.name, actor.handle)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .order_by(AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        AuditEntryOut(
            id=entry.id,
            at=entry.at,
            actor=None if actor_id is None else UserRef(id=actor_id, name=name, handle=handle),
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            changes=entry.changes,
        )
        for entry, actor_id, name, handle in rows
    ]
