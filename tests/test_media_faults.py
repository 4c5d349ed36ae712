"""image_saver away, slow uploads, and the cleanup the server runs by itself."""

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.embedded_images import free_port, start_image_saver, stop
from app.core.models import FileDeletion, Media
from app.main import create_app
from tests.conftest import MAX_UPLOAD_BYTES, MakePerson, Person, png_picture


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    application = create_app(settings)
    transport = ASGITransport(app=application, raise_app_exceptions=False)
    async with (
        application.router.lifespan_context(application),
        AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield application, client


async def upload(client: AsyncClient, person: Person, colour: str) -> int:
    response = await client.post(
        "/api/medias", files={"file": ("a.png", png_picture(colour=colour))}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    media_id: int = response.json()["media_id"]
    return media_id


def stored_files(images_dir: Path) -> set[str]:
    return {p.name for p in images_dir.rglob("*") if p.is_file() and ".staging" not in p.parts}


async def count(session: AsyncSession, model: type[Media] | type[FileDeletion]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_without_image_saver_uploads_are_503_and_the_rest_works_and_recovers(
    app_settings: Callable[..., Settings],
    make_person: MakePerson,
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    images_dir, port, token = tmp_path / "images", free_port(), secrets.token_urlsafe(24)
    saver = start_image_saver(images_dir, max_upload_bytes=MAX_UPLOAD_BYTES, port=port, token=token)
    settings = app_settings(image_saver_url=saver.url, image_saver_token=token)
    ann = await make_person("Ann")
    async with running(settings) as (application, client):
        kept = await upload(client, ann, "red")
        doomed = await upload(client, ann, "green")
        for media_id in (kept, doomed):
            posted = await client.post(
                "/api/tweets",
                json={"tweet_data": "pic", "tweet_media_ids": [media_id]},
                headers=ann.headers,
            )
            assert posted.status_code == 201
        doomed_tweet = posted.json()["tweet_id"]
        assert len(stored_files(images_dir)) == 2

        stop(saver.process)

        refused = await client.post(
            "/api/medias", files={"file": ("a.png", png_picture())}, headers=ann.headers
        )
        assert refused.status_code == 503
        assert refused.json()["error_type"] == "ServiceUnavailable"
        assert refused.headers["retry-after"]
        assert await count(session, Media) == 2
        feed = await client.get("/api/tweets", headers=ann.headers)
        assert feed.status_code == 200
        assert len(feed.json()["tweets"]) == 2
        assert (await client.get(f"/api/medias/{kept}")).status_code == 503
        assert (await client.get("/ready")).status_code == 503
        assert (await client.get("/health")).status_code == 200
        # The tweet goes now; its file waits in the queue.
        deleted = await client.delete(f"/api/tweets/{doomed_tweet}", headers=ann.headers)
        assert deleted.status_code == 200
        assert await count(session, Media) == 1
        attempts = await session.scalar(select(FileDeletion.attempts))
        assert attempts == 1
        assert len(stored_files(images_dir)) == 2

        saver = start_image_saver(
            images_dir, max_upload_bytes=MAX_UPLOAD_BYTES, port=port, token=token
        )
        try:
            report = await application.state.janitor.run()
            assert report.deleted_files == 1
            assert await count(session, FileDeletion) == 0
            assert len(stored_files(images_dir)) == 1
            assert (await client.get(f"/api/medias/{kept}")).status_code == 200
            assert (await client.get("/ready")).status_code == 200
            await upload(client, ann, "blue")
        finally:
            stop(saver.process)


async def test_a_slow_upload_holds_no_database_connection(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    # One connection in all: if the upload kept it, nothing else could run meanwhile.
    settings = app_settings(db_pool_size=1, db_max_overflow=0)
    ann = await make_person("Ann")
    events: list[str] = []
    picture = png_picture(colour="purple")
    boundary = b"slowboundary"
    parts = [
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
        b'filename="a.png"\r\nContent-Type: image/png\r\n\r\n',
        picture,
        b"\r\n--" + boundary + b"--\r\n",
    ]
    started = asyncio.Event()
    others_done = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield parts[0]
        started.set()
        await asyncio.wait_for(others_done.wait(), timeout=20)
        yield parts[1]
        yield parts[2]

    async with running(settings) as (_, client):

        async def slow_upload() -> int:
            response = await client.post(
                "/api/medias",
                content=slow_body(),
                headers=ann.headers
                | {"content-type": f"multipart/form-data; boundary={boundary.decode()}"},
            )
            events.append("upload done")
            return response.status_code

        async def meanwhile() -> int:
            await started.wait()
            await asyncio.sleep(0.2)  # the upload is now waiting for its bytes
            response = await client.get("/api/users/me", headers=ann.headers)
            events.append("profile done")
            others_done.set()
            return response.status_code

        statuses = await asyncio.gather(slow_upload(), meanwhile())

    assert list(statuses) == [201, 200]
    assert events == ["profile done", "upload done"]


async def test_the_server_cleans_up_expired_uploads_by_itself(
    app_settings: Callable[..., Settings],
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
) -> None:
    settings = app_settings(media_cleanup_interval_seconds=1, unattached_media_ttl_minutes=1)
    ann = await make_person("Ann")
    async with running(settings) as (_, client):
        media_id = await upload(client, ann, "khaki")
        key = await session.scalar(select(Media.storage_key).where(Media.id == media_id))
        await session.execute(text("UPDATE media SET created_at = now() - interval '2 minutes'"))
        await session.commit()
        for _ in range(75):  # up to 15 s
            if not await count(session, Media):
                break
            await asyncio.sleep(0.2)

    assert await count(session, Media) == 0
    assert key not in stored_files(images_dir)
