"""Indexes for the feed at scale: the global feed order, and likers in order.

- tweets (likes_count DESC, created_at DESC, id DESC) INCLUDE (author_id): the feed
  of someone following many people walks this order and keeps their authors'
  tweets, an index-only scan that stops when the page is full.
- likes (tweet_id, created_at, user_id): a tweet in a listing shows its first few
  likers and the likers list pages through them; both read this in order and
  stop, instead of sorting every like of a popular tweet.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.migrations import create_index_concurrently

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_index_concurrently(
        "ix_tweets_feed_order",
        "tweets",
        [sa.text("likes_count DESC"), sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_include=["author_id"],
    )
    create_index_concurrently(
        "ix_likes_tweet_id_created_at", "likes", ["tweet_id", "created_at", "user_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_likes_tweet_id_created_at", table_name="likes")
    op.drop_index("ix_tweets_feed_order", table_name="tweets")
