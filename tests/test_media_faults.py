"""image_saver away, slow uploads, and the cleanup the server runs by itself."""

import asyncio
import contextlib
import os
import secrets
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.embedded_images import RunningImageSaver, free_port, start_image_saver, stop
from app.core.models import FileDeletion, Media
from app.handlers.media.locks import lock_stored_file
from tests.helpers.api import Api, MakePerson, Person, png_picture
from tests.helpers.app import MAX_UPLOAD_BYTES, count_rows, running, stored_files
from tests.helpers.polling import eventually_async, server_has_unread


def _own_image_saver(
    app_settings: Callable[..., Settings], images_dir: Path
) -> tuple[Settings, Callable[[], RunningImageSaver]]:
    """Settings for an app whose image_saver is the test's own to stop, and how to start
    that image_saver (again: on the same port, with the same token and folder)."""
    port, token = free_port(), secrets.token_urlsafe(24)

    def start() -> RunningImageSaver:
        return start_image_saver(
            images_dir, max_upload_bytes=MAX_UPLOAD_BYTES, port=port, token=token
        )

    return app_settings(image_saver_url=f"http://127.0.0.1:{port}", image_saver_token=token), start


# A multipart upload of boundary `b`, up to the file's bytes, for bodies sent by hand.
FORM = {"content-type": "multipart/form-data; boundary=b"}
FILE_PART = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'


