"""What the image service's tests share besides fixtures (those are in conftest.py):
the token, settings, the storage backends as a test sees them, and storing a picture.
Nothing here imports from `app/`: the service and its tests stand on their own."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from httpx import AsyncClient

from image_saver.config import Settings
from image_saver.tests.seaweed import S3Server, sync_client

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


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


def file_system_backend(root: Path) -> Backend:
    return Backend(
        "filesystem", make_settings(images_dir=root), lambda: stored_files(root), images_dir=root
    )


def s3_backend(server: S3Server) -> Backend:
    """A bucket of its own on `server`."""
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


async def upload(
    client: AsyncClient,
    data: bytes,
    name: str = "photo.jpg",
    content_type: str | None = "image/jpeg",
) -> dict[str, object]:
    """Store a picture, sent as `name` and declared `content_type` (None: as its name
    says); the service's answer, which must be 201."""
    file = (name, data) if content_type is None else (name, data, content_type)
    response = await client.post("/images", files={"file": file}, headers=AUTH)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body
