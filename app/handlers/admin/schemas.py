from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.handlers.shared.schemas import Ok, UserRef


class ManagedPerson(UserRef):
    model_config = ConfigDict(from_attributes=True)

    email: str | None
    is_admin: bool
    active: bool
    created_at: datetime


class ManagedPeople(Ok):
    users: list[ManagedPerson]


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: Annotated[
        UserRef | None, Field(description="Who did it; null: the command line, or someone removed")
    ]
    action: Annotated[
        str,
        Field(
            description="create_person, rotate_key, change_person, deactivate, reactivate, "
            "delete_post, resolve_report, publish_announcement, withdraw_announcement"
        ),
    ]
    target_type: Annotated[str, Field(description="person, post, report or announcement")]
    target_id: int | None
    changes: Annotated[
        dict[str, Any],
        Field(description="{field: [before, after]} for what changed; a deleted post's text"),
    ]


class AuditList(Ok):
    entries: list[AuditEntryOut]
