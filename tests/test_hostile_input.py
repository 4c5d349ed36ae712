"""Hostile and odd input, all in one place: each gets the right 4xx in the envelope,
or is stored and returned exactly as typed; nothing crashes, nothing half-happens."""

import json
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers.api import Api, MakePerson, refused


async def _nothing_created(session: AsyncSession) -> None:
    await session.rollback()
    assert await session.scalar(text("SELECT count(*) FROM tweets")) == 0


async def test_huge_bodies_are_413_before_being_read(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    huge = json.dumps({"tweet_data": "x" * 2_000_000})
    declared = await client.post(
        "/api/tweets", content=huge, headers=ann.headers | {"content-type": "application/json"}
    )
    refused(declared, 413, "PayloadTooLarge")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: streamed
        for _ in range(200):
            yield b"x" * 10_000

    streamed = await client.post(
        "/api/tweets", content=chunks(), headers=ann.headers | {"content-type": "application/json"}
    )
    refused(streamed, 413, "PayloadTooLarge")
    await _nothing_created(session)


@pytest.mark.parametrize("depth", [50, 5_000, 30_000])
async def test_deeply_nested_json_is_refused(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession, depth: int
) -> None:
    ann = await make_person("Ann")
    nested = '{"tweet_data": ' + "[" * depth + "]" * depth + "}"
    response = await client.post(
        "/api/tweets", content=nested, headers=ann.headers | {"content-type": "application/json"}
    )
    # Shallow: the wrong type; deep: too deep to parse. Either way the body is refused.
    refused(response, 422, "ValidationError")
    await _nothing_created(session)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"tweet_data": "hi"}'),
        ("application/x-www-form-urlencoded", b"tweet_data=hi"),
        ("application/xml", b"<tweet_data>hi</tweet_data>"),
        ("", b'{"tweet_data": "hi"}'),
    ],
)
async def test_wrong_content_types_are_refused(
    client: AsyncClient,
    make_person: MakePerson,
    session: AsyncSession,
    content_type: str,
    body: bytes,
) -> None:
    ann = await make_person("Ann")
    headers = ann.headers | ({"content-type": content_type} if content_type else {})
    response = await client.post("/api/tweets", content=body, headers=headers)
    assert response.status_code in (415, 422), response.text
    assert response.json()["result"] is False
    await _nothing_created(session)
    # And JSON where a file upload belongs.
    wrong = await client.post("/api/medias", json={"file": "x"}, headers=ann.headers)
    assert wrong.status_code in (415, 422)
    assert wrong.json()["result"] is False


@pytest.mark.parametrize(
    "typed",
    [
        "\u202eevil.exe\u202c reversed",  # right-to-left override
        "שלום עולם مرحبا",  # right-to-left scripts
        "zero\u200bwidth\u200djoiner\ufeff",
        "emoji 👩‍👩‍👧‍👦 🏳️‍🌈 🇺🇦",
        "'; DROP TABLE tweets; --",
        "Robert'); DELETE FROM users WHERE ('1' = '1",
        "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>",
        "{{7*7}} ${7*7} %s %n %(x)s",
        "line one\nline two\ttabbed",
    ],
)
async def test_odd_text_is_stored_and_returned_exactly_as_typed(
    client: AsyncClient, api: Api, make_person: MakePerson, typed: str
) -> None:
    admin = await make_person("Admin", admin=True)
    posted = await client.post("/api/tweets", json={"tweet_data": typed}, headers=admin.headers)
    assert posted.status_code == 201, posted.text
    [tweet] = await api.feed(admin)
    assert tweet["content"] == typed
    name = typed.replace("\n", " ").replace("\t", " ")[:100]
    created = await client.post("/api/users", json={"name": name}, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["user"]["name"] == name.strip()
    found = await client.get(f"/api/users/{created.json()['user']['id']}", headers=admin.headers)
    assert found.json()["user"]["name"] == name.strip()


@pytest.mark.parametrize(
    "typed", ["NUL \x00 byte", "bell \x07", "escape \x1b[31m", "lone surrogate \ud800"]
)
async def test_control_characters_and_broken_unicode_are_refused(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession, typed: str
) -> None:
    admin = await make_person("Admin", admin=True)
    body = json.dumps({"tweet_data": typed}).encode()  # \ud800 escaped, as JSON allows
    response = await client.post(
        "/api/tweets", content=body, headers=admin.headers | {"content-type": "application/json"}
    )
    refused(response, 422, "ValidationError")
    await _nothing_created(session)
    name = await client.post(
        "/api/users",
        content=json.dumps({"name": typed}).encode(),
        headers=admin.headers | {"content-type": "application/json"},
    )
    refused(name, 422, "ValidationError")
    assert await session.scalar(text("SELECT count(*) FROM users")) == 1


@pytest.mark.parametrize(
    "key",
    [
        "' OR '1'='1",
        "x" * 10_000,
        "%00",
        "../../etc/passwd",
        "test\tkey",
        " ",
    ],
)
async def test_odd_api_keys_are_401(client: AsyncClient, make_person: MakePerson, key: str) -> None:
    await make_person("Ann")
    response = await client.get("/api/users/me", headers={"api-key": key})
    assert response.status_code == 401
    assert response.json()["error_type"] == "Unauthorized"
    assert key.strip() == "" or key not in response.text


async def test_a_body_that_is_not_utf8_is_422(client: AsyncClient, make_person: MakePerson) -> None:
    ann = await make_person("Ann")
    response = await client.post(
        "/api/tweets",
        content=b'{"tweet_data": "\xff\xfe"}',
        headers=ann.headers | {"content-type": "application/json"},
    )
    refused(response, 422, "ValidationError")
    assert response.json()["details"] == [
        {"field": "body", "message": "The request body is not valid JSON"}
    ]


async def test_a_key_with_bytes_outside_ascii_is_401(client: AsyncClient) -> None:
    response = await client.get(
        "/api/users/me", headers=[(b"api-key", "ключ\xff".encode("latin-1", "replace"))]
    )
    assert response.status_code == 401
    assert response.json()["error_type"] == "Unauthorized"


@pytest.mark.parametrize(
    "query",
    [
        "limit=1e3",
        "limit=99999999999999999999",
        "offset=-1",
        "limit=%00",
        "offset=1&offset=2&limit=x",
    ],
)
async def test_odd_paging_is_422(client: AsyncClient, make_person: MakePerson, query: str) -> None:
    ann = await make_person("Ann")
    response = await client.get(f"/api/tweets?{query}", headers=ann.headers)
    refused(response, 422, "ValidationError")


async def test_odd_json_shapes_are_422(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    bodies: list[object] = [
        [],
        "just a string",
        None,
        {"tweet_data": 5},
        {"tweet_data": ["a"]},
        {"tweet_data": "ok", "tweet_media_ids": "1"},
        {"tweet_data": "ok", "tweet_media_ids": [2**63]},
        {"tweet_data": "ok", "tweet_media_ids": [0]},
        {"tweet_data": "ok", "tweet_media_ids": [1, 2, 3, 4, 5]},
        {"tweet_data": "ok", "tweet_media_ids": [{"$gt": 0}]},
    ]
    for body in bodies:
        response = await client.post("/api/tweets", json=body, headers=ann.headers)
        refused(response, 422, "ValidationError")
    await _nothing_created(session)
