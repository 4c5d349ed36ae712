"""The processes docker-compose.yml describes, run here without Docker: a PostgreSQL
server reached over TCP with a password (as the `postgres` container is), image_saver
on a port and data folder of its own, and the app configured only by environment
variables. Each can be stopped and started again on the same port and data."""

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.core.embedded_db import UNICODE_LOCALE
from app.core.embedded_images import RunningImageSaver, free_port, start_image_saver, stop
from app.core.embedded_replica import SERVER_USER, own_folder, run_program
from tests.helpers.api import ServiceApi
from tests.helpers.app import MAX_UPLOAD_BYTES
from tests.helpers.polling import eventually, server_has_read


@dataclass
class PostgresServer:
    """A PostgreSQL server of its own in `root`: user `microblog`, a password, TCP only."""

    root: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "microblog") -> str:
        return f"postgresql://microblog:{self.password}@127.0.0.1:{self.port}/{database}"

    def create(self) -> None:
        own_folder(self.root)
        password_file = self.root / "password"
        password_file.write_text(self.password)
        if os.geteuid() == 0:
            shutil.chown(password_file, SERVER_USER)
        run_program(
            "initdb",
            "-D", str(self.data),
            "-U", "microblog",
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
        )  # fmt: skip
        password_file.unlink()
        self.start()
        run_program(
            "psql", "-X", "-v", "ON_ERROR_STOP=1", "-c",
            f"CREATE DATABASE microblog {UNICODE_LOCALE}", self.url("postgres"),
            as_server=False,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root}"
        log = str(self.root / "server.log")
        run_program("pg_ctl", "-D", str(self.data), "-w", "-o", options, "-l", log, "start")

    def stop(self) -> None:
        run_program("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    # Not under pytest's tmp_path: the server's user must be able to reach the folder.
    root = Path(tempfile.mkdtemp(prefix="microblog-pg-"))
    root.chmod(0o755)
    server = PostgresServer(root)
    try:
        server.create()
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class ImageSaverProcess:
    """image_saver on a fixed port, token and folder, so it can come back as it was."""

    images_dir: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    running: RunningImageSaver | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, max_upload_bytes: int) -> None:
        self.running = start_image_saver(
            self.images_dir, max_upload_bytes=max_upload_bytes, port=self.port, token=self.token
        )

    def stop(self) -> None:
        if self.running is not None:
            stop(self.running.process)
            self.running = None


def settings_for(pg: PostgresServer, images: ImageSaverProcess, data: Path) -> dict[str, str]:
    """Only environment variables, as docker-compose.yml gives them to the app."""
    return {
        "DATABASE_URL": pg.url(),
        "IMAGE_SAVER_URL": images.url,
        "IMAGE_SAVER_TOKEN": images.token,
        "DATA_DIR": str(data),
        "MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
    }


def answers(api: ServiceApi, path: str, key: str) -> bool:
    try:
        return api("GET", path, key).status_code == 200
    except httpx.TransportError:
        return False


def upload_during(
    api: ServiceApi, key: str, picture: bytes, interrupt: Callable[[], object]
) -> httpx.Response:
    """Upload `picture` slowly; once it is under way, `interrupt` (stop something);
    return the upload's answer."""
    started = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        under_way = pool.submit(
            api,
            "POST",
            "/api/medias",
            key,
            content=slow_upload(picture, started),
            headers={"content-type": "multipart/form-data; boundary=slow"},
        )
        assert started.wait(10)
        # The server has read the request's head and first part: it is under way.
        port = urlsplit(str(api.http.base_url)).port
        assert port is not None
        eventually(lambda: server_has_read(port), what="the server to read the upload's start")
        interrupt()
        return under_way.result(timeout=60)


def slow_upload(picture: bytes, started: threading.Event) -> Iterator[bytes]:
    """A multipart upload that trickles in over four seconds (the trickle is the point:
    it is still coming in when the test interrupts something, so the sleeps stay)."""
    yield (
        b'--slow\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
    )
    started.set()
    step = max(1, len(picture) // 20)
    for at in range(0, len(picture), step):
        time.sleep(0.2)
        yield picture[at : at + step]
    yield b"\r\n--slow--\r\n"
