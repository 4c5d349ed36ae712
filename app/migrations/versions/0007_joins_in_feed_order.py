"""Conversations joined, in the feed's order: each conversation_joins row carries its
conversation start's (likes_count, created_at), kept by triggers, so the feed reads
each followed person's joined conversations best first from an index (0008), as it
reads their own posts, instead of looking up every conversation they ever joined.

- A row takes its start's key when it is written; none is written for a start that
  is gone.
- A start's likes_count (or created_at) changing updates its rows, in the same
  transaction (usually none or a few: one per person who replied in it).
- A start deleted takes its rows with it.

conversation_joins is new (0005) and small; tweets only gains triggers. The locks
are taken at once, in the order writers take them (tweets, then conversation_joins),
so this waits for writers and never deadlocks with them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = {
    # name: (table, when and for which rows, function body)
    "give_join_its_start_key": (
        "conversation_joins",
        "BEFORE INSERT",
        """
        -- FOR SHARE: a like or a deletion of the start under way finishes first (and
        -- this reads what it left); one coming later waits for this row to be
        -- committed, and then updates or deletes it too. Without it, a like racing
        -- a reply could leave the new row with the old count.
        SELECT likes_count, created_at INTO NEW.likes_count, NEW.started_at
        FROM tweets WHERE id = NEW.conversation_id FOR SHARE;
        IF NOT FOUND THEN
            RETURN NULL;  -- the start is gone: nothing to show in a feed
        END IF;
        RETURN NEW;
        """,
    ),
    "keep_joins_in_start_order": (
        "tweets",
        "AFTER UPDATE OF likes_count, created_at",
        """
        IF NEW.reply_to IS NULL AND (NEW.likes_count, NEW.created_at)
                IS DISTINCT FROM (OLD.likes_count, OLD.created_at) THEN
            UPDATE conversation_joins
            SET likes_count = NEW.likes_count, started_at = NEW.created_at
            WHERE conversation_id = NEW.id;
        END IF;
        RETURN NULL;
        """,
    ),
    "drop_joins_of_deleted_start": (
        "tweets",
        "AFTER DELETE",
        """
        IF OLD.reply_to IS NULL THEN
            DELETE FROM conversation_joins WHERE conversation_id = OLD.id;
        END IF;
        RETURN NULL;
        """,
    ),
}


def upgrade() -> None:
    op.execute("LOCK TABLE tweets IN SHARE ROW EXCLUSIVE MODE")
    op.execute("LOCK TABLE conversation_joins IN ACCESS EXCLUSIVE MODE")
    op.add_column(
        "conversation_joins",
        sa.Column("likes_count", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "conversation_joins",
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(
        "UPDATE conversation_joins SET likes_count = tweets.likes_count, "
        "started_at = tweets.created_at FROM tweets "
        "WHERE tweets.id = conversation_joins.conversation_id"
    )
    op.execute("DELETE FROM conversation_joins WHERE started_at IS NULL")
    op.create_check_constraint(
        op.f("ck_conversation_joins_started_at_present"),
        "conversation_joins",
        "started_at IS NOT NULL",
        postgresql_not_valid=True,
    )
    op.execute(
        "ALTER TABLE conversation_joins VALIDATE CONSTRAINT "
        "ck_conversation_joins_started_at_present"
    )
    op.alter_column("conversation_joins", "started_at", nullable=False)
    op.drop_constraint(
        op.f("ck_conversation_joins_started_at_present"), "conversation_joins", type_="check"
    )
    for name, (table, when, body) in _TRIGGERS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    for name, (table, _, _) in reversed(_TRIGGERS.items()):
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(f"DROP FUNCTION {name}()")
    op.drop_column("conversation_joins", "started_at")
    op.drop_column("conversation_joins", "likes_count")
