"""Pictures through the API: upload, attach, serve, refuse, delete; image_saver runs for real."""

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.backup.database import deletions_held
from app.core.embedded_images import RunningImageSaver
from app.core.models import FileDeletion, Media
from image_saver.tests.pictures import CAMERA, SECRET_COMMENT, bomb_png, picture
from tests.helpers.api import Api, MakePerson, png_picture
from tests.helpers.app import count_rows, count_statements, stored_files
from tests.helpers.cli import run_app
from tests.helpers.sessions import cookie_headers

MIB = 1024 * 1024


async def storage_key(session: AsyncSession, media_id: int) -> str:
    key = await session.scalar(select(Media.storage_key).where(Media.id == media_id))
    assert key is not None
    return key


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
async def test_a_picture_goes_from_upload_to_the_feed_without_its_metadata(
    client: AsyncClient, api: Api, make_person: MakePerson, fmt: str, content_type: str
) -> None:
    ann = await make_person("Ann")
    original = picture(fmt, orientation=6 if fmt != "GIF" else 1)

    uploaded = await client.post(
        "/api/medias", files={"file": ("holiday.bin", original, "text/plain")}, headers=ann.headers
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["result"] is True
    media_id = body["media_id"]
    assert body["url"] == f"/api/medias/{media_id}"
    await api.tweet(ann, "with pictures", [media_id])

    feed = (await client.get("/api/tweets", headers=ann.headers)).json()["tweets"]
    assert feed[0]["attachments"] == [f"/api/medias/{media_id}"]
    served = await client.get(feed[0]["attachments"][0])  # no api key, as <img src>
    assert served.status_code == 200
    assert served.headers["content-type"] == content_type
    assert served.headers["x-content-type-options"] == "nosniff"
    assert SECRET_COMMENT not in served.content
    assert CAMERA.encode() not in served.content
    image = Image.open(io.BytesIO(served.content))
    assert dict(image.getexif()) == {}
    # Turned upright by its EXIF orientation before the orientation was dropped.
    assert image.size == ((40, 60) if fmt != "GIF" else (60, 40))


async def test_pictures_are_cached_forever_and_revalidated_with_304(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    media_id = await api.upload(ann)
    await api.tweet(ann, "with pictures", [media_id])

    first = await client.get(f"/api/medias/{media_id}")
    etag = first.headers["etag"]
    again = await client.get(f"/api/medias/{media_id}", headers={"If-None-Match": etag})
    changed = await client.get(f"/api/medias/{media_id}", headers={"If-None-Match": '"x"'})
    head = await client.head(f"/api/medias/{media_id}")

    assert first.status_code == 200
    assert etag.startswith('"')  # strong
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(first.headers["content-length"]) == len(first.content)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert changed.status_code == 200
    assert changed.content == first.content
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]


async def test_an_unposted_upload_is_shown_only_to_its_owner(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    media_id = await api.upload(ann)

    own = await client.get(f"/api/medias/{media_id}", headers=ann.headers)
    others = await client.get(f"/api/medias/{media_id}", headers=bob.headers)
    anonymous = await client.get(f"/api/medias/{media_id}")
    missing = await client.get("/api/medias/999999")

    assert own.status_code == 200
    assert own.headers["cache-control"].startswith("private")
    for response in (others, anonymous, missing):
        assert response.status_code == 404
        assert response.json()["error_type"] == "NotFound"
    assert others.json()["error_message"] == missing.json()["error_message"].replace(
        "999999", str(media_id)
    )


NOT_PICTURES = {
    "text named .jpg": b"just text\n" * 50,
    "truncated JPEG": picture("JPEG", size=(300, 200))[:600],
    "SVG": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "HTML": b"<!doctype html><script>alert(1)</script>",
    "empty": b"",
}


@pytest.mark.parametrize("case", NOT_PICTURES)
async def test_what_is_not_a_picture_is_415_and_stores_nothing(
    client: AsyncClient,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
    case: str,
) -> None:
    ann = await make_person("Ann")
    before = stored_files(images_dir)

    response = await client.post(
        "/api/medias",
        files={"file": ("photo.jpg", NOT_PICTURES[case], "image/jpeg")},
        headers=ann.headers,
    )

    assert response.status_code == 415, response.text
    assert response.json()["result"] is False
    assert response.json()["error_type"] == "UnsupportedMediaType"
    assert await count_rows(session, Media) == 0
    assert stored_files(images_dir) == before


async def test_too_large_uploads_are_413_and_store_nothing(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession, images_dir: Path
) -> None:
    ann = await make_person("Ann")
    before = stored_files(images_dir)
    eleven_mib = picture("JPEG") + b"\0" * (11 * MIB)

    declared = await client.post(
        "/api/medias", files={"file": ("big.jpg", eleven_mib)}, headers=ann.headers
    )
    just_over = await client.post(
        "/api/medias",
        files={"file": ("big.jpg", picture("JPEG") + b"\0" * (10 * MIB))},
        headers=ann.headers,
    )
    bomb = await client.post(
        "/api/medias", files={"file": ("bomb.png", bomb_png())}, headers=ann.headers
    )

    for response in (declared, just_over, bomb):
        assert response.status_code == 413, response.text
        assert response.json()["error_type"] == "PayloadTooLarge"
    assert "10,485,760 bytes" in declared.json()["error_message"]
    assert "pixels" in bomb.json()["error_message"]
    assert await count_rows(session, Media) == 0
    assert stored_files(images_dir) == before


async def test_a_streamed_upload_is_cut_off_at_the_limit(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n\r\n'
        for _ in range(100):
            sent += MIB
            yield b"\0" * MIB

    response = await client.post(
        "/api/medias",
        content=endless(),
        headers=ann.headers | {"content-type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == 413
    assert response.json()["error_type"] == "PayloadTooLarge"
    assert sent <= 12 * MIB
    assert await count_rows(session, Media) == 0


async def test_an_upload_must_be_a_multipart_file_from_a_known_person(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession, images_dir: Path
) -> None:
    ann = await make_person("Ann")
    before = stored_files(images_dir)
    png = png_picture()

    anonymous = await client.post("/api/medias", files={"file": ("a.png", png)})
    wrong_key = await client.post(
        "/api/medias", files={"file": ("a.png", png)}, headers={"api-key": "nope"}
    )
    raw = await client.post(
        "/api/medias", content=png, headers=ann.headers | {"content-type": "image/png"}
    )
    wrong_field = await client.post(
        "/api/medias", files={"picture": ("a.png", png)}, headers=ann.headers
    )

    assert anonymous.status_code == wrong_key.status_code == 401
    assert raw.status_code == 415
    assert wrong_field.status_code == 422
    assert wrong_field.json()["error_type"] == "ValidationError"
    assert wrong_field.json()["details"][0]["field"] == "file"
    assert await count_rows(session, Media) == 0
    assert stored_files(images_dir) == before


async def test_the_same_picture_twice_is_two_uploads_and_one_file(
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    data = png_picture(colour="navy")

    first, second = await api.upload(ann, data), await api.upload(bob, data)

    assert first != second
    key = await storage_key(session, first)
    assert await storage_key(session, second) == key
    assert key in stored_files(images_dir)


async def test_deleting_a_tweet_deletes_its_pictures_but_not_shared_files(
    client: AsyncClient,
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    own = await api.upload(ann, png_picture(colour="olive"))
    shared = await api.upload(ann, png_picture(colour="maroon"))
    bobs_copy = await api.upload(bob, png_picture(colour="maroon"))
    own_key, shared_key = await storage_key(session, own), await storage_key(session, shared)
    tweet_id = await api.tweet(ann, "with pictures", [own, shared])

    deleted = await client.delete(f"/api/tweets/{tweet_id}", headers=ann.headers)

    assert deleted.status_code == 200
    assert (await client.get(f"/api/medias/{own}")).status_code == 404
    assert own_key not in stored_files(images_dir)
    # Bob uploaded the same picture: the file stays for his upload.
    assert shared_key in stored_files(images_dir)
    assert (await client.get(f"/api/medias/{bobs_copy}", headers=bob.headers)).status_code == 200
    assert await count_rows(session, Media) == 1
    assert await count_rows(session, FileDeletion) == 0


async def test_attaching_checks_ownership_and_that_uploads_are_free(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    bobs = await api.upload(bob)
    mine = await api.upload(ann)

    others = await client.post(
        "/api/tweets", json={"tweet_data": "x", "tweet_media_ids": [bobs]}, headers=ann.headers
    )
    await api.tweet(ann, "with pictures", [mine])
    reused = await client.post(
        "/api/tweets", json={"tweet_data": "y", "tweet_media_ids": [mine]}, headers=ann.headers
    )

    assert others.status_code == 404
    assert reused.status_code == 409
    tweets = await session.scalar(text("SELECT count(*) FROM tweets"))
    assert tweets == 1


async def test_unposted_uploads_expire_and_their_files_go(
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
    app: FastAPI,
) -> None:
    ann = await make_person("Ann")
    old = await api.upload(ann, png_picture(colour="gold"))
    fresh = await api.upload(ann, png_picture(colour="pink"))
    posted = await api.upload(ann, png_picture(colour="cyan"))
    await api.tweet(ann, "with pictures", [posted])
    keys = {m: await storage_key(session, m) for m in (old, fresh, posted)}
    await session.execute(
        text("UPDATE media SET created_at = now() - interval '2 days' WHERE id IN (:a, :b)"),
        {"a": old, "b": posted},
    )
    await session.commit()

    report = await app.state.janitor.run()

    assert report.expired_uploads == 1
    assert report.deleted_files == 1
    assert report.postponed_files == 0
    remaining = set(await session.scalars(select(Media.id)))
    assert remaining == {fresh, posted}
    assert keys[old] not in stored_files(images_dir)
    assert {keys[fresh], keys[posted]} <= stored_files(images_dir)


async def test_uploading_again_rescues_a_file_queued_for_deletion(
    client: AsyncClient,
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
    app: FastAPI,
) -> None:
    ann = await make_person("Ann")
    data = png_picture(colour="coral")
    first = await api.upload(ann, data)
    key = await storage_key(session, first)
    # The upload goes (as an expired one would); its file is queued, not yet deleted.
    await session.execute(text("DELETE FROM media WHERE id = :id"), {"id": first})
    await session.commit()
    assert await count_rows(session, FileDeletion) == 1

    second = await api.upload(ann, data)
    report = await app.state.janitor.run()

    assert report.deleted_files == 0
    assert await count_rows(session, FileDeletion) == 0
    assert key in stored_files(images_dir)
    assert (await client.get(f"/api/medias/{second}", headers=ann.headers)).status_code == 200


async def test_no_stored_file_is_deleted_while_a_backup_runs(
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
    database_url: str,
    app: FastAPI,
) -> None:
    ann = await make_person("Ann")
    media = await api.upload(ann, png_picture(colour="olive"))
    key = await storage_key(session, media)
    tweet = await api.tweet(ann, "gone during a backup", [media])
    janitor = app.state.janitor

    # The backup's snapshot may still list the picture: it stays until the backup ends,
    # both when the deletion follows the tweet's and when the periodic cleanup runs.
    async with deletions_held(database_url):
        await api.delete_tweet(ann, tweet)
        assert key in stored_files(images_dir)
        report = await janitor.run()
        assert report.deleted_files == 0
        assert key in stored_files(images_dir)
    report = await janitor.run()

    assert report.deleted_files == 1
    assert key not in stored_files(images_dir)
    assert await count_rows(session, FileDeletion) == 0


@pytest.mark.processes  # `python -m app media cleanup` as a process
def test_python_m_app_media_cleanup_runs_from_the_command_line(
    database_url: str, image_saver: RunningImageSaver
) -> None:
    result = run_app(
        "media",
        "cleanup",
        settings={
            "DATABASE_URL": database_url,
            "IMAGE_SAVER_URL": image_saver.url,
            "IMAGE_SAVER_TOKEN": image_saver.token,
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Removed 0 unposted upload(s); deleted 0 stored file(s)")


@pytest.mark.processes  # `python -m app media cleanup` as a process
def test_media_cleanup_says_in_one_line_when_image_saver_does_not_answer(
    database_url: str,
) -> None:
    from app.core.embedded_images import free_port

    nobody = f"http://127.0.0.1:{free_port()}"
    result = run_app(
        "media",
        "cleanup",
        "--orphans",
        "60",
        settings={
            "DATABASE_URL": database_url,
            "IMAGE_SAVER_URL": nobody,
            "IMAGE_SAVER_TOKEN": "x" * 20,
        },
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Stopped: The image service is unavailable; try again in a moment"
    )


def test_image_saver_is_reachable_only_with_its_token(image_saver: RunningImageSaver) -> None:
    png = png_picture()
    refused = httpx.post(f"{image_saver.url}/images", files={"file": ("a.png", png)})
    assert refused.status_code == 401


@pytest.mark.processes  # `python -m app media cleanup` as a process
def test_media_cleanup_orphans_deletes_stored_files_no_upload_uses(
    client: AsyncClient,
    database_url: str,
    image_saver: RunningImageSaver,
    images_dir: Path,
) -> None:
    # Stored behind the app's back, as when an upload's database write fails.
    orphan = httpx.post(
        f"{image_saver.url}/images",
        files={"file": ("a.png", png_picture(colour="salmon"))},
        headers={"Authorization": f"Bearer {image_saver.token}"},
    ).json()["key"]
    settings = {
        "DATABASE_URL": database_url,
        "IMAGE_SAVER_URL": image_saver.url,
        "IMAGE_SAVER_TOKEN": image_saver.token,
    }

    too_young = run_app("media", "cleanup", "--orphans", "60", settings=settings)
    assert orphan in stored_files(images_dir)
    swept = run_app("media", "cleanup", "--orphans", "0", settings=settings)

    assert too_young.returncode == swept.returncode == 0, swept.stderr
    assert too_young.stdout.startswith("Found 0 stored file(s) no upload uses.")
    assert orphan not in stored_files(images_dir)
    found = int(swept.stdout.split()[1])
    assert found >= 1  # the session's store may hold other tests' leftovers
    assert f"deleted {found} stored file(s)" in swept.stdout


async def test_a_file_an_upload_queues_waits_until_the_upload_is_surely_over(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    # An upload queues its file as unused from storing it until its row is written (so
    # a failed request leaves nothing behind). Due at once, the cleanup once deleted a
    # fresh upload in that gap (503 "just being removed"). A trigger notes every file
    # queued due at once while the upload was under way.
    await session.execute(text("CREATE TABLE due_at_once (key text)"))
    await session.execute(
        text(
            "CREATE FUNCTION note_due_at_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.not_before IS NULL OR NEW.not_before <= now() THEN "
            "INSERT INTO due_at_once VALUES (NEW.storage_key); END IF; RETURN NEW; END $$"
        )
    )
    await session.execute(
        text(
            "CREATE TRIGGER note_due_at_once AFTER INSERT ON file_deletions "
            "FOR EACH ROW EXECUTE FUNCTION note_due_at_once()"
        )
    )
    await session.commit()
    try:
        ann = await make_person("Ann")
        for n in range(3):
            await api.upload(ann, png_picture(10 + n, 10, "plum"))
        assert (await session.scalars(text("SELECT key FROM due_at_once"))).all() == []
        assert await count_rows(session, Media) == 3
        assert await count_rows(session, FileDeletion) == 0
    finally:
        await session.rollback()
        await session.execute(text("DROP TABLE due_at_once"))
        await session.execute(text("DROP TRIGGER note_due_at_once ON file_deletions"))
        await session.execute(text("DROP FUNCTION note_due_at_once"))
        await session.commit()


async def test_a_picture_costs_no_session_lookup_for_the_cookie_it_comes_with(
    app: FastAPI, client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    """A signed-in browser sends its session cookie with every <img>: a posted picture
    is anyone's, so it is served without looking the cookie up."""
    ann = await make_person("Ann")
    media_id = await api.upload(ann)
    await api.tweet(ann, "With a picture", [media_id])
    headers = await cookie_headers(app, ann.id)
    with count_statements(app) as statements:
        response = await client.get(f"/api/medias/{media_id}", headers=headers)
    assert response.status_code == 200
    assert not [s for s in statements if "web_sessions" in s], statements
