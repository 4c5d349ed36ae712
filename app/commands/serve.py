"""`python -m app serve`: the API and web app under uvicorn, with the embedded
database and image_saver when none is configured, one or several worker processes."""

import argparse
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.commands.demo import load_demo_data
from app.commands.first_admin import announce_admin, bootstrap_admin
from app.commands.shared import Subcommands, image_service, prepare, run_in_session
from app.core import logs
from app.core.config import Settings


def add_commands(commands: Subcommands) -> None:
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
    with image_service(prepare(settings), announce=True) as ready:
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


def _serve(settings: Settings, args: argparse.Namespace, workers: int) -> None:
    _forget_old_metrics()  # before prometheus_client is imported and opens its files
    import uvicorn

    from app.main import create_app

    host: str = args.host
    port: int = args.port
    key_file: Path | None = args.admin_key_file and args.admin_key_file.absolute()
    admin_key = run_in_session(settings, lambda session: bootstrap_admin(session, key_file))
    if admin_key:
        announce_admin(admin_key, key_file, host, port)
    if args.demo:
        print(load_demo_data(settings), flush=True)
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
