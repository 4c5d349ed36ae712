"""Uploaded pictures: storing, attaching to tweets, and who may see them."""

import logging
from collections.abc import AsyncIterable, Awaitable, Callable
from datetime import timedelta

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import (
    Conflict,
    NotFound,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from app.core.image_service import ImageService, Picture, StoredImage
from app.core.models import FileDeletion, Media, User
from app.handlers.media.locks import lock_stored_file
from app.workers.media_janitor import MediaJanitor

logger = logging.getLogger(__name__)

# Longer than image_saver can spend on one delete, its store's retries included.
DELETE_IN_DOUBT = timedelta(minutes=5)
# Longer than an upload can take from storing its file to writing its row (pool and
# statement timeouts): until then the cleanup leaves the file to the upload.
UPLOAD_UNDER_WAY = timedelta(minutes=5)


async def upload(
    session: AsyncSession,
    images: ImageService,
    janitor: MediaJanitor,
    owner: User,
    body: AsyncIterable[bytes],
    content_type: str,
    content_length: str | None,
) -> int:
    """Relay the upload to image_saver, then record it; returns the new media id."""
    if not content_type.startswith("multipart/form-data"):
        raise UnsupportedMediaType("Send the picture as multipart/form-data, in the field `file`")
    owner_id = owner.id
    # Nothing is written yet: give the pooled connection back while the bytes
    # stream in, so slow uploads cannot starve other requests of connections.
    await session.rollback()
    stored = await images.store(body, content_type, content_length, caller=owner_id)
    # Until this request commits its media row, the file counts as unused: should
    # the request fail from here on (the database away, the process killed), the
    # cleanup deletes it. The row below takes it off that list again.
    try:
        await janitor.queue_files([stored.key], not_before=UPLOAD_UNDER_WAY)
    except Exception:
        # Nothing will remember this file but `media cleanup --orphans`.
        logger.error("stored %s but could not queue it; the upload fails", stored.key)
        raise
    return await record(session, images, owner_id, stored)


async def record(
    session: AsyncSession,
    images: ImageService,
    owner_id: int,
    stored: StoredImage,
    tweet_id: int | None = None,
) -> int:
    """The media row of a picture image_saver has stored; returns its id."""
    await lock_stored_file(session, stored.key)
    # A delete of this file that timed out lately may still be carried out by
    # image_saver; until it surely is over, the file cannot be trusted to stay.
    in_doubt = await session.scalar(
        select(
            exists().where(
                FileDeletion.storage_key == stored.key,
                FileDeletion.last_attempt_at > func.now() - DELETE_IN_DOUBT,
            )
        )
    )
    # The same picture may have lost its last media row and been deleted between
    # storing it and taking the lock; under the lock, what we see now holds.
    if in_doubt or not await images.exists(stored.key):
        raise ServiceUnavailable(
            "The same picture was just being removed; upload it again in a few minutes"
        )
    await session.execute(delete(FileDeletion).where(FileDeletion.storage_key == stored.key))
    media_id: int = (
        await session.execute(
            insert(Media)
            .values(
                owner_id=owner_id,
                tweet_id=tweet_id,
                storage_key=stored.key,
                content_type=stored.content_type,
                size=stored.size,
            )
            .returning(Media.id)
        )
    ).scalar_one()
    return media_id


# Whose the request's api key is (None: nobody's, or no key), looked up only if asked.
Viewer = Callable[[], Awaitable[User | None]]


async def viewable(session: AsyncSession, media_id: int, viewer: Viewer) -> Media:
    """A picture anyone may see once it is in a tweet; before that, only its owner."""
    # An unposted upload is private: to anyone but its owner it does not exist.
    missing = NotFound(f"Media {media_id} does not exist")
    media = await session.get(Media, media_id)
    if media is None:
        raise missing
    if media.tweet_id is not None:
        return media  # the common case: who asks does not matter
    owner = await viewer()
    if owner is None or owner.id != media.owner_id:
        raise missing
    return media


async def read_picture(
    session: AsyncSession,
    images: ImageService,
    media_id: int,
    viewer: Viewer,
    if_none_match: str | None,
    method: str,
) -> tuple[bool, Picture]:
    """Whether the picture is in a tweet, and image_saver's answer for its bytes (or a
    304); 404 if the caller may not see it or its file is gone. The caller closes it."""
    media = await viewable(session, media_id, viewer)
    posted, key = media.tweet_id is not None, media.storage_key
    # Nothing is written: the pooled connection goes back before image_saver is asked.
    await session.rollback()
    picture = await images.read(key, if_none_match, method)
    if picture is None:
        raise NotFound(f"Media {media_id} does not exist")
    return posted, picture


async def attach(session: AsyncSession, owner: User, tweet_id: int, media_ids: list[int]) -> None:
    """Attach `owner`'s free uploads to a tweet, or raise and attach none."""
    if not media_ids:
        return
    if len(set(media_ids)) != len(media_ids):
        raise ValidationFailed("A media id is listed more than once", field="tweet_media_ids")
    # Lock the uploads, so two tweets racing for one upload cannot both take it.
    found = await session.scalars(select(Media).where(Media.id.in_(media_ids)).with_for_update())
    media = {item.id: item for item in found}
    for media_id in media_ids:
        item = media.get(media_id)
        if item is None or item.owner_id != owner.id:
            # Someone else's upload is reported as missing: ids reveal nothing.
            raise NotFound(f"Media {media_id} does not exist")
        if item.tweet_id is not None:
            raise Conflict(f"Media {media_id} is already attached to a tweet")
    await session.execute(update(Media).where(Media.id.in_(media_ids)).values(tweet_id=tweet_id))
