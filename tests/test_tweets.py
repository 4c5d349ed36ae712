"""Posting, deleting and liking tweets."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.main import create_app
from tests.helpers.api import Api, MakePerson, json_or_raw
from tests.helpers.app import count, running


async def test_post_a_tweet_and_see_it_in_the_feed(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    tweet_id = await api.tweet(ann, "  Hello, colleagues!\n")
    feed = await client.get("/api/tweets", headers=ann.headers)
    [tweet] = feed.json()["tweets"]
    assert tweet["id"] == tweet_id
    assert tweet["content"] == "Hello, colleagues!"
    assert tweet["attachments"] == []
    assert tweet["author"] == {"id": ann.id, "name": "Ann", "handle": "ann", "active": True}
    assert tweet["likes"] == []
    assert tweet["created_at"].endswith("Z")


@pytest.mark.parametrize(
    "body",
    [
        {"tweet_data": ""},
        {"tweet_data": " \n\t "},
        {"tweet_data": "x" * 281},
        {"tweet_data": "nul \x00 inside"},
        '{"tweet_data": "lone surrogate \\ud800"}',  # raw JSON: httpx cannot encode it
        {"tweet_data": "bell \x07"},
        {"tweet_data": None},
        {"tweet_data": 42},
        {},
        {"tweet_data": "ok", "tweet_media_ids": "1"},
        {"tweet_data": "ok", "tweet_media_ids": [0]},
        {"tweet_data": "ok", "tweet_media_ids": [1, 2, 3, 4, 5]},
    ],
)
async def test_bad_tweets_are_refused_and_nothing_is_created(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession, body: object
) -> None:
    ann = await make_person("Ann")
    response = await client.post("/api/tweets", **json_or_raw(body, ann.headers))
    assert response.status_code == 422
    assert response.json()["result"] is False
    assert response.json()["error_type"] == "ValidationError"
    assert await count(session, "SELECT count(*) FROM tweets") == 0


@pytest.mark.parametrize("media", [None, []])
async def test_no_pictures_may_be_sent_as_null_or_empty(
    client: AsyncClient, make_person: MakePerson, media: list[int] | None
) -> None:
    ann = await make_person("Ann")
    body = {"tweet_data": "words only", "tweet_media_ids": media}
    response = await client.post("/api/tweets", json=body, headers=ann.headers)
    assert response.status_code == 201


async def test_length_limit_counts_characters_after_trimming(
    api: Api, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    await api.tweet(ann, "  " + "я" * 280 + "  ")
    await api.tweet(ann, "🚀" * 280)


async def test_length_limit_is_configurable(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    short: FastAPI = create_app(app_settings(max_tweet_length=10))
    ann = await make_person("Ann")
    async with running(short) as (_, client):
        ok = await client.post(
            "/api/tweets", json={"tweet_data": "0123456789"}, headers=ann.headers
        )
        long = await client.post(
            "/api/tweets", json={"tweet_data": "01234567890"}, headers=ann.headers
        )
    assert ok.status_code == 201
    assert long.status_code == 422
    assert long.json()["error_message"] == "The tweet is 11 characters long; the limit is 10"
    assert long.json()["details"] == [
        {"field": "tweet_data", "message": long.json()["error_message"]}
    ]


async def test_pictures_are_attached_as_urls(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    first, second = await api.upload(ann), await api.upload(ann)
    await api.tweet(ann, "two pictures", [second, first])
    [tweet] = (await client.get("/api/tweets", headers=ann.headers)).json()["tweets"]
    assert tweet["attachments"] == [f"/api/medias/{first}", f"/api/medias/{second}"]


async def test_media_rules_refuse_and_create_nothing(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    mine, bobs = await api.upload(ann), await api.upload(bob)
    await api.tweet(ann, "uses it", [mine])
    free = await api.upload(ann)
    cases = [
        ([bobs], 404),  # someone else's upload
        ([free, 999], 404),  # does not exist
        ([free, mine], 409),  # already attached to a tweet
        ([free, free], 422),  # listed twice
    ]
    for media_ids, status in cases:
        response = await client.post(
            "/api/tweets",
            json={"tweet_data": "x", "tweet_media_ids": media_ids},
            headers=ann.headers,
        )
        assert response.status_code == status, media_ids
        assert response.json()["result"] is False
    assert await count(session, "SELECT count(*) FROM tweets") == 1
    assert await count(session, "SELECT count(*) FROM media WHERE tweet_id IS NULL") == 2


async def test_delete_own_tweet_removes_its_likes_and_media(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    media = await api.upload(ann)
    tweet_id = await api.tweet(ann, "short-lived", [media])
    await api.like(bob, tweet_id)

    response = await client.delete(f"/api/tweets/{tweet_id}", headers=ann.headers)
    assert response.status_code == 200
    assert response.json() == {"result": True}
    assert (await client.get("/api/tweets", headers=ann.headers)).json()["tweets"] == []
    assert await count(session, "SELECT count(*) FROM likes") == 0
    assert await count(session, "SELECT count(*) FROM media") == 0
    again = await client.delete(f"/api/tweets/{tweet_id}", headers=ann.headers)
    assert again.status_code == 404
    assert again.json()["error_type"] == "NotFound"


async def test_nobody_deletes_someone_elses_tweet(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet_id = await api.tweet(ann, "mine")
    response = await client.delete(f"/api/tweets/{tweet_id}", headers=bob.headers)
    assert response.status_code == 403
    assert response.json()["error_type"] == "Forbidden"
    assert await count(session, "SELECT count(*) FROM tweets") == 1


async def test_like_and_unlike_are_idempotent(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet_id = await api.tweet(ann, "like me")
    for _ in range(2):
        response = await client.post(f"/api/tweets/{tweet_id}/likes", headers=bob.headers)
        assert response.json() == {"result": True}
    [tweet] = (await client.get(f"/api/users/{ann.id}/tweets", headers=bob.headers)).json()[
        "tweets"
    ]
    assert tweet["likes"] == [{"user_id": bob.id, "name": "Bob", "handle": "bob"}]
    assert tweet["likes_count"] == 1
    for _ in range(2):
        response = await client.delete(f"/api/tweets/{tweet_id}/likes", headers=bob.headers)
        assert response.json() == {"result": True}
    assert await count(session, "SELECT likes_count FROM tweets") == 0
    assert await count(session, "SELECT count(*) FROM likes") == 0
