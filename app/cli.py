"""Command line: `python -m app serve | users create NAME | users list | users rotate-key ID |
demo | migrate | media cleanup | backup DEST | backup --verify SRC | restore SRC`. Each
command is one function taking its parsed arguments and the settings; argparse picks it
(`set_defaults(func=...)`). The
benchmark has a command line of its own: `python -m bench`."""

import argparse
import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import TypeVar

from pydantic import SecretStr
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.backup import run as backups
from app.backup.manifest import BackupError
from app.core import logs, migrations
from app.core.config import Settings, SettingsError, load_settings
from app.core.database import create_engine, create_sessionmaker, database_url
from app.core.embedded_images import ImageSaverFailed, image_saver_running
from app.core.exceptions import NotFound, ServiceUnavailable
from app.core.image_service import ImageService
from app.core.models import User
from app.demo import load_demo
from app.handlers.users import actions as user_actions
from app.workers.media_janitor import CleanupReport, MediaJanitor

T = TypeVar("T")


def _run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction, committed when it returns."""

    async def runner() -> T:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def _prepare(settings: Settings) -> Settings:
    """Start the embedded database if needed and bring the schema up to date."""
    url = database_url(settings)
    migrations.upgrade(url)
    return settings.model_copy(update={"database_url": url})


@contextmanager
def _image_service(settings: Settings, announce: bool = False) -> Iterator[Settings]:
    """The settings with an image_saver to talk to: the configured one, or one started here."""
    if settings.image_saver_url:
        yield settings
        return
    images_dir = settings.data_dir / "images"
    # Its access log would repeat every picture request the app logs already.
    level = "debug" if settings.log_level == "debug" else "warning"
    with image_saver_running(
        images_dir, max_upload_bytes=settings.max_upload_bytes, log_level=level
    ) as running:
        if announce:
            print(
                f"image_saver is running at {running.url}, storing under {images_dir}",
                flush=True,
            )
        yield settings.model_copy(
            update={"image_saver_url": running.url, "image_saver_token": SecretStr(running.token)}
        )


# Several app containers starting on an empty database make one administrator, not several.
_BOOTSTRAP_LOCK = 0x6D62_0001


class AdminKeyFileFailed(Exception):
    """The first administrator's key could not be written where --admin-key-file says."""


def _write_private(path: Path, text: str) -> None:
    """`text` in a new file at `path` that only this user may read; the file appears
    whole or not at all, replacing one there before."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # Made 0600 from the start (the umask can only take rights away), never widened.
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(text + "\n")
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)


async def _bootstrap_admin(session: AsyncSession, key_file: Path | None) -> str | None:
    await session.execute(select(func.pg_advisory_xact_lock(_BOOTSTRAP_LOCK)))
    if await session.scalar(select(exists().select_from(User))):
        return None
    _, api_key = await user_actions.create_user(session, "Administrator", is_admin=True)
    if key_file is not None:
        # Before the commit: a key nobody can read is no administrator; the next
        # start tries again.
        try:
            _write_private(key_file, api_key)
        except OSError as error:
            raise AdminKeyFileFailed(
                f"Stopped: cannot write the administrator's api key to {key_file}: "
                f"{error.strerror or error}"
            ) from error
    return api_key


def _exit_on_sigterm() -> None:
    """Turn SIGTERM (docker stop, systemd, kill) into a normal exit.

    uvicorn shuts down gracefully on SIGTERM and then raises it again; without a
    handler that ends the process on the spot, skipping the cleanup that stops
    image_saver and the embedded database.
    """

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    _exit_on_sigterm()
    with _image_service(_prepare(settings), announce=True) as ready:
        _serve(ready, args, max(1, args.workers))
    return 0


def _forget_old_metrics() -> None:
    """Counts of an earlier run in PROMETHEUS_MULTIPROC_DIR would be added to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.path.isdir(folder):
        for old in Path(folder).glob("*.db"):
            old.unlink(missing_ok=True)


@contextmanager
def _settings_for_workers(settings: Settings) -> Iterator[None]:
    """Worker processes read their settings from the environment: hand them what was
    worked out here (the embedded database, the image_saver started here), and a
    folder where their metrics meet, so /metrics counts for all of them."""
    given = {
        "DATABASE_URL": settings.database_url,
        "IMAGE_SAVER_URL": settings.image_saver_url,
        "IMAGE_SAVER_TOKEN": settings.image_saver_token.get_secret_value(),
    }
    os.environ.update({name: value for name, value in given.items() if value})
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="microblog-metrics-") as metrics_dir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        yield


def _announce_admin(api_key: str, key_file: Path | None, host: str, port: int) -> None:
    if key_file is None:
        where = f"Their api key is shown only now:\n\n    {api_key}\n"
    else:
        # Logs are kept and shipped around; the key stays out of them.
        where = (
            f"Their api key is in {key_file}, which only this user may read.\n"
            "Keep it somewhere safe, then delete that file.\n"
        )
    print(
        f"\nCreated the first administrator. {where}\n"
        f"Open http://{host}:{port}/docs, press Authorize, paste it, and create people\n"
        "with POST /api/users (or: python3 dev.py users create NAME).\n",
        flush=True,
    )


