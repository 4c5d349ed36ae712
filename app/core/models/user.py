from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Identity, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models.base import Base, CreatedAtMixin

if TYPE_CHECKING:
    from app.core.models.tweet import Tweet


class User(CreatedAtMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Unique, lower case (app/core/handles.py); every handle a person ever had is
    # also in user_handles, so none passes to someone else while its owner exists.
    handle: Mapped[str] = mapped_column(String(30))
    # SHA-256 of the api key; the key itself is shown once and never stored.
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_admin: Mapped[bool] = mapped_column(default=False, server_default="false")
    # False: deactivated by an administrator (their key answers 401, their sessions
    # are gone, they are out of the directory); their posts stay.
    active: Mapped[bool] = mapped_column(default=True, server_default="true")
    # Given by an administrator (or the identity provider): how sign-in finds them.
    # Unique whatever the case (ix_users_email_lower).
    email: Mapped[str | None] = mapped_column(String(254))
    # The name as the directory searches it, in one script (app/core/name_keys.py),
    # kept by a trigger (migration 0010); never loaded with the row.
    name_key: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)

    tweets: Mapped[list["Tweet"]] = relationship(back_populates="author", lazy="raise")

    __table_args__ = (
        # As PostgreSQL prints it back (tests/test_migrations.py compares).
        CheckConstraint(r"handle::text ~ '^[a-z0-9_.]{3,30}$'::text", name="handle_format"),
        Index("ix_users_handle", "handle", unique=True),
        Index(
            "ix_users_handle_trgm",
            "handle",
            postgresql_using="gin",
            postgresql_ops={"handle": "gin_trgm_ops"},
        ),
        # Names in either script (app/core/name_keys.py).
        Index(
            "ix_users_name_key_trgm",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ),
        # The directory's order (see BY_NAME in app/handlers/users/actions.py).
        Index("ix_users_lower_name_id", text("lower(name)"), "id"),
        Index("ix_users_email_lower", text("lower(email)"), unique=True),
    )
