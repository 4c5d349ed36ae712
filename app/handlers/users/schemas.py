from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.handlers.shared.schemas import Ok, UserRef
from app.handlers.shared.text import clean_text, has_unprintable

MAX_NAME_LENGTH = 100


def _clean_name(value: str) -> str:
    return clean_text(value, max_length=MAX_NAME_LENGTH, what="The name", multiline=False)


PersonName = Annotated[str, AfterValidator(_clean_name)]


def _printable(value: str) -> str:
    if has_unprintable(value):
        raise ValueError("must not contain control characters or invalid unicode")
    return value


SearchText = Annotated[str, AfterValidator(_printable)]


class UserCreate(BaseModel):
    # A misspelt field (say "admin") must not be ignored silently.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Ann Lee"}]})

    name: Annotated[
        PersonName, Field(description="Display name, 1 … 100 characters; need not be unique")
    ]
    is_admin: Annotated[bool, Field(description="May create other people")] = False
    handle: Annotated[
        str | None,
        Field(
            max_length=31,
            description="Unique, 3 … 30 of a-z 0-9 _ . (a leading @ is dropped); "
            "derived from the name when left out",
        ),
    ] = None


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"handle": "alee"}]})

    handle: Annotated[str, Field(max_length=31, description="The new handle")]


class NewUser(UserRef):
    is_admin: bool
    api_key: Annotated[str, Field(description="Shown only in this response; keep it safe")]


class UserCreatedOut(Ok):
    user: NewUser


class Profile(UserRef):
    followers: Annotated[
        list[UserRef], Field(description="By name; all of them unless `people_limit` is given")
    ]
    following: Annotated[
        list[UserRef], Field(description="By name; all of them unless `people_limit` is given")
    ]
    followers_count: Annotated[int, Field(description="How many people follow them")]
    following_count: Annotated[int, Field(description="How many people they follow")]
    tweets_count: Annotated[int, Field(description="How many tweets they have posted")]


class PeopleList(Ok):
    users: list[UserRef]


class ProfileOut(Ok):
    user: Profile


class UserSummary(UserRef):
    followers_count: int
    following_count: int


class UserList(Ok):
    users: list[UserSummary]
