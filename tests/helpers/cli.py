"""Running `python -m app` (a command, or `serve`) as a separate process, as a person would."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

from app.core.config import Settings
from app.core.embedded_images import free_port
from tests.helpers.polling import poll

ROOT = Path(__file__).resolve().parents[2]
# What a run leaves for people to look at: the browser tests' screenshots.
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

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


def run_app_at_once(
    copies: int, *args: str, settings: dict[str, str], timeout: float = 120
) -> list[subprocess.CompletedProcess[str]]:
    """`copies` processes of `python -m app ARGS`, started together; each one's result."""
    command = app_command(*args)
    processes = [
        subprocess.Popen(
            command,
            cwd=NEUTRAL_DIR,
            env=app_env(**settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(copies)
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=timeout)
        results.append(subprocess.CompletedProcess(command, process.returncode, stdout, stderr))
    return results


# `serve` prints the first administrator's api key once, indented by four spaces.
ADMIN_KEY = re.compile(r"^\s{4}(\S{40,})$", re.MULTILINE)


def answers_health(base: str) -> bool:
    """`base`/health answers 200 (False while nothing listens there)."""
    try:
        return httpx.get(f"{base}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until `base`/health answers; fail with the log if the service exits or stalls."""

    def log_text() -> str:
        return log.read_text() if log.exists() else ""

    def healthy() -> bool:
        assert process.poll() is None, log_text() or "exited"
        return answers_health(base)

    assert poll(healthy, within=90), log_text() or "timeout"


def launch_serve(
    log: Path, *args: str, settings: dict[str, str], port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m app serve` with its output in `log`, on `port` (else a free
    one), without waiting for it to answer; return it and its base URL."""
    port = port or free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            app_command("serve", "--port", str(port), *args),
            cwd=NEUTRAL_DIR,
            env=app_env(**settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def start_serve(
    log: Path, *args: str, settings: dict[str, str], port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m app serve` with its output in `log` (on `port`, else a free
    one); return it and its base URL."""
    process, base = launch_serve(log, *args, settings=settings, port=port)
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


def printed_admin_key(log: Path) -> str:
    """The first administrator's api key, as `serve` printed it in its log."""
    found = ADMIN_KEY.search(log.read_text())
    assert found, f"serve printed no administrator key:\n{log.read_text()}"
    return found.group(1)


def image_saver_url(log: Path) -> str:
    """The image_saver that `serve` started, as its log announces it; it answers."""
    found = re.search(r"image_saver is running at (\S+),", log.read_text())
    assert found, log.read_text()
    url = found.group(1)
    assert httpx.get(f"{url}/health").status_code == 200
    return url


def answering_pids(log: Path, path: str) -> set[int]:
    """The worker processes of `serve` whose access log (in `log`) has answered `path`."""
    return {
        json.loads(line)["pid"]
        for line in log.read_text().splitlines()
        if '"app.access"' in line and f'"{path}' in line
    }


def stops_answering(url: str, within: float = 15) -> bool:
    """Whether `url`/health stops answering within `within` seconds."""
    return bool(poll(lambda: not _reachable(url), within=within))


def _reachable(url: str) -> bool:
    try:
        httpx.get(f"{url}/health", timeout=1)
    except httpx.TransportError:
        return False
    return True


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def unavailable(missing: str, tests: str) -> NoReturn:
    """Something `tests` need is not on this machine: skip them here; in CI, which
    installs everything, fail them, so they can never go silently unrun."""
    if in_ci():
        pytest.fail(f"{missing}; CI must run the {tests}, so they fail", pytrace=False)
    pytest.skip(f"{missing}; {tests} skipped")
