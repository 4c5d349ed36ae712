from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Identity, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models.base import Base, CreatedAtMixin

if TYPE_CHECKING:
    from app.core.models.media import Media
    from app.core.models.user import User


class Tweet(CreatedAtMixin, Base):
    __tablename__ = "tweets"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(Text)
    # Kept exact by every like/unlike in the same transaction, so the feed
    # orders by a column instead of counting the likes table. (Removing a user
    # takes their likes back through a trigger: see migration 0001.)
    likes_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The tweet this answers; kept when that one is deleted ("the post this answers
    # was deleted"), hence no foreign key.
    reply_to: Mapped[int | None]
    # The post that started the conversation: this tweet's own id for a post that
    # answers none (set by a trigger; NULL only on tweets older than replies).
    conversation_id: Mapped[int | None]
    # Direct replies, kept exact by triggers on every insert and delete (migration 0005).
    replies_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last edit's time; NULL: never edited (earlier texts: tweet_versions).
    edited_at: Mapped[datetime | None]
    # The words of `content` as search finds them (configuration `microblog`) and the
    # day it was written, kept by a trigger (migration 0010); never loaded with the row.
    search: Mapped[Any | None] = mapped_column(TSVECTOR, deferred=True, deferred_raiseload=True)

    author: Mapped["User"] = relationship(back_populates="tweets", lazy="raise")
    media: Mapped[list["Media"]] = relationship(back_populates="tweet", lazy="raise")

    __table_args__ = (
        CheckConstraint("likes_count >= 0", name="likes_count_not_negative"),
        CheckConstraint("replies_count >= 0", name="replies_count_not_negative"),
        # The feed holds conversation starters only: each followed author's, most liked
        # first.
        Index(
            "ix_tweets_author_starters_feed_order",
            "author_id",
            text("likes_count DESC"),
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("reply_to IS NULL"),
        ),
        # The feed of someone following many: walk the global order (see
        # app/handlers/tweets/feed_sql.py).
        Index(
            "ix_tweets_starters_feed_order",
            text("likes_count DESC"),
            text("created_at DESC"),
            text("id DESC"),
            postgresql_include=["author_id"],
            postgresql_where=text("reply_to IS NULL"),
        ),
        # A tweet's direct replies, oldest first.
        Index(
            "ix_tweets_replies",
            "reply_to",
            "created_at",
            "id",
            postgresql_where=text("reply_to IS NOT NULL"),
        ),
        # A person's own tweets, newest first.
        Index("ix_tweets_author_newest", "author_id", text("created_at DESC"), text("id DESC")),
        # Search (app/handlers/search/ranking.py): the words, and the day of writing.
        Index("ix_tweets_search", "search", postgresql_using="gin"),
    )
