"""Response pieces shared by several resources."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class Ok(BaseModel):
    result: Literal[True] = True


class UserRef(BaseModel):
    id: int
    name: str
    handle: Annotated[str, Field(description="Unique; mention them as @handle")]


class Liker(BaseModel):
    user_id: int
    name: str
    handle: str


class TweetOut(BaseModel):
    id: int
    content: str
    attachments: Annotated[list[str], Field(description="Image URLs for `<img src>`")]
    author: UserRef
    likes: list[Liker]
    likes_count: int
    created_at: datetime


class TweetList(Ok):
    tweets: list[TweetOut]
