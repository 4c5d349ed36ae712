"""`python -m app backup DEST | backup --verify SRC | restore SRC [--force]`: the
command line of app/backup/, where the work is done."""

import argparse
from pathlib import Path

from app.backup import run as backups
from app.commands.shared import Subcommands, image_service
from app.core.config import Settings
from app.core.database import database_url


def add_commands(commands: Subcommands) -> None:
    backup_cmd = commands.add_parser(
        "backup", help="write a backup of the database and every picture into a new folder"
    )
    backup_cmd.add_argument(
        "path", metavar="DEST", help="a new or empty folder (with --verify: the backup to check)"
    )
    backup_cmd.add_argument(
        "--verify", action="store_true", help="check the backup in SRC instead of making one"
    )
    backup_cmd.set_defaults(func=backup)
    restore_cmd = commands.add_parser(
        "restore", help="restore a backup into an empty database and image store"
    )
    restore_cmd.add_argument("path", metavar="SRC", help="the backup's folder")
    restore_cmd.add_argument(
        "--force", action="store_true", help="replace what the database and store hold"
    )
    restore_cmd.set_defaults(func=restore)


def _located(settings: Settings) -> Settings:
    """The settings with the database to use (the embedded one started), not migrated:
    a backup takes the schema as it is, a restore brings its own."""
    return settings.model_copy(update={"database_url": database_url(settings)})


def backup(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.path)
    if args.verify:
        manifest = backups.verify(settings, folder)
        print(f"The backup in {folder} is whole: {_summary(manifest)}.")
        return 0
    with image_service(_located(settings)) as ready:
        manifest = backups.backup(ready, folder)
    print(f"Backed up into {folder}: {_summary(manifest)}.")
    return 0


def restore(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.path)
    with image_service(_located(settings)) as ready:
        manifest = backups.restore(ready, folder, force=args.force)
    print(f"Restored from {folder}: {_summary(manifest)}; the schema is up to date.")
    return 0


def _summary(manifest: backups.Manifest) -> str:
    rows = ", ".join(f"{count} {table}" for table, count in sorted(manifest.counts.items()))
    size = sum(picture.size for picture in manifest.pictures)
    return (
        f"schema revision {manifest.schema_revision}, {rows}; "
        f"{len(manifest.pictures)} pictures ({size} bytes), taken {manifest.created_at}"
    )
