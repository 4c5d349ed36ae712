from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Identity, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models.base import Base, CreatedAtMixin

if TYPE_CHECKING:
    from app.core.models.tweet import Tweet


class Media(CreatedAtMixin, Base):
    """An uploaded picture; the bytes live in image_saver under `storage_key`."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # NULL until the upload is attached to a tweet.
    tweet_id: Mapped[int | None] = mapped_column(
        ForeignKey("tweets.id", ondelete="CASCADE"), index=True
    )
    # Not unique: the same picture uploaded twice is one stored file.
    storage_key: Mapped[str] = mapped_column(String(128), index=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)

    tweet: Mapped["Tweet | None"] = relationship(back_populates="media", lazy="raise")

    __table_args__ = (
        # Finds uploads never attached to a tweet, for cleanup.
        Index(
            "ix_media_unattached_created_at",
            "created_at",
            postgresql_where=text("tweet_id IS NULL"),
        ),
    )


class FileDeletion(CreatedAtMixin, Base):
    """A stored file whose last media row is gone: image_saver should delete it.

    Rows come from a trigger on every media delete (a tweet deleted, an upload
    expired, a person removed), so no path can forget one. A row stays until
    image_saver has confirmed the delete, which makes a failed delete a retry
    rather than a file kept forever.
    """

    __tablename__ = "file_deletions"

    storage_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_attempt_at: Mapped[datetime | None]
    # Not to be deleted before then: set while an upload of the file is under way.
    not_before: Mapped[datetime | None]
