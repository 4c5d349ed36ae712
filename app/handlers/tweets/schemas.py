from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.handlers.shared.schemas import Liker, Ok

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
        list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None,
        Field(
            max_length=MAX_MEDIA_PER_TWEET,
            description="Up to 4 of your own uploads not yet attached to a tweet",
        ),
    ] = None


class TweetCreated(Ok):
    tweet_id: int


class LikerList(Ok):
    likes: list[Liker]
