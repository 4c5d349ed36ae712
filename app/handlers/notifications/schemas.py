from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.handlers.shared.schemas import MAX_ID, Ok, UserRef

NotificationType = Literal["reply", "mention", "like", "follow"]


class NotificationOut(BaseModel):
    id: Annotated[int, Field(description="Grows with each new notification of yours")]
    type: NotificationType
    actor: Annotated[UserRef, Field(description="Who replied, mentioned, liked or followed")]
    tweet_id: Annotated[
        int | None,
        Field(description="The reply, the mentioning tweet or the liked tweet; null for a follow"),
    ]
    created_at: datetime
    read: bool


class NotificationList(Ok):
    notifications: Annotated[list[NotificationOut], Field(description="Newest first")]
    unread_count: int


class UnreadCount(Ok):
    unread_count: int


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"up_to_id": 42}]})

    # strict: `true` or "42" is a client's mistake, not an id.
    up_to_id: Annotated[
        int,
        Field(
            ge=1,
            le=MAX_ID,
            strict=True,
            description="Your notifications with this id or a smaller one become read",
        ),
    ]
