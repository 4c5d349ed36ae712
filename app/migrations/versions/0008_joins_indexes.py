"""Conversations joined, in the feed's order (0007), built concurrently: each
person's joined conversations best first, for the feed's per-author plan; and who
joined a conversation, for the feed's walk and for keeping 0007's copies of the
start's key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa

from app.core.migrations import create_index_concurrently, drop_index_concurrently

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_index_concurrently(
        "ix_conversation_joins_feed_order",
        "conversation_joins",
        [
            "user_id",
            sa.text("likes_count DESC"),
            sa.text("started_at DESC"),
            sa.text("conversation_id DESC"),
        ],
    )
    create_index_concurrently(
        "ix_conversation_joins_conversation_id",
        "conversation_joins",
        ["conversation_id", "user_id"],
    )


def downgrade() -> None:
    drop_index_concurrently("ix_conversation_joins_conversation_id", "conversation_joins")
    drop_index_concurrently("ix_conversation_joins_feed_order", "conversation_joins")
