"""Command line: `python -m image_saver serve [--host H] [--port P]`."""

import argparse
import os
import signal
import sys
import threading
import time

from image_saver.config import SettingsError, load_settings


def _exit_with_parent(parent_pid: int) -> None:
    """Stop when the process that started us is gone, even if it was killed outright."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m image_saver", description="Image service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the image service")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=9000, help="port to listen on")
    serve.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2

    import uvicorn

    from image_saver.main import create_app

    if args.parent_pid:
        _exit_with_parent(args.parent_pid)
    # One process, always: uvicorn would otherwise take WEB_CONCURRENCY (which `serve`
    # passes on to us with the rest of its environment) as a number of workers, and
    # refuse to run an application object in several.
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=settings.log_level,
        workers=1,
    )
    return 0
