from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Identity, Index, String, text
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
        # Names in either script (app/core/name_keys.py; migration 0010).
        Index(
            "ix_users_people_key_trgm",
            text("people_key(name) gin_trgm_ops"),
            postgresql_using="gin",
        ),
        # The directory's order (see BY_NAME in app/handlers/users/actions.py).
        Index("ix_users_lower_name_id", text("lower(name)"), "id"),
    )
