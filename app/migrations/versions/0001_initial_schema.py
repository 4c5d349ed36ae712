"""Initial schema: users, tweets, likes, follows, media.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def _created_at() -> sa.Column[datetime]:
    return sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    # Trigram index for the people search (`name ILIKE '%q%'`); a trusted extension.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("api_key_hash", sa.String(64), nullable=False),
        sa.Column("is_admin", sa.Boolean(), server_default="false", nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("api_key_hash", name="uq_users_api_key_hash"),
    )
    op.create_index("ix_users_lower_name_id", "users", [sa.text("lower(name)"), "id"])
    op.create_index(
        "ix_users_name_trgm",
        "users",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )

    op.create_table(
        "tweets",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("likes_count", sa.Integer(), server_default="0", nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_tweets"),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name="fk_tweets_author_id_users", ondelete="CASCADE"
        ),
        sa.CheckConstraint("likes_count >= 0", name=op.f("ck_tweets_likes_count_not_negative")),
    )
    op.create_index(
        "ix_tweets_author_feed_order",
        "tweets",
        ["author_id", sa.text("likes_count DESC"), sa.text("created_at DESC"), sa.text("id DESC")],
    )
    op.create_index(
        "ix_tweets_author_newest",
        "tweets",
        ["author_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )

    op.create_table(
        "likes",
        sa.Column("tweet_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("tweet_id", "user_id", name="pk_likes"),
        sa.ForeignKeyConstraint(
            ["tweet_id"], ["tweets.id"], name="fk_likes_tweet_id_tweets", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_likes_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_likes_user_id", "likes", ["user_id"])
    # The app keeps tweets.likes_count in step with each like and unlike. Removing
    # a person (no endpoint does; an administrator may, in SQL) cascades their
    # likes away below the app, so the counters they added are taken back here.
    op.execute(
        """
        CREATE FUNCTION forget_likes_of_removed_user() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE tweets SET likes_count = likes_count - 1
            WHERE id IN (SELECT tweet_id FROM likes WHERE user_id = OLD.id);
            RETURN OLD;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER forget_likes_of_removed_user BEFORE DELETE ON users"
        " FOR EACH ROW EXECUTE FUNCTION forget_likes_of_removed_user()"
    )

    op.create_table(
        "follows",
        sa.Column("follower_id", sa.BigInteger(), nullable=False),
        sa.Column("followee_id", sa.BigInteger(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("follower_id", "followee_id", name="pk_follows"),
        sa.ForeignKeyConstraint(
            ["follower_id"], ["users.id"], name="fk_follows_follower_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["followee_id"], ["users.id"], name="fk_follows_followee_id_users", ondelete="CASCADE"
        ),
        sa.CheckConstraint("follower_id <> followee_id", name=op.f("ck_follows_no_self_follow")),
    )
    op.create_index("ix_follows_followee_id", "follows", ["followee_id", "follower_id"])

    op.create_table(
        "media",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("tweet_id", sa.BigInteger(), nullable=True),
        sa.Column("storage_key", sa.String(128), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_media"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_media_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tweet_id"], ["tweets.id"], name="fk_media_tweet_id_tweets", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_media_owner_id", "media", ["owner_id"])
    op.create_index("ix_media_tweet_id", "media", ["tweet_id"])
    op.create_index(
        "ix_media_unattached_created_at",
        "media",
        ["created_at"],
        postgresql_where=sa.text("tweet_id IS NULL"),
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER forget_likes_of_removed_user ON users")
    op.execute("DROP FUNCTION forget_likes_of_removed_user()")
    for table in ("media", "follows", "likes", "tweets", "users"):
        op.drop_table(table)
