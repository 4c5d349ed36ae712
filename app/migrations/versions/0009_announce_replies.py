"""Replies announced as they are written, for the threads people have open:

    r:<conversation>:<reply_to>:<tweet id>   a reply in <conversation>

(the other payloads: 0005). A new trigger on tweets: a moment's lock, no data.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from app.core.migrations import Triggers, create_triggers, drop_triggers

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS: Triggers = {
    "announce_reply": (
        "tweets",
        "AFTER INSERT",
        """
        IF NEW.reply_to IS NOT NULL THEN
            PERFORM pg_notify(
                'microblog_events',
                'r:' || NEW.conversation_id || ':' || NEW.reply_to || ':' || NEW.id
            );
        END IF;
        RETURN NULL;
        """,
    ),
}


def upgrade() -> None:
    create_triggers(_TRIGGERS)


def downgrade() -> None:
    drop_triggers(_TRIGGERS)
