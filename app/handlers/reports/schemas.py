from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.handlers.shared.schemas import Ok, TweetOut, UserRef
from app.handlers.shared.text import clean_text

MAX_REASON_LENGTH = 500


def _reason(value: str) -> str:
    return clean_text(value, max_length=MAX_REASON_LENGTH, what="The reason", multiline=True)


def _resolution(value: str) -> str:
    if not value.strip():
        return ""
    return clean_text(value, max_length=MAX_REASON_LENGTH, what="The note", multiline=True)


class ReportIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Shares a customer's data"}]}
    )

    reason: Annotated[
        str,
        AfterValidator(_reason),
        Field(max_length=4 * MAX_REASON_LENGTH, description="Why, 1 … 500 characters"),
    ]


class ReportCreated(Ok):
    report_id: int


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: Annotated[
        str,
        AfterValidator(_resolution),
        Field(max_length=4 * MAX_REASON_LENGTH, description="A note, up to 500 characters"),
    ] = ""
    delete_tweet: Annotated[bool, Field(description="Also delete the post")] = False


class ReportOut(BaseModel):
    id: int
    reason: str
    created_at: datetime
    reporter: UserRef
    tweet: Annotated[TweetOut | None, Field(description="null: the post was deleted")]
    resolved_at: datetime | None
    resolved_by: UserRef | None
    resolution: str | None


class ReportList(Ok):
    reports: list[ReportOut]
    open_count: Annotated[int, Field(description="Open reports in all")]


Status = Literal["open", "resolved"]
