"""Uploaded pictures and their attachment to tweets."""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import Conflict, NotFound, ValidationFailed
from app.core.models import Media, User


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
