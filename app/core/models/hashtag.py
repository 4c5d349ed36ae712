from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base


class TweetHashtag(Base):
    """A hashtag of a tweet (app/core/hashtags.py), filed when the tweet is written,
    with the tweet's author and time copied so that a tag's page and what is trending
    are read from this table's indexes alone."""

    __tablename__ = "tweet_hashtags"

    tweet_id: Mapped[int] = mapped_column(
        ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(Text, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # A tag's posts, newest first.
        Index(
            "ix_tweet_hashtags_tag_newest", "tag", text("created_at DESC"), text("tweet_id DESC")
        ),
        # Trending: the window's rows, read from the index alone.
        Index("ix_tweet_hashtags_recent", "created_at", "tag", "author_id"),
    )
