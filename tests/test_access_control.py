"""Access control driven by our own OpenAPI schema, so a new endpoint cannot slip
through: every operation that documents 401 refuses a missing, empty, wrong or
rotated key; no answer of any GET, to anyone, carries an api key."""

import re
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import hash_session_token
from app.core.sessions import COOKIE
from app.handlers.users.actions import rotate_api_key
from app.web.credentials import CSRF_HEADER
from tests.helpers.api import Api, MakePerson
from tests.helpers.sessions import cookie_headers

BAD_KEYS: list[dict[str, str]] = [
    {},
    {"api-key": ""},
    {"api-key": "not-a-key"},
    {"api-key": "x" * 43},
]


async def _operations(client: AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    schema = (await client.get("/openapi.json")).json()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def _streams(operation: dict[str, Any]) -> bool:
    return "text/event-stream" in operation["responses"].get("200", {}).get("content", {})


def _filled(path: str, value: int) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


async def test_every_operation_that_needs_a_key_refuses_a_bad_one(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    # Ann's key, rotated: refused everywhere from that moment.
    async with session.begin():
        await rotate_api_key(session, ann.id)
    needing = [
        (method, path) for method, path, op in await _operations(client) if "401" in op["responses"]
    ]
    assert len(needing) >= 14
    for method, path in needing:
        for headers in [*BAD_KEYS, ann.headers]:
            response = await client.request(method, _filled(path, 1), headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.json()["error_type"] == "Unauthorized"


async def test_every_operation_that_needs_a_key_refuses_an_ended_session(
    app: FastAPI, client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    """A session cookie that is made up, signed out, idle too long or too old is refused
    like a bad key; so is a deactivated person's key."""
    ann, bob = await make_person("Ann"), await make_person("Bob")
    ended, idle, old = [await cookie_headers(app, ann.id) for _ in range(3)]
    async with session.begin():
        await session.execute(
            text("DELETE FROM web_sessions WHERE token_hash = :h"), {"h": _token_hash(ended)}
        )
        await session.execute(
            text(_SET_SESSION.format("last_seen_at = now() - interval '8 days'")),
            {"h": _token_hash(idle)},
        )
        await session.execute(
            text(_SET_SESSION.format("expires_at = now() - interval '1 second'")),
            {"h": _token_hash(old)},
        )
        await session.execute(text("UPDATE users SET active = false WHERE id = :i"), {"i": bob.id})
    made_up = {"cookie": f"{COOKIE}={'x' * 43}", CSRF_HEADER: "microblog"}
    needing = [
        (method, path) for method, path, op in await _operations(client) if "401" in op["responses"]
    ]
    for method, path in needing:
        for headers in (ended, idle, old, made_up, bob.headers):
            response = await client.request(method, _filled(path, 1), headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.json()["error_type"] == "Unauthorized"


_SET_SESSION = "UPDATE web_sessions SET {} WHERE token_hash = :h"


def _token_hash(headers: dict[str, str]) -> str:
    return hash_session_token(headers["cookie"].split("=", 1)[1])


async def test_administrators_only_operations_refuse_everyone_else(
    app: FastAPI, client: AsyncClient, make_person: MakePerson
) -> None:
    """Every operation documented as for administrators: 403 for a plain person, with
    their key or their session cookie; 401 with no credentials; an administrator's
    session cookie passes (it is refused for the path's made-up ids, not for want of
    rights)."""
    root, ann = await make_person("Root", admin=True), await make_person("Ann")
    plain_cookie = await cookie_headers(app, ann.id)
    admin_cookie = await cookie_headers(app, root.id)
    admin_only = [
        (method, path)
        for method, path, op in await _operations(client)
        if "administrators only" in op.get("summary", "")
    ]
    assert len(admin_only) >= 10, admin_only
    for method, path in admin_only:
        target = _filled(path, 999)
        body: dict[str, object] | None = {} if method in ("POST", "PATCH") else None
        for headers, status in ((ann.headers, 403), (plain_cookie, 403), ({}, 401)):
            response = await client.request(method, target, headers=headers, json=body)
            assert response.status_code == status, (method, path, headers, response.text)
        response = await client.request(method, target, headers=admin_cookie, json=body)
        assert response.status_code not in (401, 403), (method, path, response.text)


async def test_no_answer_to_anyone_carries_an_api_key(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    admin = await make_person("Root", admin=True)
    ann = await make_person("Ann")
    media_id = await api.upload(ann)
    tweet_id = await api.tweet(ann, "hi", [media_id])
    await api.like(admin, tweet_id)
    await api.follow(admin, ann)
    keys = [admin.api_key, ann.api_key]
    # An event stream never ends, which a client in this process cannot read a part
    # of: tests/test_events.py reads GET /api/events over a socket.
    gets = [(m, p) for m, p, op in await _operations(client) if m == "GET" and not _streams(op)]
    assert len(gets) >= 8
    for _method, path in gets:
        target = tweet_id if "tweet" in path else (media_id if "media" in path else ann.id)
        for headers in (admin.headers, ann.headers, {}):
            response = await client.get(_filled(path, target), headers=headers)
            shown = response.text + str(response.headers)
            assert all(key not in shown for key in keys), path
            assert "api_key" not in response.text or path == "/openapi.json", path


async def test_nobody_acts_on_what_is_someone_elses(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    anns_upload = await api.upload(ann)
    # Bob cannot see Ann's unposted upload, nor put it in his tweet.
    assert (await client.get(f"/api/medias/{anns_upload}", headers=bob.headers)).status_code == 404
    taken = await client.post(
        "/api/tweets",
        json={"tweet_data": "mine!", "tweet_media_ids": [anns_upload]},
        headers=bob.headers,
    )
    assert taken.status_code == 404
    tweet_id = await api.tweet(ann, "Ann's")
    deleted = await client.delete(f"/api/tweets/{tweet_id}", headers=bob.headers)
    assert deleted.status_code == 403
    assert deleted.json()["error_type"] == "Forbidden"
    # Nor make people, nor an administrator of himself.
    for body in ({"name": "Eve"}, {"name": "Eve", "is_admin": True}):
        made = await client.post("/api/users", json=body, headers=bob.headers)
        assert made.status_code == 403
    feed = await api.feed(ann)
    assert [t["id"] for t in feed] == [tweet_id]
    assert (await client.get("/api/users?q=Eve", headers=ann.headers)).json()["users"] == []
