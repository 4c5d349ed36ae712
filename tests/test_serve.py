"""`python -m app serve` on the embedded default: starts, serves, keeps data across restarts."""

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.cli_helpers import ROOT, app_env

ADMIN_KEY = re.compile(r"^\s{4}(\S{40,})$", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(data_dir: Path, log: Path, *args: str) -> Iterator[str]:
    """Run the service until the block ends; yield its base URL."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), *args],
            cwd=ROOT,
            env=app_env(DATA_DIR=str(data_dir)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_serve_on_embedded_database_keeps_data_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    with serving(data, first_log, "--demo") as base:
        output = first_log.read_text()
        match = ADMIN_KEY.search(output)
        assert match, output
        admin = {"api-key": match.group(1)}
        created = httpx.post(f"{base}/api/users", json={"name": "Ann"}, headers=admin)
        assert created.status_code == 201
        ann = {"api-key": created.json()["user"]["api_key"]}
        posted = httpx.post(f"{base}/api/tweets", json={"tweet_data": "still here?"}, headers=ann)
        assert posted.status_code == 201
        demo_feed = httpx.get(f"{base}/api/tweets", headers={"api-key": "test"}).json()["tweets"]
        assert len(demo_feed) >= 10
        assert httpx.get(f"{base}/").text.lower().startswith("<!doctype html>")
    assert (data / "postgres" / "PG_VERSION").exists()
    # Stopping the service stops its database too.
    assert not (data / "postgres" / "postmaster.pid").exists()

    with serving(data, second_log, "--demo") as base:
        assert not ADMIN_KEY.search(second_log.read_text()), "a second admin was created"
        assert "already loaded" in second_log.read_text()
        mine = httpx.get(f"{base}/api/tweets", headers=ann).json()["tweets"]
        assert [t["content"] for t in mine] == ["still here?"]
        assert httpx.get(f"{base}/api/users/me", headers=admin).status_code == 200
        again = httpx.get(f"{base}/api/tweets", headers={"api-key": "test"}).json()["tweets"]
        assert again == demo_feed
