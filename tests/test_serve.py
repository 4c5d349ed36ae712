"""`python -m app serve` on the embedded default: starts, serves, keeps data across restarts."""

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers.api import ServiceApi, png_picture
from tests.helpers.cli import (
    ADMIN_KEY,
    answering_pids,
    image_saver_url,
    launch_serve,
    printed_admin_key,
    start_serve,
    stop_serve,
    stops_answering,
    wait_healthy,
)
from tests.helpers.polling import poll

# Runs `python -m app serve` as a process, with its database and image_saver.
pytestmark = pytest.mark.processes


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    """DATA_DIR for the service; a database left running by a failed test is stopped."""
    folder = tmp_path / "data"
    yield folder
    pid_file = folder / "postgres" / "postmaster.pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


def _start(data_dir: Path, log: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    return start_serve(log, *args, settings={"DATA_DIR": str(data_dir)})


@contextmanager
def serving(data_dir: Path, log: Path, *args: str) -> Iterator[str]:
    """Run the service until the block ends; yield its base URL."""
    process, base = _start(data_dir, log, *args)
    try:
        yield base
    finally:
        stop_serve(process)


def test_serve_on_embedded_database_keeps_data_across_restarts(tmp_path: Path, data: Path) -> None:
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    with serving(data, first_log, "--demo") as base, ServiceApi(base) as api:
        admin = printed_admin_key(first_log)
        ann = api.create_person(admin, "Ann")
        media_id = api.upload(ann, png_picture(), "a.png")
        api.tweet(ann, "still here?", [media_id])
        picture_url = f"{base}/api/medias/{media_id}"
        assert httpx.get(picture_url).content.startswith(b"\x89PNG")
        image_saver = image_saver_url(first_log)
        demo_feed = api.feed("test")  # the demo's own person
        assert len(demo_feed) >= 10
        assert httpx.get(f"{base}/").text.lower().startswith("<!doctype html>")
    assert (data / "postgres" / "PG_VERSION").exists()
    # Stopping the service stops its database and image_saver too.
    assert not (data / "postgres" / "postmaster.pid").exists()
    assert stops_answering(image_saver)
    assert len(list((data / "images").rglob("*.png"))) == 1 + 3  # ours and the demo's

    with serving(data, second_log, "--demo") as base, ServiceApi(base) as api:
        assert not ADMIN_KEY.search(second_log.read_text()), "a second admin was created"
        assert "already loaded" in second_log.read_text()
        mine = api.feed(ann)
        assert [t["content"] for t in mine] == ["still here?"]
        assert mine[0]["attachments"] == [f"/api/medias/{media_id}"]
        assert httpx.get(f"{base}{mine[0]['attachments'][0]}").content.startswith(b"\x89PNG")
        assert api("GET", "/api/users/me", admin).status_code == 200
        assert api.feed("test") == demo_feed


def test_sigterm_stops_the_service_with_its_database_and_image_saver(
    tmp_path: Path, data: Path
) -> None:
    log = tmp_path / "serve.log"
    process, _ = _start(data, log)
    try:
        image_saver = image_saver_url(log)
    finally:
        process.terminate()  # as `docker stop` and systemd stop it
        process.wait(timeout=30)

    assert process.returncode == 0, log.read_text()
    assert not (data / "postgres" / "postmaster.pid").exists()
    assert stops_answering(image_saver, within=2)


def test_a_killed_service_does_not_keep_its_database_running_forever(
    tmp_path: Path, data: Path
) -> None:
    log = tmp_path / "serve.log"
    killed, _ = _start(data, log)
    try:
        image_saver = image_saver_url(log)
    finally:
        killed.kill()
        killed.wait(timeout=30)
    # image_saver notices its parent is gone and stops by itself.
    assert stops_answering(image_saver)
    # The database outlives a SIGKILL; the next clean start and stop must end it.
    assert (data / "postgres" / "postmaster.pid").exists()
    with serving(data, log):
        pass
    assert not (data / "postgres" / "postmaster.pid").exists()


def test_two_serves_starting_together_on_an_empty_data_dir_share_it(
    tmp_path: Path, data: Path
) -> None:
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    started = [launch_serve(log, settings={"DATA_DIR": str(data)}) for log in logs]
    try:
        for (process, base), log in zip(started, logs, strict=True):
            wait_healthy(base, process, log)
        printed = [log.read_text() for log in logs]
        assert not any("Traceback" in text for text in printed), "\n".join(printed)
        # One administrator, made by whichever came first; the other finds them.
        keys = [key for text in printed for key in ADMIN_KEY.findall(text)]
        assert len(keys) == 1, printed
        # Both serve the one database: a person made through one signs in at the other.
        with ServiceApi(started[0][1]) as first, ServiceApi(started[1][1]) as second:
            ann = first.create_person(keys[0], "Ann")
            first.tweet(ann, "hello from the first")
            assert [t["content"] for t in second.feed(ann)] == ["hello from the first"]
    finally:
        for process, _ in started:
            stop_serve(process)
    # The last one to stop stops the database.
    assert not (data / "postgres" / "postmaster.pid").exists()


@pytest.mark.parametrize(("args", "workers"), [((), 2), (("--workers", "1"), 1)])
def test_serve_with_web_concurrency_answers_with_that_many_workers(
    tmp_path: Path, data: Path, args: tuple[str, ...], workers: int
) -> None:
    # The documented setting, on the development start (with its own image_saver).
    log = tmp_path / "serve.log"
    process, base = start_serve(
        log, *args, settings={"DATA_DIR": str(data), "WEB_CONCURRENCY": "2"}
    )
    try:

        def answered_by_all() -> bool:
            # A new connection each time, so any worker may take it.
            assert httpx.get(f"{base}/health", headers={"connection": "close"}).is_success
            return len(answering_pids(log, "/health")) == workers

        assert poll(answered_by_all, within=60), log.read_text()
        with ServiceApi(base) as api:
            # Through the image_saver this `serve` started.
            admin = printed_admin_key(log)
            media_id = api.upload(admin, png_picture(), "a.png")
            api.tweet(admin, "a picture", [media_id])
            assert httpx.get(f"{base}/api/medias/{media_id}").content.startswith(b"\x89PNG")
    finally:
        stop_serve(process)
    assert len(answering_pids(log, "/health")) == workers


def test_admin_key_file_keeps_the_first_key_out_of_the_log(tmp_path: Path, data: Path) -> None:
    log = tmp_path / "serve.log"
    key_file = tmp_path / "admin-key"
    # A path that cannot be written stops the start in one line, and makes nobody.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    process, _ = launch_serve(
        log, "--admin-key-file", str(blocked / "admin-key"), settings={"DATA_DIR": str(data)}
    )
    assert process.wait(timeout=60) == 1
    assert "Traceback" not in log.read_text()
    assert f"cannot write the administrator's api key to {blocked}/admin-key: Not a directory" in (
        log.read_text()
    )

    with serving(data, log, "--admin-key-file", str(key_file)) as base, ServiceApi(base) as api:
        key = key_file.read_text().strip()
        assert key_file.stat().st_mode & 0o777 == 0o600
        printed = log.read_text()
        assert key not in printed
        assert not ADMIN_KEY.search(printed)
        assert str(key_file) in printed
        # The administrator made now, not one left by the start that failed.
        assert [u["name"] for u in api("GET", "/api/users", key).json()["users"]] == [
            "Administrator"
        ]
        api.create_person(key, "Ann")
