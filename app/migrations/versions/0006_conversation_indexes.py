"""Conversations' indexes, built concurrently, and 0005's check validated: handles, and the feed's two orders
kept to conversation starters (the feed holds no reply on its own), replacing the
indexes over every tweet; and a tweet's replies in order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.migrations import create_index_concurrently, drop_index_concurrently

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FEED_ORDER = [sa.text("likes_count DESC"), sa.text("created_at DESC"), sa.text("id DESC")]
_STARTERS = sa.text("reply_to IS NULL")


def upgrade() -> None:
    # Reads the whole table under a lock that lets writes go on (0005 added it NOT VALID).
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE tweets VALIDATE CONSTRAINT ck_tweets_replies_count_not_negative")
    create_index_concurrently("ix_users_handle", "users", ["handle"], unique=True)
    create_index_concurrently(
        "ix_users_handle_trgm",
        "users",
        ["handle"],
        postgresql_using="gin",
        postgresql_ops={"handle": "gin_trgm_ops"},
    )
    create_index_concurrently(
        "ix_tweets_author_starters_feed_order",
        "tweets",
        ["author_id", *_FEED_ORDER],
        postgresql_where=_STARTERS,
    )
    create_index_concurrently(
        "ix_tweets_starters_feed_order",
        "tweets",
        _FEED_ORDER,
        postgresql_include=["author_id"],
        postgresql_where=_STARTERS,
    )
    create_index_concurrently(
        "ix_tweets_replies",
        "tweets",
        ["reply_to", "created_at", "id"],
        postgresql_where=sa.text("reply_to IS NOT NULL"),
    )
    drop_index_concurrently("ix_tweets_author_feed_order", "tweets")
    drop_index_concurrently("ix_tweets_feed_order", "tweets")


def downgrade() -> None:
    create_index_concurrently("ix_tweets_author_feed_order", "tweets", ["author_id", *_FEED_ORDER])
    create_index_concurrently(
        "ix_tweets_feed_order", "tweets", _FEED_ORDER, postgresql_include=["author_id"]
    )
    for name in (
        "ix_tweets_replies",
        "ix_tweets_starters_feed_order",
        "ix_tweets_author_starters_feed_order",
        "ix_users_handle_trgm",
        "ix_users_handle",
    ):
        drop_index_concurrently(name, "users" if "users" in name else "tweets")
