"""Running an installation: people's `active` flag and e-mail, web sign-in sessions,
the audit log, reports, announcements, and edited posts' earlier versions.

Never holds the writes of the big table up for more than a moment: the new columns
are nullable or have a constant default (a catalogue change, no rewrite), the new
tables are new, a trigger keeps notifications from deactivated people, the one index
on an existing table is built concurrently, and every statement commits on its own
(see upgrade). Every step may run again (IF NOT EXISTS, OR REPLACE), so an upgrade
interrupted anywhere picks up there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.core.migrations import Triggers, create_index_concurrently, create_triggers, drop_triggers

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.text("now()")

# A deactivated person gets no notifications (whatever trigger or code makes them);
# one primary-key probe per notification.
_TRIGGERS: Triggers = {
    "no_notifications_for_deactivated": (
        "notifications",
        "BEFORE INSERT",
        """
        IF NOT (SELECT active FROM users WHERE id = NEW.user_id) THEN
            RETURN NULL;
        END IF;
        RETURN NEW;
        """,
    ),
}


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False)


def _reference(
    table: str, column: str, to: str, *, nullable: bool, ondelete: str
) -> sa.Column[int]:
    """A foreign key column, its constraint named as the models' convention names it."""
    key = sa.ForeignKey(f"{to}.id", ondelete=ondelete, name=f"fk_{table}_{column}_{to}")
    return sa.Column(column, sa.BigInteger(), key, nullable=nullable)


def upgrade() -> None:
    # Each statement its own transaction (autocommit), holding one table's lock for a
    # moment: in one transaction, the migration would hold users' lock while asking
    # for tweets', and a post holding tweets' while asking for users' (its foreign
    # key) would wait for it in turn: every try would give way, for as long as people
    # write (tests/test_migrations_under_load.py saw minutes). Every step may run
    # again, so an interruption anywhere is picked up on the next try.
    with op.get_context().autocommit_block():
        op.execute(
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS active boolean DEFAULT true NOT NULL"
        )
        op.execute("ALTER TABLE users ADD COLUMN IF NOT EXISTS email varchar(254)")
        op.execute("ALTER TABLE tweets ADD COLUMN IF NOT EXISTS edited_at timestamptz")
        op.create_table(
            "web_sessions",
            _id(),
            sa.Column("token_hash", sa.String(64), nullable=False),
            _reference("web_sessions", "user_id", "users", nullable=False, ondelete="CASCADE"),
            sa.Column(
                "last_seen_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False
            ),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("user_agent", sa.String(300), server_default="", nullable=False),
            sa.Column("address", sa.String(64), server_default="", nullable=False),
            sa.Column(
                "created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False
            ),
            sa.PrimaryKeyConstraint("id", name="pk_web_sessions"),
            sa.UniqueConstraint("token_hash", name="uq_web_sessions_token_hash"),
            if_not_exists=True,
        )
        op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"], if_not_exists=True)
        op.create_index(
            "ix_web_sessions_expires_at", "web_sessions", ["expires_at"], if_not_exists=True
        )
        op.create_table(
            "oidc_logins",
            sa.Column("state", sa.String(64), nullable=False),
            sa.Column("nonce", sa.String(64), nullable=False),
            sa.Column("code_verifier", sa.String(128), nullable=False),
            sa.Column("return_to", sa.String(300), server_default="/", nullable=False),
            sa.Column(
                "created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False
            ),
            sa.PrimaryKeyConstraint("state", name="pk_oidc_logins"),
            if_not_exists=True,
        )
        op.create_index(
            "ix_oidc_logins_created_at", "oidc_logins", ["created_at"], if_not_exists=True
        )
        op.create_table(
            "audit_log",
            _id(),
            sa.Column("at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
            _reference("audit_log", "actor_id", "users", nullable=True, ondelete="SET NULL"),
            sa.Column("action", sa.String(40), nullable=False),
            sa.Column("target_type", sa.String(20), nullable=False),
            sa.Column("target_id", sa.BigInteger(), nullable=True),
            sa.Column(
                "changes",
                postgresql.JSONB(),
                server_default=sa.text("'{}'::jsonb"),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
            if_not_exists=True,
        )
        op.create_table(
            "reports",
            _id(),
            _reference("reports", "tweet_id", "tweets", nullable=True, ondelete="SET NULL"),
            _reference("reports", "reporter_id", "users", nullable=False, ondelete="CASCADE"),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
            _reference("reports", "resolved_by", "users", nullable=True, ondelete="SET NULL"),
            sa.Column("resolution", sa.Text(), nullable=True),
            sa.Column(
                "created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False
            ),
            sa.PrimaryKeyConstraint("id", name="pk_reports"),
            if_not_exists=True,
        )
        op.create_index(
            "ix_reports_open",
            "reports",
            ["id"],
            postgresql_where=sa.text("resolved_at IS NULL"),
            if_not_exists=True,
        )
        op.create_index("ix_reports_tweet_id", "reports", ["tweet_id"], if_not_exists=True)
        op.create_index(
            "ix_reports_open_per_reporter",
            "reports",
            ["tweet_id", "reporter_id"],
            unique=True,
            postgresql_where=sa.text("resolved_at IS NULL"),
            if_not_exists=True,
        )
        op.create_table(
            "announcements",
            _id(),
            _reference("announcements", "author_id", "users", nullable=True, ondelete="SET NULL"),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column(
                "created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False
            ),
            sa.PrimaryKeyConstraint("id", name="pk_announcements"),
            if_not_exists=True,
        )
        op.create_table(
            "announcement_dismissals",
            _reference(
                "announcement_dismissals",
                "announcement_id",
                "announcements",
                nullable=False,
                ondelete="CASCADE",
            ),
            _reference(
                "announcement_dismissals", "user_id", "users", nullable=False, ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint(
                "announcement_id", "user_id", name="pk_announcement_dismissals"
            ),
            if_not_exists=True,
        )
        op.create_index(
            "ix_announcement_dismissals_user_id",
            "announcement_dismissals",
            ["user_id"],
            if_not_exists=True,
        )
        op.create_table(
            "tweet_versions",
            _id(),
            _reference("tweet_versions", "tweet_id", "tweets", nullable=False, ondelete="CASCADE"),
            sa.Column("content", sa.Text(), nullable=False),
            sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column(
                "replaced_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False
            ),
            sa.PrimaryKeyConstraint("id", name="pk_tweet_versions"),
            if_not_exists=True,
        )
        op.create_index(
            "ix_tweet_versions_tweet",
            "tweet_versions",
            ["tweet_id", sa.text("id DESC")],
            if_not_exists=True,
        )
        create_triggers(_TRIGGERS)
    create_index_concurrently(
        "ix_users_email_lower", "users", [sa.text("lower(email)")], unique=True
    )


def downgrade() -> None:
    drop_triggers(_TRIGGERS)
    for table in (
        "tweet_versions",
        "announcement_dismissals",
        "announcements",
        "reports",
        "audit_log",
        "oidc_logins",
        "web_sessions",
    ):
        op.drop_table(table)
    op.execute("DROP INDEX IF EXISTS ix_users_email_lower")
    op.execute("ALTER TABLE tweets DROP COLUMN edited_at")
    op.execute("ALTER TABLE users DROP COLUMN email")
    op.execute("ALTER TABLE users DROP COLUMN active")
