"""`python -m app migrate`: bring the database schema up to date (Alembic)."""

import argparse

from app.commands.shared import Subcommands, prepare
from app.core.config import Settings


def add_commands(commands: Subcommands) -> None:
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=migrate)


def migrate(_args: argparse.Namespace, settings: Settings) -> int:
    prepare(settings)
    print("The database schema is up to date.")
    return 0
