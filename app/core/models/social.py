"""Likes and follows: one row per pair, so repeats are no-ops by construction."""

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, CreatedAtMixin


class Like(CreatedAtMixin, Base):
    __tablename__ = "likes"

    # (tweet_id, user_id) answers "did I like it"; user_id alone serves the cascade;
    # (tweet_id, created_at, user_id) lists a tweet's likers in order, a page at a time.
    tweet_id: Mapped[int] = mapped_column(
        ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (
        Index("ix_likes_user_id", "user_id"),
        Index("ix_likes_tweet_id_created_at", "tweet_id", "created_at", "user_id"),
    )


class Follow(CreatedAtMixin, Base):
    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followee_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (
        CheckConstraint("follower_id <> followee_id", name="no_self_follow"),
        Index("ix_follows_followee_id", "followee_id", "follower_id"),
    )