@pytest.mark.processes  # an image_saver process of its own, stopped
async def test_without_image_saver_uploads_are_503_and_the_rest_works_and_recovers(
    app_settings: Callable[..., Settings],
    make_person: MakePerson,
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    images_dir = tmp_path / "images"
    settings, start_saver = _own_image_saver(app_settings, images_dir)
    saver = start_saver()
    ann = await make_person("Ann")
    async with running(settings) as (application, client):
        api = Api(client)
        kept = await api.upload(ann, png_picture(colour="red"))
        doomed = await api.upload(ann, png_picture(colour="green"))
        for media_id in (kept, doomed):
            doomed_tweet = await api.tweet(ann, "pic", [media_id])  # the last one: doomed's
        assert len(stored_files(images_dir)) == 2

        stop(saver.process)

        refused = await client.post(
            "/api/medias", files={"file": ("a.png", png_picture())}, headers=ann.headers
        )
        assert refused.status_code == 503
        assert refused.json()["error_type"] == "ServiceUnavailable"
        assert refused.headers["retry-after"]
        assert await count_rows(session, Media) == 2
        assert len(await api.feed(ann)) == 2
        assert (await client.get(f"/api/medias/{kept}")).status_code == 503
        assert (await client.get("/ready")).status_code == 503
        assert (await client.get("/health")).status_code == 200
        # The tweet goes now; its file waits in the queue.
        await api.delete_tweet(ann, doomed_tweet)
        assert await count_rows(session, Media) == 1
        attempts = await session.scalar(select(FileDeletion.attempts))
        assert attempts == 1
        assert len(stored_files(images_dir)) == 2

        saver = start_saver()
        try:
            report = await application.state.janitor.run()
            assert report.deleted_files == 1
            assert await count_rows(session, FileDeletion) == 0
            assert len(stored_files(images_dir)) == 1
            assert (await client.get(f"/api/medias/{kept}")).status_code == 200

            async def ready() -> bool:  # its last answer, 503, is reused for a second
                return (await client.get("/ready")).status_code == 200

            await eventually_async(ready, what="/ready to answer 200")
            await api.upload(ann, png_picture(colour="blue"))
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
            # The app pulled the first chunk: it is past the api key check, inside
            # the upload, waiting for the rest of the bytes.
            await started.wait()
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
        media_id = await Api(client).upload(ann, png_picture(colour="khaki"))
        key = await session.scalar(select(Media.storage_key).where(Media.id == media_id))
        await session.execute(text("UPDATE media SET created_at = now() - interval '2 minutes'"))
        await session.commit()

        async def cleaned_up() -> bool:  # the row goes first, then its file
            return not await count_rows(session, Media) and key not in stored_files(images_dir)

        await eventually_async(cleaned_up, what="the server's own cleanup")

    assert await count_rows(session, Media) == 0
    assert key not in stored_files(images_dir)


async def _drop_upload(session: AsyncSession, api: Api, person: Person, colour: str) -> str:
    """Upload a picture and remove its row: the file stays, queued for deletion."""
    media_id = await api.upload(person, png_picture(colour=colour))
    key = await session.scalar(select(Media.storage_key).where(Media.id == media_id))
    assert key is not None
    await session.execute(text("DELETE FROM media WHERE id = :id"), {"id": media_id})
    await session.commit()
    return key


async def _forget(
    session: AsyncSession, api: Api, application: FastAPI, person: Person, colour: str
) -> str:
    """Upload a picture, then remove it with its file; returns the file's key."""
    key = await _drop_upload(session, api, person, colour)
    await application.state.janitor.run()
    return key


async def test_an_upload_whose_database_write_fails_leaves_no_file_for_good(
    app: FastAPI,
    api: Api,
    app_settings: Callable[..., Settings],
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
) -> None:
    ann = await make_person("Ann")
    key = await _forget(session, api, app, ann, "indigo")
    assert key not in stored_files(images_dir)
    # The upload's database work will time out waiting for this lock.
    await lock_stored_file(session, key)  # as a slow peer would
    # Short enough for a quick test, long enough that the key's lookup never hits it.
    async with running(app_settings(db_statement_timeout_ms=2000)) as (_, impatient):
        failed = await impatient.post(
            "/api/medias",
            files={"file": ("a.png", png_picture(colour="indigo"))},
            headers=ann.headers,
        )
    await session.rollback()

    assert failed.status_code == 503
    assert await count_rows(session, Media) == 0
    assert key in stored_files(images_dir)  # image_saver had stored it
    # Not before the failed upload could still be writing its row...
    assert (await app.state.janitor.run()).deleted_files == 0
    # ...and once that time is over (moved here, not waited for), for good.
    await session.execute(update(FileDeletion).values(not_before=func.now()))
    await session.commit()
    report = await app.state.janitor.run()
    assert report.deleted_files == 1
    assert key not in stored_files(images_dir)


async def test_the_cleanup_skips_a_file_someone_is_deciding_on(
    app: FastAPI,
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
) -> None:
    key = await _drop_upload(session, api, await make_person("Ann"), "tan")
    await lock_stored_file(session, key)  # as a slow peer would

    busy = await app.state.janitor.delete_files([key])
    assert busy.deleted == 0
    assert key in stored_files(images_dir)
    await session.rollback()
    later = await app.state.janitor.run()

    assert later.deleted_files == 1
    assert key not in stored_files(images_dir)
    assert await count_rows(session, FileDeletion) == 0


async def test_an_upload_racing_the_deletion_of_its_own_picture_is_503_not_a_broken_row(
    app: FastAPI,
    client: AsyncClient,
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    image_saver: RunningImageSaver,
) -> None:
    ann = await make_person("Ann")
    key = await _forget(session, api, app, ann, "linen")
    await lock_stored_file(session, key)  # as a slow peer would
    racing = asyncio.create_task(
        client.post(
            "/api/medias",
            files={"file": ("a.png", png_picture(colour="linen"))},
            headers=ann.headers,
        )
    )
    # Once the upload waits for the lock, its file is stored: a deletion wins the race.
    async with app.state.sessionmaker() as watcher:

        async def upload_waiting() -> int | None:
            assert not racing.done(), racing.result().text
            count: int | None = await watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                )
            )
            return count

        waiting = await eventually_async(upload_waiting, every=0.05, what="the upload's wait")
    assert waiting == 1
    async with httpx.AsyncClient() as direct:
        deleted = await direct.delete(
            f"{image_saver.url}/images/{key}",
            headers={"Authorization": f"Bearer {image_saver.token}"},
        )
    assert deleted.status_code == 204
    await session.rollback()
    response = await racing

    assert response.status_code == 503
    assert "upload it again" in response.json()["error_message"]
    assert await count_rows(session, Media) == 0


async def _stalling() -> AsyncIterator[bytes]:
    yield FILE_PART
    # The stall is what is under test: six times the idle timeout, on the same event
    # loop as the app's timer, which therefore always fires first, however busy.
    await asyncio.sleep(3)
    yield png_picture()


async def _dripping() -> AsyncIterator[bytes]:
    yield FILE_PART
    # A byte every 0.1 s, never idle for the 0.5 s timeout, for ten seconds: the pace
    # is what is under test, on the same event loop as the app's timer.
    for _ in range(100):
        await asyncio.sleep(0.1)
        yield b"x"
    yield b"\r\n--b--\r\n"


@pytest.mark.parametrize(("body", "reason"), [(_stalling, "stalled"), (_dripping, "too slow")])
async def test_a_stalled_or_drip_fed_upload_is_cut_off_with_408(
    body: Callable[[], AsyncIterator[bytes]],
    reason: str,
    app_settings: Callable[..., Settings],
    make_person: MakePerson,
    session: AsyncSession,
) -> None:
    ann = await make_person("Ann")
    settings = app_settings(upload_idle_timeout_seconds=0.5, upload_min_bytes_per_second=1000)
    async with running(settings) as (_, client):
        response = await client.post("/api/medias", content=body(), headers=ann.headers | FORM)

    assert response.status_code == 408, response.text
    assert response.json()["error_type"] == "RequestTimeout"
    # Idle for half a second, or behind 1000 bytes a second by that much: cut off
    # long before the drip would have ended.
    assert reason in response.json()["error_message"]
    assert await count_rows(session, Media) == 0


