from typing import TYPE_CHECKING

from sqlalchemy import Identity, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models.base import Base, CreatedAtMixin

if TYPE_CHECKING:
    from app.core.models.tweet import Tweet


class User(CreatedAtMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the api key; the key itself is shown once and never stored.
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_admin: Mapped[bool] = mapped_column(default=False, server_default="false")

    tweets: Mapped[list["Tweet"]] = relationship(back_populates="author", lazy="raise")

    __table_args__ = (
        Index(
            "ix_users_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
        # The directory's order (see BY_NAME in app/handlers/users/actions.py).
        Index("ix_users_lower_name_id", text("lower(name)"), "id"),
    )
