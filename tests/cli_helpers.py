"""Running `python -m app` (a command, or `serve`) as a separate process, as a person would."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from app.core.config import Settings
from app.core.embedded_images import free_port

ROOT = Path(__file__).resolve().parents[1]

# The child gets only the settings a test names: none from the developer's shell,
# and none from a `.env` (read from the working directory, so that is elsewhere).
_SETTINGS = {name.upper() for name in Settings.model_fields}
NEUTRAL_DIR = Path(tempfile.gettempdir())


def app_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SETTINGS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env | settings


def app_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def run_app(
    *args: str, settings: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        app_command(*args),
        cwd=NEUTRAL_DIR,
        env=app_env(**(settings or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# `serve` prints the first administrator's api key once, indented by four spaces.
ADMIN_KEY = re.compile(r"^\s{4}(\S{40,})$", re.MULTILINE)


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until `base`/health answers; fail with the log if the service exits or stalls."""
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text() if log.exists() else "exited"
        assert time.monotonic() < deadline, log.read_text() if log.exists() else "timeout"
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)


def start_serve(
    log: Path, *args: str, settings: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m app serve` with its output in `log`; return it and its base URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            app_command("serve", "--port", str(port), *args),
            cwd=NEUTRAL_DIR,
            env=app_env(**settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, log)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, base


def stop_serve(process: subprocess.Popen[bytes]) -> None:
    """Stop `serve` as Ctrl+C does (it then stops its image_saver and database)."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def image_saver_url(log: Path) -> str:
    """The image_saver that `serve` started, as its log announces it; it answers."""
    found = re.search(r"image_saver is running at (\S+),", log.read_text())
    assert found, log.read_text()
    url = found.group(1)
    assert httpx.get(f"{url}/health").status_code == 200
    return url


def stops_answering(url: str, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/health", timeout=1)
        except httpx.TransportError:
            return True
        time.sleep(0.2)
    return False
