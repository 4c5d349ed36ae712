from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.handlers.shared.schemas import MAX_ID, Liker, Ok, TweetOut

MAX_MEDIA_PER_TWEET = 4


class TweetCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"tweet_data": "Hello, colleagues!", "tweet_media_ids": []}]
        }
    )

    tweet_data: Annotated[
        str, Field(description="The text; trimmed, 1 … MAX_TWEET_LENGTH characters")
    ]
    # Some existing clients send null for "no pictures".
    tweet_media_ids: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
        Field(
            max_length=MAX_MEDIA_PER_TWEET,
            description="Up to 4 of your own uploads not yet attached to a tweet",
        ),
    ] = None
    reply_to: Annotated[
        int | None,
        Field(
            ge=1,
            le=MAX_ID,
            description="The id of the tweet this one answers (404 if it does not exist "
            "or was deleted); omitted or null: a new conversation",
        ),
    ] = None


class TweetEdit(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tweet_data": "Hello, colleagues!"}]}
    )

    tweet_data: Annotated[
        str,
        Field(description="The new text; trimmed, 1 … MAX_TWEET_LENGTH characters, as a new post"),
    ]


class TweetVersionOut(BaseModel):
    content: str
    edited_at: Annotated[
        datetime,
        Field(description="When this text was written: the post's creation, or an earlier edit"),
    ]
    replaced_at: Annotated[datetime, Field(description="When an edit replaced this text")]


class TweetHistory(Ok):
    versions: Annotated[
        list[TweetVersionOut],
        Field(description="The post's earlier texts, newest first (none if never edited)"),
    ]


class TweetCreated(Ok):
    tweet_id: int


class LikerList(Ok):
    likes: list[Liker]


class TweetOne(Ok):
    tweet: TweetOut


class Thread(Ok):
    ancestors: Annotated[
        list[TweetOut],
        Field(
            description="The posts the tweet answers, oldest first: its conversation's "
            "start (if not deleted), then the chain of replies down to the tweet's parent. "
            "Where a tweet's `reply_to` is not the id of the tweet before it, posts are "
            "missing: deleted (`reply_to_deleted` true) or beyond 100 ancestors"
        ),
    ]
    tweet: TweetOut
    replies: Annotated[
        list[TweetOut],
        Field(
            description="The first page of its direct replies (as "
            "`GET /api/tweets/{id}/replies` with no offset and limit)"
        ),
    ]
