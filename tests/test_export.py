"""A person's data export: GET /api/users/me/export, a ZIP archive of their profile,
posts (with replies' ids, likes, mentions, hashtags, pictures and earlier texts),
likes, follows and the pictures themselves, fetched from the real image_saver."""

import io
import json
import socket
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.handlers.export.records import POSTS_BATCH
from app.main import create_app
from tests.helpers.api import Api, MakePerson, Person, png_picture, refused
from tests.helpers.app import running

EXPORT = "/api/users/me/export"


def _archive(response: Response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None  # every entry's CRC holds
    return archive


def _json(archive: zipfile.ZipFile, name: str) -> Any:
    return json.loads(archive.read(name))


async def test_the_archive_holds_the_callers_data_and_only_theirs(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob, cat = await make_person("Ann"), await make_person("Bob"), await make_person("Cat")
    await session.execute(
        text("UPDATE users SET email = 'ann@corp.test' WHERE id = :id"), {"id": ann.id}
    )
    await session.commit()
    await api.follow(ann, bob)
    await api.follow(cat, ann)
    red, blue = png_picture(colour="red"), png_picture(40, 30, colour="blue")
    posted_picture = await api.upload(ann, red)
    first = await api.tweet(ann, "Hello @bob #intro", [posted_picture])
    await api.edit(ann, first, "Hello @bob and @cat #intro #edited")
    unposted = await api.upload(ann, blue, "later.png")
    reply_by_bob = await api.reply(bob, first, "Hi Ann")
    own_reply = await api.reply(ann, reply_by_bob, "Hi Bob")
    bobs = await api.tweet(
        bob, "Bob's own post", [await api.upload(bob, png_picture(colour="lime"))]
    )
    await api.like(ann, bobs)
    await api.like(ann, first)
    await api.like(bob, first)

    response = await api.client.get(EXPORT, headers=ann.headers)
    archive = _archive(response)
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="microblog-ann-{today}.zip"'
    )
    assert sorted(archive.namelist()) == sorted(
        [
            "profile.json",
            "posts.json",
            "likes.json",
            "follows.json",
            f"images/{posted_picture}.png",
            f"images/{unposted}.png",
        ]
    )

    profile = _json(archive, "profile.json")
    me = await api.profile(ann)
    assert profile == {
        "id": ann.id,
        "name": "Ann",
        "handle": "ann",
        "email": "ann@corp.test",
        "created_at": profile["created_at"],
        "followers_count": 1,
        "following_count": 1,
    }
    assert datetime.fromisoformat(profile["created_at"]).tzinfo is not None
    assert me["followers_count"] == 1

    posts = _json(archive, "posts.json")
    assert [p["id"] for p in posts] == [first, own_reply]
    shown = await api.one_tweet(ann, first)
    history = await api.history(ann, first)
    assert posts[0] == {
        "id": first,
        "content": "Hello @bob and @cat #intro #edited",
        "created_at": shown["created_at"],
        "edited_at": shown["edited_at"],
        "reply_to": None,
        "conversation_id": first,
        "likes_count": 2,
        "replies": [reply_by_bob],
        "hashtags": ["intro", "edited"],
        "mentions": [
            {"id": bob.id, "handle": "bob", "name": "Bob"},
            {"id": cat.id, "handle": "cat", "name": "Cat"},
        ],
        "attachments": [f"images/{posted_picture}.png"],
        "versions": history,
    }
    assert posts[0]["versions"][0]["content"] == "Hello @bob #intro"
    assert posts[1]["reply_to"] == reply_by_bob
    assert posts[1]["conversation_id"] == first
    assert posts[1]["edited_at"] is None
    assert posts[1]["versions"] == []

    likes = _json(archive, "likes.json")
    assert [like["tweet_id"] for like in likes] == [bobs, first]
    assert all(datetime.fromisoformat(like["liked_at"]) for like in likes)

    follows = _json(archive, "follows.json")
    assert [(p["id"], p["handle"], p["name"]) for p in follows["following"]] == [
        (bob.id, "bob", "Bob")
    ]
    assert [(p["id"], p["handle"], p["name"]) for p in follows["followers"]] == [
        (cat.id, "cat", "Cat")
    ]

    # The pictures' bytes as image_saver keeps them (and serves them).
    for media_id in (posted_picture, unposted):
        served = await api.client.get(f"/api/medias/{media_id}", headers=ann.headers)
        assert served.status_code == 200
        assert archive.read(f"images/{media_id}.png") == served.content
        assert archive.getinfo(f"images/{media_id}.png").compress_type == zipfile.ZIP_STORED

    # Bob's archive is his: none of Ann's posts, pictures or likes.
    bobs_archive = _archive(await api.client.get(EXPORT, headers=bob.headers))
    assert [p["id"] for p in _json(bobs_archive, "posts.json")] == [reply_by_bob, bobs]
    assert [like["tweet_id"] for like in _json(bobs_archive, "likes.json")] == [first]
    assert not {f"images/{posted_picture}.png", f"images/{unposted}.png"} & set(
        bobs_archive.namelist()
    )
    assert _json(bobs_archive, "profile.json")["email"] is None


async def test_a_person_with_nothing_gets_empty_lists(
    client: AsyncClient, make_person: MakePerson
) -> None:
    dan = await make_person("Dan")
    archive = _archive(await client.get(EXPORT, headers=dan.headers))
    assert sorted(archive.namelist()) == [
        "follows.json",
        "likes.json",
        "posts.json",
        "profile.json",
    ]
    assert _json(archive, "posts.json") == []
    assert _json(archive, "likes.json") == []
    assert _json(archive, "follows.json") == {"following": [], "followers": []}


async def test_posts_come_in_batches_all_of_them_oldest_first(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    many = 2 * POSTS_BATCH + 7
    # Half of them with the same time (one transaction): ordered by id within it.
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content) "
            "SELECT :id, 'post ' || n FROM generate_series(1, CAST(:half AS int)) AS n"
        ),
        {"id": ann.id, "half": many // 2},
    )
    await session.commit()
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content) "
            "SELECT :id, 'post ' || n "
            "FROM generate_series(CAST(:from AS int), CAST(:to AS int)) AS n"
        ),
        {"id": ann.id, "from": many // 2 + 1, "to": many},
    )
    await session.commit()
    posts = _json(_archive(await client.get(EXPORT, headers=ann.headers)), "posts.json")
    assert [p["content"] for p in posts] == [f"post {n}" for n in range(1, many + 1)]
    assert len({p["id"] for p in posts}) == many


