"""What a client must know to check input before sending it: the configured limits."""

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from app.core import exceptions as exc
from app.handlers.deps import SettingsDep
from app.handlers.media.schemas import PICTURE_TYPES
from app.handlers.shared.schemas import Ok
from app.handlers.tweets.schemas import MAX_MEDIA_PER_TWEET
from app.web.openapi import errors

router = APIRouter(prefix="/api", tags=["limits"])


class Limits(Ok):
    max_tweet_length: Annotated[int, Field(description="Characters, after trimming")]
    max_media_per_tweet: int
    max_upload_bytes: int
    picture_types: Annotated[list[str], Field(description="Accepted upload types")]
    likers_per_tweet: Annotated[
        int,
        Field(description="Likers listed with each tweet of a page (0: all); the rest by paging"),
    ]


@router.get(
    "/limits",
    responses=errors(exc.TooManyRequests),
    summary="The limits on tweets and uploads (no api key needed)",
)
async def limits(settings: SettingsDep) -> Limits:
    return Limits(
        max_tweet_length=settings.max_tweet_length,
        max_media_per_tweet=MAX_MEDIA_PER_TWEET,
        max_upload_bytes=settings.max_upload_bytes,
        picture_types=list(PICTURE_TYPES),
        likers_per_tweet=settings.likers_per_tweet,
    )
