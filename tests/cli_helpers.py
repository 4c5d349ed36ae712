"""Running `python -m app` (a command, or `serve`) as a separate process, as a person would."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from app.core.config import Settings
from app.core.embedded_images import free_port
from tests.conftest import Person

ROOT = Path(__file__).resolve().parents[1]

# The child gets only the settings a test names: none from the developer's shell,
# and none from a `.env` (read from the working directory, so that is elsewhere).
_SETTINGS = {name.upper() for name in Settings.model_fields}
NEUTRAL_DIR = Path(tempfile.gettempdir())


def app_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SETTINGS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env | settings


def app_command(*args: str, module: str = "app") -> list[str]:
    return [sys.executable, "-m", module, *args]


def run_app(
    *args: str, settings: dict[str, str] | None = None, timeout: float = 120, module: str = "app"
) -> subprocess.CompletedProcess[str]:
    """`python -m app ARGS` (or another `module`: `bench`) as a process of its own."""
    return subprocess.run(
        app_command(*args, module=module),
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


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def unavailable(missing: str, tests: str) -> NoReturn:
    """Something `tests` need is not on this machine: skip them here; in CI, which
    installs everything, fail them, so they can never go silently unrun."""
    if in_ci():
        pytest.fail(f"{missing}; CI must run the {tests}, so they fail", pytrace=False)
    pytest.skip(f"{missing}; {tests} skipped")


class ServiceApi:
    """The HTTP API of a service running as its own process."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def __call__(
        self, method: str, path: str, key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Any request, as the person with `key` (none: anonymous); `kwargs` go to httpx
        (`json=`, `params=`, `files=`, `headers=`, ...)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if key is not None:
            headers["api-key"] = key
        return self.http.request(method, path, headers=headers, **kwargs)

    def create_person(self, admin_key: str, name: str, *, admin: bool = False) -> Person:
        """Create a person with `POST /api/users` as the administrator."""
        response = self("POST", "/api/users", admin_key, json={"name": name, "is_admin": admin})
        assert response.status_code == 201, response.text
        user = response.json()["user"]
        return Person(user["id"], user["name"], user["api_key"])

    def close(self) -> None:
        self.http.close()
