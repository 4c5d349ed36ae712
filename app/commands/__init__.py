"""Command line: `python -m app serve | users create NAME | users list | users rotate-key ID |
demo | migrate | media cleanup | backup DEST | backup --verify SRC | restore SRC`.

One module a command group, each adding its commands and options to the parser
(`add_commands`) and holding the functions that run them: serve.py (with
first_admin.py), users.py, demo.py, migrate.py, media.py, backup.py; shared.py has
what several use. Each command is one function taking its parsed arguments and the
settings; argparse picks it (`set_defaults(func=...)`). The benchmark has a command
line of its own, `python -m bench`, run by `run_command` here too."""

import argparse
import sys
from collections.abc import Callable

from app.backup.manifest import BackupError
from app.commands import backup, demo, media, migrate, serve, users
from app.commands.first_admin import AdminKeyFileFailed
from app.core.config import Settings, SettingsError, load_settings
from app.core.embedded_images import ImageSaverFailed
from app.core.exceptions import ServiceUnavailable


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Corporate microblog")
    commands = parser.add_subparsers(dest="command", required=True)
    # In this order in --help.
    for group in (serve, users, media, demo, migrate, backup):
        group.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(_parser(), argv)


Command = Callable[[argparse.Namespace, Settings], int]


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse `argv`, read the settings and run the command the parser chose (each
    subcommand sets `func`, a `Command`); failures we expect end with one line."""
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    command: Command = args.func
    try:
        return command(args, settings)
    except (ImageSaverFailed, BackupError, AdminKeyFileFailed) as error:
        print(error, file=sys.stderr)
    except ServiceUnavailable as error:
        print(f"Stopped: {error.message}", file=sys.stderr)
    return 1
