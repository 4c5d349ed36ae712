"""The service as a process: its settings, a crash in mid-upload, and its parent's death."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from image_saver.tests.helpers import TOKEN, stored_files
from image_saver.tests.pictures import picture
from tests.helpers.polling import eventually, poll, server_has_read, server_let_go

# Runs the image service as a process, and kills it.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def service_env(**settings: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGE", "S3_", "DATA_DIR"))}
    return keep | {"PYTHONPATH": str(ROOT)} | settings


def start(images_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start the service; its output goes to `service.log` beside the images."""
    port = free_port()
    with (images_dir.parent / "service.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "image_saver", "serve", "--port", str(port), *extra],
            env=service_env(IMAGE_SAVER_TOKEN=TOKEN, IMAGES_DIR=str(images_dir)),
            cwd=images_dir.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    if poll(lambda: answers(url), within=30):
        return process, url
    process.kill()
    raise RuntimeError("image_saver did not start")


def answers(url: str) -> bool:
    """The service at `url` answers its health check."""
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.fixture
def images_dir(tmp_path: Path) -> Path:
    return tmp_path / "images"


def test_a_missing_token_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "image_saver", "serve"],
        env=service_env(IMAGES_DIR=str(tmp_path)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("Invalid setting IMAGE_SAVER_TOKEN: must be set")
    assert "Traceback" not in result.stderr


BODY = picture("JPEG", size=(400, 300))


def send_half_an_upload(url: str) -> socket.socket:
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
    connection = socket.create_connection(("127.0.0.1", port_of(url)))
    connection.sendall(
        b"POST /images HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: Bearer {TOKEN}\r\n".encode()
        + b"Content-Type: multipart/form-data; boundary=b\r\n"
        + f"Content-Length: {len(head) + len(BODY) + 8}\r\n\r\n".encode()
        + head
        + BODY[: len(BODY) // 2]
    )
    # The service has read all of it: the upload is under way, half done.
    mine = connection.getsockname()[1]
    eventually(lambda: server_has_read(port_of(url), mine), what="the service to read it")
    return connection


def test_a_sender_that_goes_away_mid_upload_stores_nothing_and_breaks_nothing(
    images_dir: Path,
) -> None:
    process, url = start(images_dir)
    try:
        sender = send_half_an_upload(url)
        mine = sender.getsockname()[1]
        sender.close()
        eventually(lambda: server_let_go(port_of(url), mine), what="the service to notice")
        assert httpx.get(f"{url}/health").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert stored_files(images_dir) == set()
    log = (images_dir.parent / "service.log").read_text()
    assert "Traceback" not in log, log


def test_a_crash_in_mid_upload_leaves_no_image_and_its_leftovers_go(images_dir: Path) -> None:
    process, url = start(images_dir)
    with send_half_an_upload(url):
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    assert stored_files(images_dir) == set()
    # A staged file an earlier crash left behind goes at the next start.
    staged = images_dir / ".staging" / "tmp-crashed.part"
    staged.write_bytes(b"half an image")
    os.utime(staged, (time.time() - 7200, time.time() - 7200))
    process, url = start(images_dir)
    try:
        assert not staged.exists()
        stored = httpx.post(
            f"{url}/images",
            files={"file": ("a.jpg", BODY)},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert stored.status_code == 201
        assert stored_files(images_dir) == {stored.json()["key"]}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_stops_when_the_process_that_started_it_dies(images_dir: Path) -> None:
    # A parent that starts the service and is then killed outright (it would wait ten
    # minutes: it lives until the test kills it).
    port = free_port()
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "child = subprocess.Popen([sys.executable, '-m', 'image_saver', 'serve', '--port',"
            f" '{port}', '--parent-pid', str(__import__('os').getpid())])\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(600)\n",
        ],
        env=service_env(IMAGE_SAVER_TOKEN=TOKEN, IMAGES_DIR=str(images_dir)),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    eventually(lambda: answers(f"http://127.0.0.1:{port}"), what="the service to start")
    os.kill(child, 0)  # running

    parent.kill()
    parent.wait()

    if poll(lambda: not _running(child), within=15):
        return
    os.kill(child, signal.SIGKILL)
    pytest.fail("image_saver outlived the process that started it")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
