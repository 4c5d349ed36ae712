"""Conversations: handles, replies, mentions, who joined a conversation, notifications.

Only catalogue changes on the big tables, a moment each: tweets gain nullable
columns and a constant default (no rewrite) with a check added NOT VALID; 0006
validates it and builds the indexes, concurrently. The users table is small: its
handles are filled in here, in the same transaction.

Triggers keep what must never drift: `replies_count`, the conversation a reply
belongs to, and the notifications (written, withdrawn and announced by NOTIFY on
the `microblog_events` channel, which live updates listen to):

    n:<user>:<notification id>   a new notification for <user>
    c:<user>                     <user>'s unread count changed otherwise
    f:<author>:<tweet id>        <author> started a conversation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core import handles
from app.core.migrations import Triggers, create_triggers, drop_triggers

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)

_TRIGGERS: Triggers = {
    # name: (table, when, function body)
    "start_or_join_conversation": (
        "tweets",
        "BEFORE INSERT",
        """
        IF NEW.reply_to IS NULL THEN
            NEW.conversation_id := NEW.id;
        ELSE
            SELECT coalesce(conversation_id, id) INTO NEW.conversation_id
            FROM tweets WHERE id = NEW.reply_to;
            IF NEW.conversation_id IS NULL THEN
                RAISE EXCEPTION 'tweet % does not exist', NEW.reply_to
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
        END IF;
        RETURN NEW;
        """,
    ),
    "count_and_announce_new_tweet": (
        "tweets",
        "AFTER INSERT",
        """
        IF NEW.reply_to IS NULL THEN
            PERFORM pg_notify('microblog_events', 'f:' || NEW.author_id || ':' || NEW.id);
            RETURN NULL;
        END IF;
        UPDATE tweets SET replies_count = replies_count + 1 WHERE id = NEW.reply_to
        RETURNING author_id INTO parent_author;
        INSERT INTO conversation_joins (user_id, conversation_id)
        VALUES (NEW.author_id, NEW.conversation_id) ON CONFLICT DO NOTHING;
        IF parent_author <> NEW.author_id THEN
            INSERT INTO notifications (user_id, type, actor_id, tweet_id)
            VALUES (parent_author, 'reply', NEW.author_id, NEW.id) ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
        """,
    ),
    "uncount_deleted_reply": (
        "tweets",
        "AFTER DELETE",
        """
        IF OLD.reply_to IS NOT NULL THEN
            UPDATE tweets SET replies_count = replies_count - 1 WHERE id = OLD.reply_to;
        END IF;
        RETURN NULL;
        """,
    ),
    "notify_mentioned": (
        "mentions",
        "AFTER INSERT",
        """
        -- After the reply's own notification: a reply that also mentions its
        -- parent's author notifies them once.
        INSERT INTO notifications (user_id, type, actor_id, tweet_id)
        SELECT NEW.user_id, 'mention', author_id, NEW.tweet_id FROM tweets
        WHERE id = NEW.tweet_id AND author_id <> NEW.user_id
        ON CONFLICT DO NOTHING;
        RETURN NULL;
        """,
    ),
    "notify_liked": (
        "likes",
        "AFTER INSERT",
        """
        INSERT INTO notifications (user_id, type, actor_id, tweet_id)
        SELECT author_id, 'like', NEW.user_id, NEW.tweet_id FROM tweets
        WHERE id = NEW.tweet_id AND author_id <> NEW.user_id
        ON CONFLICT DO NOTHING;
        RETURN NULL;
        """,
    ),
    "withdraw_like_notification": (
        "likes",
        "AFTER DELETE",
        """
        -- A tweet being deleted is gone already here: its notifications cascade.
        DELETE FROM notifications
        WHERE user_id = (SELECT author_id FROM tweets WHERE id = OLD.tweet_id)
          AND type = 'like' AND actor_id = OLD.user_id AND tweet_id = OLD.tweet_id
          AND NOT read;
        RETURN NULL;
        """,
    ),
    "notify_followed": (
        "follows",
        "AFTER INSERT",
        """
        INSERT INTO notifications (user_id, type, actor_id)
        VALUES (NEW.followee_id, 'follow', NEW.follower_id) ON CONFLICT DO NOTHING;
        RETURN NULL;
        """,
    ),
    "withdraw_follow_notification": (
        "follows",
        "AFTER DELETE",
        """
        DELETE FROM notifications
        WHERE user_id = OLD.followee_id AND type = 'follow' AND actor_id = OLD.follower_id
          AND tweet_id IS NULL AND NOT read;
        RETURN NULL;
        """,
    ),
    "announce_notification": (
        "notifications",
        "AFTER INSERT",
        """
        PERFORM pg_notify('microblog_events', 'n:' || NEW.user_id || ':' || NEW.id);
        RETURN NULL;
        """,
    ),
    "announce_unread_count": (
        "notifications",
        "AFTER DELETE OR UPDATE OF read",
        """
        -- Identical notifications in one transaction are sent once.
        PERFORM pg_notify('microblog_events', 'c:' || OLD.user_id);
        RETURN NULL;
        """,
    ),
}


def _handles_for_everyone() -> None:
    bind = op.get_bind()
    taken: set[str] = set()
    chosen = []
    for user_id, name in bind.execute(sa.text("SELECT id, name FROM users ORDER BY id")):
        handle = handles.first_free(handles.base_for(name), taken.__contains__)
        taken.add(handle)
        chosen.append({"id": user_id, "handle": handle})
    if chosen:
        bind.execute(sa.text("UPDATE users SET handle = :handle WHERE id = :id"), chosen)


def upgrade() -> None:
    # Every lock this transaction needs, at once and in one order: a writer holding
    # `likes` and waiting for `tweets` (a like) while this held `tweets` and waited for
    # `likes` would be a deadlock. This way the migration only waits, up to its
    # lock_timeout (shorter than the deadlock check), and is the one that gives way.
    op.execute("LOCK TABLE users, tweets IN ACCESS EXCLUSIVE MODE")
    op.execute("LOCK TABLE likes, follows IN SHARE ROW EXCLUSIVE MODE")
    op.add_column("users", sa.Column("handle", sa.String(30), nullable=True))
    _handles_for_everyone()
    op.create_check_constraint(
        op.f("ck_users_handle_format"),
        "users",
        r"handle ~ '^[a-z0-9_.]{3,30}$'",
        postgresql_not_valid=True,
    )
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_handle_format")
    op.create_check_constraint(
        op.f("ck_users_handle_present"), "users", "handle IS NOT NULL", postgresql_not_valid=True
    )
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_handle_present")
    op.alter_column("users", "handle", nullable=False)
    op.drop_constraint(op.f("ck_users_handle_present"), "users", type_="check")

    op.create_table(
        "user_handles",
        sa.Column("handle", sa.String(30), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("handle", name="pk_user_handles"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_handles_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_user_handles_user_id", "user_handles", ["user_id"])
    op.execute("INSERT INTO user_handles (handle, user_id) SELECT handle, id FROM users")

    op.add_column("tweets", sa.Column("reply_to", sa.BigInteger(), nullable=True))
    op.add_column("tweets", sa.Column("conversation_id", sa.BigInteger(), nullable=True))
    op.add_column(
        "tweets", sa.Column("replies_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_tweets_replies_count_not_negative"),
        "tweets",
        "replies_count >= 0",
        postgresql_not_valid=True,
    )  # validated by 0006, without holding writes up

    op.create_table(
        "mentions",
        sa.Column("tweet_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tweet_id", "user_id", name="pk_mentions"),
        sa.ForeignKeyConstraint(
            ["tweet_id"], ["tweets.id"], name="fk_mentions_tweet_id_tweets", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_mentions_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_mentions_user_id", "mentions", ["user_id", "tweet_id"])

    op.create_table(
        "conversation_joins",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "conversation_id", name="pk_conversation_joins"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_conversation_joins_user_id_users",
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("tweet_id", sa.BigInteger(), nullable=True),
        sa.Column("read", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_notifications_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name="fk_notifications_actor_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tweet_id"],
            ["tweets.id"],
            name="fk_notifications_tweet_id_tweets",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "type IN ('reply', 'mention', 'like', 'follow')",
            name=op.f("ck_notifications_type_known"),
        ),
        sa.CheckConstraint("user_id <> actor_id", name=op.f("ck_notifications_not_self")),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", sa.text("id DESC")])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id", "id"],
        postgresql_where=sa.text("NOT read"),
    )
    op.create_index(
        "ix_notifications_one_per_reaction",
        "notifications",
        ["user_id", "type", "actor_id", "tweet_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
        postgresql_where=sa.text("type IN ('like', 'follow')"),
    )
    op.create_index(
        "ix_notifications_one_per_tweet",
        "notifications",
        ["user_id", "tweet_id"],
        unique=True,
        postgresql_where=sa.text("type IN ('reply', 'mention')"),
    )
    op.create_index("ix_notifications_actor_id", "notifications", ["actor_id"])
    op.create_index("ix_notifications_tweet_id", "notifications", ["tweet_id"])

    create_triggers(_TRIGGERS, declare="parent_author bigint;")


def downgrade() -> None:
    drop_triggers(_TRIGGERS)
    op.drop_table("notifications")
    op.drop_table("conversation_joins")
    op.drop_table("mentions")
    op.drop_constraint(op.f("ck_tweets_replies_count_not_negative"), "tweets", type_="check")
    op.drop_column("tweets", "replies_count")
    op.drop_column("tweets", "conversation_id")
    op.drop_column("tweets", "reply_to")
    op.drop_table("user_handles")
    op.drop_constraint(op.f("ck_users_handle_format"), "users", type_="check")
    op.drop_column("users", "handle")
