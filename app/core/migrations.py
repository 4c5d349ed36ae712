"""Apply the Alembic migrations from code (serve, CLI, tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]
# Held by the migrations' transaction (app/migrations/env.py): processes starting
# together on one database (two `serve`, app replicas) migrate one after the other,
# and the later ones find the schema up to date.
MIGRATIONS_LOCK = 0x6D62_0002


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
