"""What administrators do to people: create them, give them a new key, change them,
deactivate and reactivate them. Every action is written to the audit log."""

from typing import Any

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import sessions
from app.core.exceptions import Conflict, ValidationFailed
from app.core.models import User
from app.handlers.admin import audit
from app.handlers.admin.schemas import ManagedPerson
from app.handlers.shared.db_actions import get_user
from app.handlers.users import actions, handles
from app.handlers.users.schemas import UserChange
from app.live import announce

PERSON = "person"


def _fields(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "handle": user.handle,
        "email": user.email,
        "is_admin": user.is_admin,
        "active": user.active,
    }


async def create(
    session: AsyncSession,
    actor: User | None,
    name: str,
    *,
    is_admin: bool = False,
    handle: str | None = None,
    email: str | None = None,
    api_key: str | None = None,
) -> tuple[User, str]:
    """A new person and their api key (shown once); 409 if the handle or e-mail is taken."""
    if email is not None:
        await _check_email_free(session, email, None)
    user, api_key = await actions.create_user(
        session, name, is_admin=is_admin, handle=handle, api_key=api_key
    )
    user.email = email
    await session.flush()
    await audit.record(
        session, actor, "create_person", PERSON, user.id, audit.changed({}, _fields(user))
    )
    return user, api_key


async def rotate_key(session: AsyncSession, actor: User | None, user_id: int) -> tuple[User, str]:
    user, api_key = await actions.rotate_api_key(session, user_id)
    await audit.record(session, actor, "rotate_key", PERSON, user_id)
    return user, api_key


async def change(session: AsyncSession, actor: User | None, user_id: int, body: UserChange) -> User:
    """Apply the fields sent; 409 for a handle or e-mail someone else has, or for
    leaving no active administrator. Deactivating ends the person's sessions and live
    streams at once."""
    wanted = body.model_dump(exclude_unset=True)
    if not wanted:
        raise ValidationFailed("Send at least one of name, handle, email, is_admin, active")
    for field in ("name", "handle", "is_admin", "active"):
        if field in wanted and wanted[field] is None:
            raise ValidationFailed(f"{field} cannot be null", field=field)
    user = await get_user(session, user_id)
    before = _fields(user)
    if wanted.get("is_admin") is False or wanted.get("active") is False:
        await _keep_an_administrator(session, user)
    if "email" in wanted and wanted["email"] is not None:
        await _check_email_free(session, wanted["email"], user.id)
    if "handle" in wanted and handles.checked(wanted["handle"]) != user.handle:
        await handles.claim(session, user, wanted["handle"])
    for field in ("name", "email", "is_admin", "active"):
        if field in wanted:
            setattr(user, field, wanted[field])
    await session.flush()
    changes = audit.changed(before, _fields(user))
    if "active" in changes:
        action = "reactivate" if user.active else "deactivate"
        if not user.active:
            await sessions.end(session, user.id)
        await announce.credentials_changed(session, user.id)
    else:
        action = "change_person"
    if changes:
        await audit.record(session, actor, action, PERSON, user.id, changes)
    return user


async def _keep_an_administrator(session: AsyncSession, user: User) -> None:
    """409 if `user` is the last active administrator. The active administrators'
    rows are locked first, so two administrators demoting each other at once cannot
    both succeed."""
    if not (user.is_admin and user.active):
        return
    admins = await session.scalars(
        select(User.id).where(User.is_admin, User.active).order_by(User.id).with_for_update()
    )
    if set(admins) <= {user.id}:
        raise Conflict(
            "This is the last active administrator: make someone else an administrator first"
        )


async def _check_email_free(session: AsyncSession, email: str, user_id: int | None) -> None:
    owner = await session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if owner is not None and owner != user_id:
        raise Conflict(f"The e-mail {email} is someone else's")


def _list_statement(query: str | None, active: bool | None) -> Select[Any]:
    statement = select(User)
    if active is not None:
        statement = statement.where(User.active == active)
    if query:
        text = query.lower().removeprefix("@")
        for special in ("\\", "%", "_"):
            text = text.replace(special, "\\" + special)
        pattern = literal(f"%{text}%")
        statement = statement.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.handle.like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    return statement.order_by(*actions.BY_NAME)


async def listing(
    session: AsyncSession, query: str | None, active: bool | None, offset: int, limit: int
) -> list[ManagedPerson]:
    """Everyone, the deactivated too, by name; `query` a fragment of a name, handle or e-mail."""
    users = await session.scalars(_list_statement(query, active).offset(offset).limit(limit))
    return [ManagedPerson.model_validate(user) for user in users]
