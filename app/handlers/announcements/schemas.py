from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.handlers.shared.schemas import Ok, UserRef
from app.handlers.shared.text import clean_text

MAX_ANNOUNCEMENT_LENGTH = 1000


def _text(value: str) -> str:
    return clean_text(
        value, max_length=MAX_ANNOUNCEMENT_LENGTH, what="The announcement", multiline=True
    )


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "The office is closed on Friday: https://intranet.example.com/news",
                    "ends_at": "2026-12-12T18:00:00Z",
                }
            ]
        },
    )

    text: Annotated[
        str,
        AfterValidator(_text),
        Field(
            max_length=4 * MAX_ANNOUNCEMENT_LENGTH, description="1 … 1,000 characters; links work"
        ),
    ]
    ends_at: Annotated[
        datetime | None,
        Field(description="When it stops showing (with a time zone); null: until withdrawn"),
    ] = None


class AnnouncementOut(BaseModel):
    id: int
    text: str
    created_at: datetime
    ends_at: datetime | None


class AnnouncementList(Ok):
    announcements: list[AnnouncementOut]


class AnnouncementCreated(Ok):
    announcement: AnnouncementOut


class AnnouncementStats(AnnouncementOut):
    author: UserRef | None
    dismissed_count: Annotated[int, Field(description="How many people have dismissed it")]
    active: Annotated[bool, Field(description="Showing now (not ended)")]


class AnnouncementStatsList(Ok):
    announcements: list[AnnouncementStats]