async def test_one_person_cannot_hold_every_upload_slot(
    app_settings: Callable[..., Settings], make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    release = asyncio.Event()
    relayed = 0

    async def held() -> AsyncIterator[bytes]:
        nonlocal relayed
        yield FILE_PART
        relayed += 1  # the app asked for more: this upload holds a slot
        await asyncio.wait_for(release.wait(), timeout=20)
        yield png_picture(colour="navy") + b"\r\n--b--\r\n"

    async with running(app_settings(max_concurrent_uploads_per_person=4)) as (_, client):
        # As many as a process has upload slots, all from one person.
        uploads = [
            asyncio.create_task(
                client.post("/api/medias", content=held(), headers=ann.headers | FORM)
            )
            for _ in range(50)
        ]

        async def all_under_way_or_refused() -> bool:
            return relayed + sum(upload.done() for upload in uploads) == len(uploads)

        await eventually_async(all_under_way_or_refused, what="every upload to start or be refused")
        others = await client.post(
            "/api/medias",
            files={"file": ("b.png", png_picture(colour="gold"))},
            headers=bob.headers,
        )
        release.set()
        answers = [await upload for upload in uploads]

    assert others.status_code == 201, others.text
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * 4 + [429] * 46
    refusal = next(answer for answer in answers if answer.status_code == 429)
    assert refusal.json()["error_type"] == "TooManyRequests"
    assert "already uploading 4 pictures" in refusal.json()["error_message"]
    assert refusal.headers["retry-after"] == "1"
    assert await count_rows(session, Media) == 5


async def test_a_picture_whose_delete_may_still_be_under_way_is_not_trusted(
    app: FastAPI,
    client: AsyncClient,
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    images_dir: Path,
) -> None:
    ann = await make_person("Ann")
    key = await _drop_upload(session, api, ann, "plum")
    # A delete of the file was sent a moment ago and timed out: it may still happen.
    await session.execute(text("UPDATE file_deletions SET attempts = 1, last_attempt_at = now()"))
    await session.commit()

    refused = await client.post(
        "/api/medias", files={"file": ("a.png", png_picture(colour="plum"))}, headers=ann.headers
    )
    await session.execute(
        text("UPDATE file_deletions SET last_attempt_at = now() - interval '10 minutes'")
    )
    await session.commit()
    accepted = await api.upload(ann, png_picture(colour="plum"))

    assert refused.status_code == 503
    assert "upload it again in a few minutes" in refused.json()["error_message"]
    assert await count_rows(session, FileDeletion) == 0  # the new upload took the file back
    assert await session.scalar(select(Media.storage_key).where(Media.id == accepted)) == key
    assert key in stored_files(images_dir)


@pytest.mark.processes  # an image_saver process of its own, stopped mid-request
async def test_a_delete_cancelled_mid_request_leaves_its_file_in_doubt(
    app_settings: Callable[..., Settings],
    make_person: MakePerson,
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    images_dir = tmp_path / "images"
    settings, start_saver = _own_image_saver(app_settings, images_dir)
    saver = start_saver()
    port = int(saver.url.rsplit(":", 1)[1])
    ann = await make_person("Ann")
    try:
        async with running(settings) as (application, client):
            key = await _drop_upload(session, Api(client), ann, "olive")
            os.kill(saver.process.pid, signal.SIGSTOP)
            deleting = asyncio.create_task(application.state.janitor.delete_files([key]))

            async def request_sent() -> bool:
                assert not deleting.done()
                return server_has_unread(port)

            await eventually_async(request_sent, what="the delete to reach image_saver")
            deleting.cancel()  # as at shutdown
            with contextlib.suppress(asyncio.CancelledError):
                await deleting
            os.kill(saver.process.pid, signal.SIGCONT)

            # image_saver carries out the delete it was sent, after the app gave up on it.
            await eventually_async(
                lambda: asyncio.to_thread(lambda: key not in stored_files(images_dir)),
                what="the delete to land",
            )
            assert await session.scalar(select(FileDeletion.last_attempt_at)) is not None
            refused = await client.post(
                "/api/medias",
                files={"file": ("a.png", png_picture(colour="olive"))},
                headers=ann.headers,
            )
            assert refused.status_code == 503
            assert "upload it again in a few minutes" in refused.json()["error_message"]
    finally:
        os.kill(saver.process.pid, signal.SIGCONT)
        stop(saver.process)
