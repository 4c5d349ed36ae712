"""Who may do what, which keys can exist, and how images are cached."""

from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from image_saver.main import create_app
from image_saver.storage.filesystem import FileSystemStorage
from image_saver.tests.helpers import (
    AUTH,
    TOKEN,
    Backend,
    make_settings,
    stored_files,
    upload,
)
from image_saver.tests.pictures import animation, picture

PNG = picture("PNG")


async def store(client: AsyncClient, data: bytes = PNG) -> str:
    return str((await upload(client, data, "a.png", content_type=None))["key"])


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": ""}],
    ids=["none", "wrong", "no-bearer", "empty"],
)
async def test_writing_and_deleting_need_the_token(
    client: AsyncClient, backend: Backend, headers: dict[str, str]
) -> None:
    key = await store(client)

    upload = await client.post(
        "/images", files={"file": ("b.png", picture("GIF"))}, headers=headers
    )
    delete = await client.delete(f"/images/{key}", headers=headers)

    assert upload.status_code == delete.status_code == 401
    assert upload.json()["error_type"] == "Unauthorized"
    assert backend.stored_keys() == {key}


async def test_reading_needs_no_token_and_is_cached_forever(client: AsyncClient) -> None:
    key = await store(client)

    response = await client.get(f"/images/{key}")

    assert response.status_code == 200
    etag = response.headers["etag"]
    assert etag == f'"{key.split(".")[0]}"'  # strong: no W/ prefix
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"] == "image/png"
    for if_none_match in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        cached = await client.get(f"/images/{key}", headers={"If-None-Match": if_none_match})
        assert cached.status_code == 304
        assert cached.content == b""
        assert cached.headers["etag"] == etag
    stale = await client.get(f"/images/{key}", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.content == response.content


async def test_head_answers_the_headers_only(client: AsyncClient) -> None:
    key = await store(client)

    response = await client.head(f"/images/{key}")

    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0
    assert (await client.head(f"/images/{'0' * 64}.png")).status_code == 404


async def test_delete_is_idempotent(client: AsyncClient, backend: Backend) -> None:
    key = await store(client)
    other = await store(client, animation("GIF"))

    first = await client.delete(f"/images/{key}", headers=AUTH)
    second = await client.delete(f"/images/{key}", headers=AUTH)

    assert first.status_code == second.status_code == 204
    assert (await client.get(f"/images/{key}")).status_code == 404
    assert backend.stored_keys() == {other}


TRAVERSALS = [
    "..%2F..%2Fetc%2Fpasswd",
    "..%2Fvictim.png",
    "%2Fetc%2Fpasswd",
    "..",
    ".staging",
    "victim.png",
    f"{'A' * 64}.png",  # upper-case hex is not a key of ours
    f"{'0' * 64}.exe",
    f"{'0' * 64}.png%00.jpg",
    f"{'0' * 63}.png",
    f"{'0' * 64}.png.",
    "%E2%80%AE" + "0" * 60 + ".png",
]


@pytest.mark.parametrize("key", TRAVERSALS)
async def test_keys_not_of_our_form_are_404_and_touch_nothing(
    client: AsyncClient, backend: Backend, key: str
) -> None:
    stored = await store(client)
    victim = None
    if backend.images_dir is not None:
        victim = backend.images_dir.parent / "victim.png"
        victim.write_bytes(PNG)

    for response in (
        await client.get(f"/images/{key}"),
        await client.delete(f"/images/{key}", headers=AUTH),
    ):
        assert response.status_code == 404, key
        assert response.json()["error_type"] == "NotFound"
    assert backend.stored_keys() == {stored}
    assert victim is None or victim.read_bytes() == PNG


@pytest.mark.parametrize(
    "key", ["..", "../victim.png", "/etc/passwd", "ab/../../victim.png", ".staging", ""]
)
def test_the_file_store_itself_refuses_names_outside_it(tmp_path: Path, key: str) -> None:
    # Behind the route's own check (a second line of defence).
    storage = FileSystemStorage(tmp_path / "images")
    with pytest.raises(ValueError, match="not a storage key"):
        storage._path(key)


async def test_pixels_beyond_the_configured_limit_are_refused(tmp_path: Path) -> None:
    service = create_app(make_settings(images_dir=tmp_path, max_image_pixels=10_000))
    async with service.router.lifespan_context(service):
        transport = ASGITransport(app=service)
        async with AsyncClient(transport=transport, base_url="http://images") as client:
            too_big = await client.post(
                "/images", files={"file": ("a.png", picture("PNG", size=(200, 51)))}, headers=AUTH
            )
            fits = await client.post(
                "/images", files={"file": ("a.png", picture("PNG", size=(100, 100)))}, headers=AUTH
            )
            # Animations count every frame: 4 frames of 60×50 are 12,000 pixels.
            animated = await client.post(
                "/images", files={"file": ("a.gif", animation("GIF", 4, (60, 50)))}, headers=AUTH
            )

    assert too_big.status_code == 413
    assert "10,000 pixels" in too_big.json()["error_message"]
    assert fits.status_code == 201
    assert animated.status_code == 413
    assert stored_files(tmp_path) == {fits.json()["key"]}


async def test_health_is_open_and_the_rest_is_not_advertised(client: AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"result": True, "status": "ok"}
    assert (await client.get("/ready", headers=AUTH)).status_code == 200
    assert (await client.get("/ready")).status_code == 401
    for page in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(page)).status_code == 404


async def test_unknown_routes_and_methods_answer_the_envelope(client: AsyncClient) -> None:
    missing = await client.get("/nothing-here")
    wrong_method = await client.put("/images", headers=AUTH)

    assert missing.status_code == 404
    assert missing.json()["result"] is False
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error_type"] == "MethodNotAllowed"


async def test_stored_keys_are_listed_in_pages_with_the_token_only(
    client: AsyncClient, backend: Backend
) -> None:
    keys = sorted([await store(client, picture("PNG", size=(10 + i, 10))) for i in range(5)])

    first = await client.get("/images", params={"limit": 3}, headers=AUTH)
    second = await client.get(
        "/images", params={"limit": 3, "after": first.json()["next_after"]}, headers=AUTH
    )
    anonymous = await client.get("/images")

    assert [item["key"] for item in first.json()["keys"]] == keys[:3]
    assert first.json()["next_after"] == keys[2]
    assert [item["key"] for item in second.json()["keys"]] == keys[3:]
    assert second.json()["next_after"] is None
    assert all(item["modified_at"] for item in first.json()["keys"])
    assert anonymous.status_code == 401


async def test_a_stored_picture_is_put_back_as_it_was_under_the_key_it_hashes_to(
    client: AsyncClient, backend: Backend
) -> None:
    key = await store(client)
    data = (await client.get(f"/images/{key}")).content
    await client.delete(f"/images/{key}", headers=AUTH)
    other = key.replace(key[:8], "0" * 8)

    unauthorised = await client.put(f"/images/{key}", content=data)
    wrong_key = await client.put(f"/images/{other}", content=data, headers=AUTH)
    assert backend.stored_keys() == set()
    put = await client.put(f"/images/{key}", content=data, headers=AUTH)

    assert unauthorised.status_code == 401
    assert wrong_key.status_code == 422
    assert "hash" in wrong_key.json()["error_message"]
    assert put.status_code == 204
    assert backend.stored_keys() == {key}
    assert (await client.get(f"/images/{key}")).content == data
