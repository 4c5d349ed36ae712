"""`python -m app media cleanup [--orphans MINUTES]`: one pass of the media janitor
(app/workers/media_janitor.py), for cron."""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from app.commands.shared import Subcommands, T, image_service, prepare
from app.core.config import Settings
from app.core.database import create_engine, create_sessionmaker
from app.core.image_service import ImageService
from app.workers.media_janitor import CleanupReport, MediaJanitor


def add_commands(commands: Subcommands) -> None:
    media = commands.add_parser("media", help="manage uploaded pictures").add_subparsers(
        dest="media_command", required=True
    )
    cleanup = media.add_parser(
        "cleanup",
        help="remove uploads never attached to a tweet in UNATTACHED_MEDIA_TTL_MINUTES, "
        "and stored files no longer used",
    )
    cleanup.add_argument(
        "--orphans",
        type=int,
        metavar="MINUTES",
        help="also look through every stored file for ones no upload uses, older than "
        "MINUTES (left by an upload whose database write failed); reads the whole store",
    )
    cleanup.set_defaults(func=media_cleanup)


def _with_janitor(settings: Settings, work: Callable[[MediaJanitor], Awaitable[T]]) -> T:
    """Run `work` with a media janitor on the database and an image_saver."""

    async def runner(ready: Settings) -> T:
        engine = create_engine(ready)
        images = ImageService.connect(ready)
        try:
            return await work(MediaJanitor(create_sessionmaker(engine), images, ready))
        finally:
            await images.aclose()
            await engine.dispose()

    with image_service(prepare(settings)) as ready:
        return asyncio.run(runner(ready))


def media_cleanup(args: argparse.Namespace, settings: Settings) -> int:
    orphans_older_than_minutes: int | None = args.orphans

    async def cleanup(janitor: MediaJanitor) -> CleanupReport:
        orphans = None
        if orphans_older_than_minutes is not None:
            orphans = await janitor.queue_orphans(timedelta(minutes=orphans_older_than_minutes))
        report = await janitor.run()
        report.orphans_found = orphans
        return report

    report = _with_janitor(settings, cleanup)
    print(report)
    # Files left waiting means image_saver did not answer: a cron job should say so.
    return 1 if report.postponed_files else 0
