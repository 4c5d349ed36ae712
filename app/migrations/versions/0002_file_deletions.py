"""Stored files to delete: a queue filled by a trigger on media deletes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.migrations import create_index_concurrently

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Is a stored file still used by another media row (the same picture twice)?
    create_index_concurrently("ix_media_storage_key", "media", ["storage_key"])
    op.create_table(
        "file_deletions",
        sa.Column("storage_key", sa.String(128), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", name="pk_file_deletions"),
    )
    # However a media row goes (its tweet deleted, an upload expired, its owner
    # removed), its file is queued for deletion in the same transaction.
    op.execute(
        """
        CREATE FUNCTION queue_file_of_removed_media() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO file_deletions (storage_key) VALUES (OLD.storage_key)
            ON CONFLICT DO NOTHING;
            RETURN OLD;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER queue_file_of_removed_media AFTER DELETE ON media"
        " FOR EACH ROW EXECUTE FUNCTION queue_file_of_removed_media()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER queue_file_of_removed_media ON media")
    op.execute("DROP FUNCTION queue_file_of_removed_media()")
    op.drop_index("ix_media_storage_key", table_name="media")
    op.drop_table("file_deletions")
