"""Every accepted format round-trips, re-encoded without its metadata; on both backends."""

import io

import pytest
from httpx import AsyncClient
from PIL import Image, ImageCms

from image_saver.tests.helpers import AUTH, Backend, upload
from image_saver.tests.pictures import (
    CAMERA,
    SECRET_COMMENT,
    animation,
    exif_with_gps,
    picture,
    two_colour_image,
)

STILLS = [
    ("JPEG", "image/jpeg", "jpg"),
    ("PNG", "image/png", "png"),
    ("GIF", "image/gif", "gif"),
    ("WEBP", "image/webp", "webp"),
]


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


async def test_a_phone_photo_with_extra_images_is_stored_as_its_first_picture(
    client: AsyncClient,
) -> None:
    # MPO: a JPEG with more images appended (depth maps, HDR gain maps), as phones write.
    photo, extra = two_colour_image(60, 40), Image.new("RGB", (60, 40), "green")
    out = io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[extra], exif=exif_with_gps().tobytes())

    stored = await upload(client, out.getvalue())

    assert str(stored["key"]).endswith(".jpg")
    image = assert_no_metadata((await client.get(f"/images/{stored['key']}")).content)
    assert image.format == "JPEG"
    assert getattr(image, "n_frames", 1) == 1
    assert image.convert("RGB").getpixel((5, 5)) == pytest.approx((255, 0, 0), abs=40)


async def test_an_animation_with_too_many_frames_is_refused(
    client: AsyncClient, backend: Backend
) -> None:
    frames = [Image.new("RGB", (2, 2), ("red", "blue")[i % 2]) for i in range(1001)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=20)

    response = await client.post("/images", files={"file": ("a.gif", out.getvalue())}, headers=AUTH)

    assert response.status_code == 413
    assert "more than 1,000 frames" in response.json()["error_message"]
    assert backend.stored_keys() == set()


async def test_the_colour_profile_is_kept_and_nothing_else(client: AsyncClient) -> None:
    # A colour profile describes colours, not people: without it colours shift.
    icc = srgb_profile()
    out = io.BytesIO()
    two_colour_image().save(
        out, "JPEG", icc_profile=icc, exif=exif_with_gps().tobytes(), xmp=b"<x>" + SECRET_COMMENT
    )
    assert SECRET_COMMENT in out.getvalue()

    stored = await upload(client, out.getvalue())

    image = assert_no_metadata((await client.get(f"/images/{stored['key']}")).content)
    assert image.info.get("icc_profile") == icc


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def with_size_field(blob: bytes) -> bytes:
    """`blob` with the ICC header's size field telling its true length."""
    return len(blob).to_bytes(4, "big") + blob[4:]


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param(b"hidden:" + SECRET_COMMENT * 100, id="junk"),
        # The colour engine reads a profile by its header and ignores what follows.
        pytest.param(srgb_profile() + SECRET_COMMENT * 10, id="profile-then-junk"),
        pytest.param(with_size_field(srgb_profile() + SECRET_COMMENT * 3000), id="oversized"),
    ],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
async def test_a_colour_profile_that_is_no_sane_profile_is_dropped(
    client: AsyncClient, fmt: str, blob: bytes
) -> None:
    out = io.BytesIO()
    two_colour_image().save(out, fmt, icc_profile=blob)
    assert Image.open(io.BytesIO(out.getvalue())).info["icc_profile"] == blob

    stored = await upload(client, out.getvalue())

    data = (await client.get(f"/images/{stored['key']}")).content
    assert SECRET_COMMENT not in data
    assert "icc_profile" not in Image.open(io.BytesIO(data)).info
