"""Fixtures for the image service: the real service over ASGI, on each storage backend.

The file-system backend uses a temporary folder; the S3 backend a real SeaweedFS
server that these tests start themselves. Nothing here imports from `app/`. What the
tests share besides fixtures is in helpers.py; waiting for something, as in every test
of the repository, is tests/helpers/polling.py.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from image_saver.main import create_app
from image_saver.tests.helpers import Backend, file_system_backend, s3_backend
from image_saver.tests.seaweed import S3Server, seaweedfs_in_temp_folder


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with seaweedfs_in_temp_folder("image-saver-s3-") as server:
        yield server


@pytest.fixture(params=["filesystem", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each storage test runs once per backend, against a store of its own."""
    if request.param == "filesystem":
        return file_system_backend(tmp_path / "images")
    return s3_backend(request.getfixturevalue("s3_server"))


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
