"""`python -m app serve` on the embedded default: starts, serves, keeps data across restarts."""

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.core.embedded_images import free_port
from tests.cli_helpers import NEUTRAL_DIR, app_command, app_env
from tests.conftest import png_picture

ADMIN_KEY = re.compile(r"^\s{4}(\S{40,})$", re.MULTILINE)


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    """DATA_DIR for the service; a database left running by a failed test is stopped."""
    folder = tmp_path / "data"
    yield folder
    pid_file = folder / "postgres" / "postmaster.pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text() if log.exists() else "exited"
        assert time.monotonic() < deadline, log.read_text() if log.exists() else "timeout"
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)


def _start(data_dir: Path, log: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m app serve` with its output in `log`; return it and its base URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            app_command("serve", "--port", str(port), *args),
            cwd=NEUTRAL_DIR,
            env=app_env(DATA_DIR=str(data_dir)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, log)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, base


@contextmanager
def serving(data_dir: Path, log: Path, *args: str) -> Iterator[str]:
    """Run the service until the block ends; yield its base URL."""
    process, base = _start(data_dir, log, *args)
    try:
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()


def _image_saver_url(log: Path) -> str:
    found = re.search(r"image_saver is running at (\S+),", log.read_text())
    assert found, log.read_text()
    url = found.group(1)
    assert httpx.get(f"{url}/health").status_code == 200
    return url


def _stops_answering(url: str, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/health", timeout=1)
        except httpx.TransportError:
            return True
        time.sleep(0.2)
    return False


def test_serve_on_embedded_database_keeps_data_across_restarts(tmp_path: Path, data: Path) -> None:
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    with serving(data, first_log, "--demo") as base:
        output = first_log.read_text()
        match = ADMIN_KEY.search(output)
        assert match, output
        admin = {"api-key": match.group(1)}
        created = httpx.post(f"{base}/api/users", json={"name": "Ann"}, headers=admin)
        assert created.status_code == 201
        ann = {"api-key": created.json()["user"]["api_key"]}
        png = png_picture()
        uploaded = httpx.post(f"{base}/api/medias", files={"file": ("a.png", png)}, headers=ann)
        assert uploaded.status_code == 201, uploaded.text
        media_id = uploaded.json()["media_id"]
        posted = httpx.post(
            f"{base}/api/tweets",
            json={"tweet_data": "still here?", "tweet_media_ids": [media_id]},
            headers=ann,
        )
        assert posted.status_code == 201
        picture_url = f"{base}/api/medias/{media_id}"
        assert httpx.get(picture_url).content.startswith(b"\x89PNG")
        image_saver = _image_saver_url(first_log)
        demo_feed = httpx.get(f"{base}/api/tweets", headers={"api-key": "test"}).json()["tweets"]
        assert len(demo_feed) >= 10
        assert httpx.get(f"{base}/").text.lower().startswith("<!doctype html>")
    assert (data / "postgres" / "PG_VERSION").exists()
    # Stopping the service stops its database and image_saver too.
    assert not (data / "postgres" / "postmaster.pid").exists()
    assert _stops_answering(image_saver)
    assert len(list((data / "images").rglob("*.png"))) == 1 + 3  # ours and the demo's

    with serving(data, second_log, "--demo") as base:
        assert not ADMIN_KEY.search(second_log.read_text()), "a second admin was created"
        assert "already loaded" in second_log.read_text()
        mine = httpx.get(f"{base}/api/tweets", headers=ann).json()["tweets"]
        assert [t["content"] for t in mine] == ["still here?"]
        assert mine[0]["attachments"] == [f"/api/medias/{media_id}"]
        assert httpx.get(f"{base}{mine[0]['attachments'][0]}").content.startswith(b"\x89PNG")
        assert httpx.get(f"{base}/api/users/me", headers=admin).status_code == 200
        again = httpx.get(f"{base}/api/tweets", headers={"api-key": "test"}).json()["tweets"]
        assert again == demo_feed


def test_sigterm_stops_the_service_with_its_database_and_image_saver(
    tmp_path: Path, data: Path
) -> None:
    log = tmp_path / "serve.log"
    process, _ = _start(data, log)
    try:
        image_saver = _image_saver_url(log)
    finally:
        process.terminate()  # as `docker stop` and systemd stop it
        process.wait(timeout=30)

    assert process.returncode == 0, log.read_text()
    assert not (data / "postgres" / "postmaster.pid").exists()
    assert _stops_answering(image_saver, within=2)


def test_a_killed_service_does_not_keep_its_database_running_forever(
    tmp_path: Path, data: Path
) -> None:
    log = tmp_path / "serve.log"
    killed, _ = _start(data, log)
    try:
        image_saver = _image_saver_url(log)
    finally:
        killed.kill()
        killed.wait(timeout=30)
    # image_saver notices its parent is gone and stops by itself.
    assert _stops_answering(image_saver)
    # The database outlives a SIGKILL; the next clean start and stop must end it.
    assert (data / "postgres" / "postmaster.pid").exists()
    with serving(data, log):
        pass
    assert not (data / "postgres" / "postmaster.pid").exists()
