"""Starting image_saver beside the app, for `serve` when IMAGE_SAVER_URL is not set.

It runs as a separate process, exactly as in production, on a free local port
with a token made for this run, and stops with the app (even if the app is
killed outright: it watches its parent).
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
_STARTUP_SECONDS = 60


class ImageSaverFailed(Exception):
    """image_saver did not start; the message says why."""


@dataclass(frozen=True)
class RunningImageSaver:
    url: str
    token: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_image_saver(
    images_dir: Path,
    *,
    max_upload_bytes: int,
    log_level: str = "warning",
    port: int = 0,
    token: str = "",
) -> RunningImageSaver:
    """Start image_saver on 127.0.0.1 and wait until it answers."""
    token = token or secrets.token_urlsafe(32)
    port = port or free_port()
    env = os.environ | {
        "IMAGE_SAVER_TOKEN": token,
        "IMAGES_DIR": str(images_dir.resolve()),
        "MAX_UPLOAD_BYTES": str(max_upload_bytes),
        "LOG_LEVEL": log_level,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "image_saver", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--parent-pid", str(os.getpid())]
    process = subprocess.Popen(command, env=env)  # noqa: S603 - our own module; logs join ours
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + _STARTUP_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return RunningImageSaver(url, token, process)
        except httpx.TransportError:
            time.sleep(0.1)
    stop(process)
    raise ImageSaverFailed(
        f"image_saver did not start (exit code {process.returncode}); its messages are above"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def image_saver_running(
    images_dir: Path, *, max_upload_bytes: int, log_level: str
) -> Iterator[RunningImageSaver]:
    running = start_image_saver(images_dir, max_upload_bytes=max_upload_bytes, log_level=log_level)
    try:
        yield running
    finally:
        stop(running.process)
