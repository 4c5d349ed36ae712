"""Every accepted format round-trips, re-encoded without its metadata; on both backends."""

import io

import pytest
from httpx import AsyncClient
from PIL import Image

from image_saver.tests.conftest import AUTH, Backend
from image_saver.tests.pictures import CAMERA, SECRET_COMMENT, animation, picture

STILLS = [
    ("JPEG", "image/jpeg", "jpg"),
    ("PNG", "image/png", "png"),
    ("GIF", "image/gif", "gif"),
    ("WEBP", "image/webp", "webp"),
]


async def upload(client: AsyncClient, data: bytes, name: str = "photo.jpg") -> dict[str, object]:
    response = await client.post(
        "/images", files={"file": (name, data, "image/jpeg")}, headers=AUTH
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def assert_no_metadata(data: bytes) -> Image.Image:
    assert SECRET_COMMENT not in data
    assert CAMERA.encode() not in data
    assert b"Exif" not in data
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert "comment" not in image.info
    assert "xmp" not in image.info
    return image


@pytest.mark.parametrize(("fmt", "content_type", "extension"), STILLS)
async def test_each_format_round_trips_without_metadata(
    client: AsyncClient, backend: Backend, fmt: str, content_type: str, extension: str
) -> None:
    original = picture(fmt)
    # The test picture really carries what must go.
    assert SECRET_COMMENT in original or fmt in {"PNG", "WEBP"}
    assert CAMERA.encode() in original or fmt == "GIF"

    stored = await upload(client, original, name="anything.txt")

    key = str(stored["key"])
    assert key.endswith(f".{extension}")
    assert stored["content_type"] == content_type
    assert (stored["width"], stored["height"]) == (60, 40)
    assert backend.stored_keys() == {key}
    response = await client.get(f"/images/{key}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert int(response.headers["content-length"]) == stored["size"] == len(response.content)
    image = assert_no_metadata(response.content)
    assert image.format == fmt
    assert image.size == (60, 40)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
async def test_exif_rotation_is_applied_before_it_is_dropped(client: AsyncClient, fmt: str) -> None:
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it.
    stored = await upload(client, picture(fmt, orientation=6))

    assert (stored["width"], stored["height"]) == (40, 60)
    image = assert_no_metadata((await client.get(f"/images/{stored['key']}")).content)
    assert image.size == (40, 60)
    # The red left half of the sensor image is now the top half.
    rgb = image.convert("RGB")
    assert rgb.getpixel((20, 5)) == pytest.approx((255, 0, 0), abs=40)
    assert rgb.getpixel((20, 55)) == pytest.approx((0, 0, 255), abs=40)


@pytest.mark.parametrize(("fmt", "extension"), [("GIF", "gif"), ("WEBP", "webp")])
async def test_animations_keep_every_frame(client: AsyncClient, fmt: str, extension: str) -> None:
    stored = await upload(client, animation(fmt, frames=4))

    assert str(stored["key"]).endswith(f".{extension}")
    image = assert_no_metadata((await client.get(f"/images/{stored['key']}")).content)
    assert getattr(image, "n_frames", 1) == 4
    durations = []
    for frame in range(4):
        image.seek(frame)
        image.load()
        durations.append(image.info.get("duration"))
    assert durations == [100, 110, 120, 130]


async def test_the_same_picture_is_stored_once(client: AsyncClient, backend: Backend) -> None:
    data = picture("PNG")
    first = await upload(client, data, name="a.png")
    second = await upload(client, data, name="b.png")

    assert first["key"] == second["key"]
    assert backend.stored_keys() == {first["key"]}


async def test_different_pictures_get_different_keys(client: AsyncClient, backend: Backend) -> None:
    first = await upload(client, picture("PNG", size=(10, 10)))
    second = await upload(client, picture("PNG", size=(11, 10)))

    assert first["key"] != second["key"]
    assert backend.stored_keys() == {first["key"], second["key"]}
