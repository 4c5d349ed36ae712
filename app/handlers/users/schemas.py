import re
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


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value) or has_unprintable(value):
        raise ValueError("must be an e-mail address such as ann@example.com")
    return value


Email = Annotated[
    str,
    AfterValidator(_email),
    Field(max_length=300, description="How sign-in with the company account finds them; unique"),
]


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
    email: Email | None = None


class UserChange(BaseModel):
    """Only the fields sent change; `email` null removes the e-mail."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"handle": "alee"}, {"active": False}]}
    )

    name: PersonName | None = None
    handle: Annotated[
        str | None, Field(max_length=31, description="The new handle; the old one stays theirs")
    ] = None
    email: Email | None = None
    is_admin: Annotated[bool | None, Field(description="May administer the service")] = None
    active: Annotated[
        bool | None,
        Field(
            description="False deactivates: their key answers 401, their sessions end, they "
            "leave the directory; their posts stay. True reactivates"
        ),
    ] = None


class NewUser(UserRef):
    is_admin: bool
    email: str | None = None
    api_key: Annotated[str, Field(description="Shown only in this response; keep it safe")]


class UserCreatedOut(Ok):
    user: NewUser


def _absent(value: object) -> bool:
    return value is None


class Profile(UserRef):
    active: Annotated[bool, Field(description="False: deactivated, shown as a former member")] = (
        True
    )
    # Only for the person themself and administrators (absent for others).
    is_admin: Annotated[
        bool | None, Field(description="Only on your own profile, or to administrators")
    ] = Field(default=None, exclude_if=_absent)
    email: Annotated[
        str | None, Field(description="Only on your own profile, or to administrators")
    ] = Field(default=None, exclude_if=_absent)

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