def _serve(settings: Settings, args: argparse.Namespace, workers: int) -> None:
    _forget_old_metrics()  # before prometheus_client is imported and opens its files
    import uvicorn

    from app.main import create_app

    host: str = args.host
    port: int = args.port
    key_file: Path | None = args.admin_key_file and args.admin_key_file.absolute()
    admin_key = _run_in_session(settings, lambda session: _bootstrap_admin(session, key_file))
    if admin_key:
        _announce_admin(admin_key, key_file, host, port)
    if args.demo:
        print(_load_demo(settings), flush=True)
    options = {
        "host": host,
        "port": port,
        "log_level": settings.log_level,
        "log_config": logs.uvicorn_config(settings.log_level),
        # app.observability writes one JSON line per request, with its id.
        "access_log": False,
        "proxy_headers": True,
        # On SIGTERM, requests under way get this long to finish.
        "timeout_graceful_shutdown": 25,
        # Always given: left out, uvicorn would read WEB_CONCURRENCY itself, over --workers.
        "workers": workers,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    with _settings_for_workers(settings):
        uvicorn.run("app.main:create_app", factory=True, **options)  # type: ignore[arg-type]


def users_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.handlers.users.schemas import UserCreate

    admin: bool = args.admin
    try:
        clean = UserCreate(name=args.name).name
    except ValueError as error:
        print(f"Invalid name: {error}", file=sys.stderr)
        return 2
    settings = _prepare(settings)
    user, api_key = _run_in_session(
        settings, lambda session: user_actions.create_user(session, clean, is_admin=admin)
    )
    role = "administrator" if user.is_admin else "user"
    print(f"Created {role} {user.id} ({user.name}). Api key, shown only now:")
    print(api_key)
    return 0


def users_rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    user_id: int = args.user_id
    try:
        user, api_key = _run_in_session(
            _prepare(settings), lambda session: user_actions.rotate_api_key(session, user_id)
        )
    except NotFound as error:
        print(error.message, file=sys.stderr)
        return 1
    print(f"New api key of {user.id} ({user.name}); the old one no longer works. Shown only now:")
    print(api_key)
    return 0


def users_list(_args: argparse.Namespace, settings: Settings) -> int:
    async def fetch(session: AsyncSession) -> list[User]:
        return list(await session.scalars(select(User).order_by(User.id)))

    users = _run_in_session(_prepare(settings), fetch)
    print(f"{'id':>6}  {'admin':5}  {'created (UTC)':16}  name")
    for user in users:
        created = user.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        print(f"{user.id:>6}  {'yes' if user.is_admin else '':5}  {created:16}  {user.name}")
    return 0


def _load_demo(settings: Settings) -> str:
    """The demo data set, its pictures stored by the image_saver in `settings`."""

    async def load(session: AsyncSession) -> str:
        images = ImageService.connect(settings)
        try:
            return await load_demo(session, images)
        finally:
            await images.aclose()

    return _run_in_session(settings, load)


def demo(_args: argparse.Namespace, settings: Settings) -> int:
    with _image_service(_prepare(settings)) as ready:
        print(_load_demo(ready))
    return 0


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

    with _image_service(_prepare(settings)) as ready:
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


def migrate(_args: argparse.Namespace, settings: Settings) -> int:
    _prepare(settings)
    print("The database schema is up to date.")
    return 0


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
    with _image_service(_located(settings)) as ready:
        manifest = backups.backup(ready, folder)
    print(f"Backed up into {folder}: {_summary(manifest)}.")
    return 0


def restore(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.path)
    with _image_service(_located(settings)) as ready:
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Corporate microblog")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="start the service (API and web app)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve_cmd.add_argument(
        "--demo", action="store_true", help="load demo data into an empty database"
    )
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=os.environ.get("WEB_CONCURRENCY") or "1",  # checked as an int, too
        help="worker processes answering requests (default: WEB_CONCURRENCY, else 1)",
    )
    serve_cmd.add_argument(
        "--admin-key-file",
        type=Path,
        metavar="PATH",
        help="write the api key of the first administrator (made on the first start) to "
        "this file, readable only by this user, instead of printing it",
    )
    serve_cmd.set_defaults(func=serve)

    users = commands.add_parser("users", help="manage people").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create a person and print their api key")
    create.add_argument("name")
    create.add_argument("--admin", action="store_true", help="may create other people")
    create.set_defaults(func=users_create)
    users.add_parser("list", help="list everyone").set_defaults(func=users_list)
    rotate = users.add_parser(
        "rotate-key", help="give a person a new api key; the old one stops working at once"
    )
    rotate.add_argument("user_id", type=int, metavar="ID", help="their id (see users list)")
    rotate.set_defaults(func=users_rotate_key)

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

    commands.add_parser("demo", help="load demo data into an empty database").set_defaults(
        func=demo
    )
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=migrate)

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
