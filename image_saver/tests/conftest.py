"""Fixtures for the image service: the real service over ASGI, on each storage backend.

The file-system backend uses a temporary folder; the S3 backend a real SeaweedFS
server that these tests start themselves. Nothing here imports from `app/`.
"""

import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from image_saver.config import Settings
from image_saver.main import create_app
from image_saver.tests.seaweed import S3Server, seaweedfs, sync_client

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with (
        tempfile.TemporaryDirectory(prefix="image-saver-s3-") as workdir,
        seaweedfs(Path(workdir)) as server,
    ):
        yield server


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"image_saver_token": TOKEN, "data_dir": Path("/nonexistent")}
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]


@dataclass
class Backend:
    """What a test needs to look behind the service: every key actually stored."""

    name: str
    settings: Settings
    stored_keys: Callable[[], set[str]]
    images_dir: Path | None = None


def stored_files(root: Path) -> set[str]:
    """Names of the images a file-system store under `root` holds (staged files aside)."""
    return {
        path.name for path in root.rglob("*") if path.is_file() and ".staging" not in path.parts
    }


def _file_system(root: Path) -> Backend:
    return Backend(
        "filesystem", make_settings(images_dir=root), lambda: stored_files(root), images_dir=root
    )


def _s3(server: S3Server) -> Backend:
    bucket = f"images-{uuid.uuid4().hex[:12]}"
    client = sync_client(server)

    def stored() -> set[str]:
        listing = client.list_objects_v2(Bucket=bucket)
        return {item["Key"] for item in listing.get("Contents", [])}

    settings = make_settings(
        s3_endpoint_url=server.endpoint_url,
        s3_bucket=bucket,
        s3_access_key_id=server.access_key,
        s3_secret_access_key=server.secret_key,
    )
    return Backend("s3", settings, stored)


@pytest.fixture(params=["filesystem", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each storage test runs once per backend, against a store of its own."""
    if request.param == "filesystem":
        return _file_system(tmp_path / "images")
    return _s3(request.getfixturevalue("s3_server"))


@pytest.fixture
async def service(backend: Backend) -> AsyncIterator[FastAPI]:
    application = create_app(backend.settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(service: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=service, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://images") as http:
        yield http
