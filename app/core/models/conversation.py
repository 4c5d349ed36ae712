"""What conversations add: handles on record, mentions, who joined a conversation,
and notifications. Triggers (migration 0005) write notifications and announce
them, so no code path can forget one."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, CreatedAtMixin


class UserHandle(CreatedAtMixin, Base):
    """Every handle a person has had: none goes to anyone else while they exist."""

    __tablename__ = "user_handles"

    handle: Mapped[str] = mapped_column(String(30), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Mention(Base):
    """`@handle` in a tweet, resolved to the person when the tweet was written."""

    __tablename__ = "mentions"

    tweet_id: Mapped[int] = mapped_column(
        ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Order of first appearance in the text.
    position: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (Index("ix_mentions_user_id", "user_id", "tweet_id"),)


class ConversationJoin(CreatedAtMixin, Base):
    """Someone replied in a conversation: it shows in their followers' feeds."""

    __tablename__ = "conversation_joins"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(primary_key=True)
    # The start's likes_count and created_at, kept by triggers (migration 0007): the
    # feed reads each person's joined conversations best first from an index.
    likes_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_conversation_joins_feed_order",
            "user_id",
            text("likes_count DESC"),
            text("started_at DESC"),
            text("conversation_id DESC"),
        ),
        # Who joined a conversation: the feed's walk, and the triggers.
        Index("ix_conversation_joins_conversation_id", "conversation_id", "user_id"),
    )


NOTIFICATION_TYPES = ("reply", "mention", "like", "follow")


class Notification(CreatedAtMixin, Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    # Who is notified.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The reply, the mentioning tweet or the liked tweet; NULL for a follow.
    tweet_id: Mapped[int | None] = mapped_column(ForeignKey("tweets.id", ondelete="CASCADE"))
    read: Mapped[bool] = mapped_column(default=False, server_default="false")

    __table_args__ = (
        # As PostgreSQL prints it back (tests/test_migrations.py compares).
        CheckConstraint(
            "type::text = ANY (ARRAY['reply'::character varying, 'mention'::character varying, "
            "'like'::character varying, 'follow'::character varying]::text[])",
            name="type_known",
        ),
        CheckConstraint("user_id <> actor_id", name="not_self"),
        # The list, newest first; and the unread count, an index-only count.
        Index("ix_notifications_user_id_id", "user_id", text("id DESC")),
        Index("ix_notifications_unread", "user_id", "id", postgresql_where=text("NOT read")),
        # One notification per event: a like, a follow; one per tweet for a reply or
        # mention (a reply that also mentions its parent's author notifies once).
        Index(
            "ix_notifications_one_per_reaction",
            "user_id",
            "type",
            "actor_id",
            "tweet_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
            postgresql_where=text("type IN ('like', 'follow')"),
        ),
        Index(
            "ix_notifications_one_per_tweet",
            "user_id",
            "tweet_id",
            unique=True,
            postgresql_where=text("type IN ('reply', 'mention')"),
        ),
        # Cascades from a removed person or tweet.
        Index("ix_notifications_actor_id", "actor_id"),
        Index("ix_notifications_tweet_id", "tweet_id"),
    )
