"""Response pieces shared by several resources."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

# Ids are PostgreSQL bigints: anything above is refused with 422, never sent on.
MAX_ID = 2**63 - 1


class Ok(BaseModel):
    result: Literal[True] = True


class UserRef(BaseModel):
    id: int
    name: str
    handle: Annotated[str, Field(description="Unique; mention them as @handle")]


class AuthorRef(UserRef):
    """A tweet's author."""

    active: Annotated[
        bool,
        Field(
            description="False for someone an administrator deactivated: show their name "
            "marked as a former member"
        ),
    ]


class Liker(BaseModel):
    user_id: int
    name: str
    handle: str


class MentionRef(UserRef):
    """A person a tweet mentions, by their handle now (which may differ from the text)."""


class TweetOut(BaseModel):
    id: int
    content: str
    attachments: Annotated[list[str], Field(description="Image URLs for `<img src>`")]
    author: AuthorRef
    likes: list[Liker]
    likes_count: int
    created_at: datetime
    edited_at: Annotated[
        datetime | None,
        Field(
            description="When the text was last edited; null if never "
            "(`GET /api/tweets/{id}/history` lists the earlier texts)"
        ),
    ]
    reply_to: Annotated[
        int | None,
        Field(
            description="The tweet this one answers; null for a conversation's start. "
            "Kept when that tweet is deleted (see `reply_to_deleted`)"
        ),
    ]
    reply_to_deleted: Annotated[
        bool,
        Field(
            description="True when the tweet this one answers was deleted: show "
            '"the post this answers was deleted" in its place. Always false when '
            "`reply_to` is null"
        ),
    ]
    conversation_id: Annotated[
        int,
        Field(
            description="The id of the tweet that started the conversation (its own id for "
            "a conversation's start); that tweet may have been deleted"
        ),
    ]
    replies_count: Annotated[int, Field(description="Direct replies, exact")]
    mentions: Annotated[
        list[MentionRef],
        Field(
            description="The people mentioned as @handle, in order of first appearance "
            "(at most 10), each with their current handle"
        ),
    ]
    hashtags: Annotated[
        list[str],
        Field(
            description="The #hashtags of `content`, lower-cased, without `#`, in order of "
            "first appearance"
        ),
    ]


class TweetList(Ok):
    tweets: list[TweetOut]
