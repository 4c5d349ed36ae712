"""Every change that ends an api key is announced, whoever makes it: a new key, a
person deactivated or reactivated, or removed, by the app, the CLI or plain SQL.

Each process remembers whose a key is (app/core/owners.py) and forgets it when it
hears `k:<user>` on the live-updates channel. The app announces its own changes; this
trigger makes sure nothing else (an operator's UPDATE, a script) leaves a process
trusting a key that no longer works. (An announcement made twice in one transaction,
by the app and by this trigger, is delivered once.)

Creating a trigger takes users' SHARE ROW EXCLUSIVE lock for a moment: it holds up
changes to people, not posts, likes or follows (their foreign-key checks take a
lesser lock that does not conflict).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from app.core.migrations import Triggers, create_triggers, drop_triggers

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel app/live/listener.py listens on (a migration keeps its own copy: it
# describes the schema as it was written).
_TRIGGERS: Triggers = {
    "announce_key_changes": (
        "users",
        "AFTER UPDATE OF api_key_hash, active OR DELETE",
        """
        IF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('microblog_events', 'k:' || OLD.id);
        ELSIF OLD.api_key_hash IS DISTINCT FROM NEW.api_key_hash
              OR OLD.active IS DISTINCT FROM NEW.active THEN
            PERFORM pg_notify('microblog_events', 'k:' || NEW.id);
        END IF;
        RETURN NULL;
        """,
    ),
}


def upgrade() -> None:
    create_triggers(_TRIGGERS)


def downgrade() -> None:
    drop_triggers(_TRIGGERS)