async def test_the_export_needs_a_key(client: AsyncClient) -> None:
    refused(await client.get(EXPORT), 401, "Unauthorized")
    refused(await client.get(EXPORT, headers={"api-key": "not-a-key"}), 401, "Unauthorized")


async def test_me_export_is_not_a_person_and_the_profiles_still_answer(
    api: Api, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    assert (await api.profile(ann))["id"] == ann.id
    assert (await api.profile(ann, ann.id))["id"] == ann.id
    # Not a person's id, whatever the route order.
    refused(await api.client.get("/api/users/export", headers=ann.headers), 422)
    refused(await api.client.get(f"/api/users/{ann.id}/export", headers=ann.headers), 404)
    _archive(await api.client.get(EXPORT, headers=ann.headers))


async def test_exports_spend_the_uploads_budget(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    settings = app_settings(
        rate_limit_reads_per_minute=50,
        rate_limit_writes_per_minute=50,
        rate_limit_uploads_per_minute=2,
    )
    ann, bob = await make_person("Ann"), await make_person("Bob")
    async with running(create_app(settings)) as (_, client):
        assert (await client.get(EXPORT, headers=ann.headers)).status_code == 200
        uploaded = await client.post(
            "/api/medias", files={"file": ("p.png", png_picture())}, headers=ann.headers
        )
        assert uploaded.status_code == 201
        over = await client.get(EXPORT, headers=ann.headers)
        refused(over, 429, "TooManyRequests")
        assert "uploads" in over.json()["error_message"]
        assert over.headers["retry-after"]
        # Reads have their own budget; Bob his own.
        assert (await client.get("/api/users/me", headers=ann.headers)).status_code == 200
        assert (await client.get(EXPORT, headers=bob.headers)).status_code == 200


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: an image_saver hanging."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


async def _three_pictures(api: Api, ann: Person) -> list[int]:
    ids = [await api.upload(ann, png_picture(colour=c)) for c in ("red", "green", "blue")]
    await api.tweet(ann, "Three pictures", ids[:2])
    return ids


@pytest.mark.parametrize("failure", ["refusing", "hanging"])
async def test_without_image_saver_the_archive_is_whole_but_for_the_pictures_named(
    api: Api,
    make_person: MakePerson,
    app_settings: Callable[..., Settings],
    silent_port: int,
    failure: str,
) -> None:
    ann = await make_person("Ann")
    ids = await _three_pictures(api, ann)
    if failure == "refusing":
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    else:
        port = silent_port
    timeout = 1.0
    settings = app_settings(
        image_saver_url=f"http://127.0.0.1:{port}", image_saver_timeout_seconds=timeout
    )
    async with running(settings) as (_, client):
        started = time.monotonic()
        response = await client.get(EXPORT, headers=ann.headers)
        took = time.monotonic() - started
    archive = _archive(response)
    # image_saver is asked once, not once a picture.
    assert took < 3 * timeout, took
    assert not [name for name in archive.namelist() if name.startswith("images/")]
    missing = _json(archive, "missing-images.json")
    assert [m["media_id"] for m in missing] == ids
    assert [m["file"] for m in missing] == [f"images/{i}.png" for i in ids]
    assert all("image service is unavailable" in m["reason"] for m in missing)
    assert len(_json(archive, "posts.json")) == 1


async def test_a_picture_whose_file_is_gone_is_named_and_the_rest_are_there(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    ids = await _three_pictures(api, ann)
    # The middle one's row points at a file image_saver never had.
    await session.execute(
        text("UPDATE media SET storage_key = :key WHERE id = :id"),
        {"key": "0" * 64 + ".png", "id": ids[1]},
    )
    await session.commit()
    archive = _archive(await api.client.get(EXPORT, headers=ann.headers))
    assert sorted(n for n in archive.namelist() if n.startswith("images/")) == sorted(
        [f"images/{ids[0]}.png", f"images/{ids[2]}.png"]
    )
    assert _json(archive, "missing-images.json") == [
        {"media_id": ids[1], "file": f"images/{ids[1]}.png", "reason": "The picture's file is gone"}
    ]
