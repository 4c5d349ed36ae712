"""What running an installation keeps: web sign-in sessions, the audit log, reports
of posts, announcements, and the earlier versions of edited posts (migration 0011)."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, CreatedAtMixin


class WebSession(CreatedAtMixin, Base):
    """A browser signed in (docs/security.md, "Sessions"): the cookie holds a random
    token, the table only its SHA-256, as for api keys."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Refreshed at most once a minute (app/core/sessions.py): idle expiry counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    # The absolute end, whatever the activity (indexed: ended ones are deleted).
    expires_at: Mapped[datetime] = mapped_column(index=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="", server_default="")
    address: Mapped[str] = mapped_column(String(64), default="", server_default="")


class OidcLogin(CreatedAtMixin, Base):
    """A sign-in under way at the identity provider: what the callback must find.
    Deleted as the callback takes it, so a `state` works once."""

    __tablename__ = "oidc_logins"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    # Where the web app goes after signing in (a path of ours).
    return_to: Mapped[str] = mapped_column(String(300), default="/", server_default="/")

    # Abandoned sign-ins are deleted as new ones begin.
    __table_args__ = (Index("ix_oidc_logins_created_at", "created_at"),)


class AuditEntry(Base):
    """An administrative action: who, when, what, on what, and the changed fields."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    # NULL: the command line (python -m app users ...), or a person since removed.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None]
    # {"field": [before, after], ...}; for a deleted post, its text and author.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class Report(CreatedAtMixin, Base):
    """A person's report of a post, until an administrator resolves it."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    # Kept (NULL) when the post is deleted: the report and its resolution stay on record.
    tweet_id: Mapped[int | None] = mapped_column(ForeignKey("tweets.id", ondelete="SET NULL"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_reports_open", "id", postgresql_where=text("resolved_at IS NULL")),
        Index("ix_reports_tweet_id", "tweet_id"),
        # One open report of a post per person: reporting again changes nothing.
        Index(
            "ix_reports_open_per_reporter",
            "tweet_id",
            "reporter_id",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )


class Announcement(CreatedAtMixin, Base):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # NULL: until an administrator withdraws it.
    ends_at: Mapped[datetime | None]


class AnnouncementDismissal(Base):
    __tablename__ = "announcement_dismissals"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TweetVersion(Base):
    """A post's text before an edit."""

    __tablename__ = "tweet_versions"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    tweet_id: Mapped[int] = mapped_column(ForeignKey("tweets.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(Text)
    # When this text was written: the post's created_at for the first, else the edit's.
    written_at: Mapped[datetime]
    # When an edit replaced it.
    replaced_at: Mapped[datetime] = mapped_column(server_default=text("now()"))

    __table_args__ = (Index("ix_tweet_versions_tweet", "tweet_id", text("id DESC")),)
