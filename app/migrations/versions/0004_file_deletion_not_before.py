"""file_deletions.not_before: a file queued by an upload under way is not due yet.

An upload queues its freshly stored file as unused before it writes the media row,
so that a request failing in between leaves nothing behind for good. Until the
request is surely over, the cleanup must leave that file alone; the column says
until when. A nullable column without a default: a catalogue change only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "file_deletions", sa.Column("not_before", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("file_deletions", "not_before")
