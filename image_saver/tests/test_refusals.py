"""Anything but a whole picture gets the right 4xx, and nothing is stored for it."""

import pytest
from httpx import AsyncClient

from image_saver.tests.helpers import AUTH, Backend
from image_saver.tests.pictures import bomb_png, picture

MIB = 1024 * 1024
JPEG = picture("JPEG", size=(200, 150))

NOT_PICTURES = {
    "text named .jpg": ("photo.jpg", b"just some text, not a picture\n" * 10),
    "truncated JPEG": ("photo.jpg", JPEG[: len(JPEG) // 2]),
    "JPEG header only": ("photo.jpg", JPEG[:200]),
    "SVG": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    "HTML": ("page.html", b"<!doctype html><html><body><script>alert(1)</script></body></html>"),
    "empty file": ("empty.png", b""),
    "PDF": ("doc.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
}


def assert_error(response_json: dict[str, object], error_type: str) -> None:
    assert response_json["result"] is False
    assert response_json["error_type"] == error_type
    assert isinstance(response_json["error_message"], str)
    assert response_json["error_message"]


@pytest.mark.parametrize("case", NOT_PICTURES)
async def test_not_a_picture_is_refused_with_415(
    client: AsyncClient, backend: Backend, case: str
) -> None:
    name, data = NOT_PICTURES[case]
    response = await client.post(
        "/images", files={"file": (name, data, "image/jpeg")}, headers=AUTH
    )

    assert response.status_code == 415, response.text
    assert_error(response.json(), "UnsupportedMediaType")
    assert backend.stored_keys() == set()


async def test_a_file_over_the_limit_is_refused_with_413(
    client: AsyncClient, backend: Backend
) -> None:
    # A real picture with 11 MiB of padding after its end: the size alone refuses it.
    data = JPEG + b"\0" * (11 * MIB)
    response = await client.post(
        "/images", files={"file": ("big.jpg", data, "image/jpeg")}, headers=AUTH
    )

    assert response.status_code == 413
    assert_error(response.json(), "PayloadTooLarge")
    assert backend.stored_keys() == set()


async def test_a_streamed_body_over_the_limit_is_cut_off(
    client: AsyncClient, backend: Backend
) -> None:
    sent = 0

    async def endless() -> object:
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n\r\n'
        for _ in range(100):  # 100 MiB if it were all read
            sent += MIB
            yield b"\0" * MIB

    response = await client.post(
        "/images",
        content=endless(),  # type: ignore[arg-type]
        headers=AUTH | {"content-type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == 413
    assert sent <= 12 * MIB  # it stopped reading soon after the limit
    assert backend.stored_keys() == set()


async def test_a_decompression_bomb_is_refused(client: AsyncClient, backend: Backend) -> None:
    bomb = bomb_png(20_000)  # 400 million pixels in a ~50 KB file
    assert len(bomb) < 100_000
    response = await client.post(
        "/images", files={"file": ("bomb.png", bomb, "image/png")}, headers=AUTH
    )

    assert response.status_code == 413
    assert_error(response.json(), "PayloadTooLarge")
    assert "pixels" in response.json()["error_message"]
    assert backend.stored_keys() == set()


async def test_the_multipart_body_must_carry_a_file_field(client: AsyncClient) -> None:
    wrong_field = await client.post(
        "/images", files={"picture": ("a.png", picture("PNG"), "image/png")}, headers=AUTH
    )
    not_multipart = await client.post(
        "/images", content=picture("PNG"), headers=AUTH | {"content-type": "image/png"}
    )
    two_files = await client.post(
        "/images",
        files=[("file", ("a.png", picture("PNG"))), ("file", ("b.png", picture("PNG")))],
        headers=AUTH,
    )

    assert wrong_field.status_code == 422
    assert_error(wrong_field.json(), "ValidationError")
    assert not_multipart.status_code == 415
    assert two_files.status_code == 422
