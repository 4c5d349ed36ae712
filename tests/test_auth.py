"""Who may call what: the api-key header, admin rights, keys never leaving the server."""

import hashlib

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers.api import Api, MakePerson

PROTECTED = [
    ("GET", "/api/tweets"),
    ("POST", "/api/tweets"),
    ("DELETE", "/api/tweets/1"),
    ("POST", "/api/tweets/1/likes"),
    ("DELETE", "/api/tweets/1/likes"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/users/me"),
    ("GET", "/api/users/1"),
    ("GET", "/api/users/1/tweets"),
    ("POST", "/api/users/1/follow"),
    ("DELETE", "/api/users/1/follow"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("headers", [{}, {"api-key": ""}, {"api-key": "not-a-key"}])
async def test_requests_without_a_valid_key_get_401(
    client: AsyncClient, make_person: MakePerson, method: str, path: str, headers: dict[str, str]
) -> None:
    await make_person("Ann")
    body = {"tweet_data": "hi"} if path == "/api/tweets" else {"name": "X"}
    response = await client.request(method, path, headers=headers, json=body)
    assert response.status_code == 401
    assert response.json()["result"] is False
    assert response.json()["error_type"] == "Unauthorized"
    assert response.json()["error_message"]


async def test_only_admins_create_people(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    person = await make_person("Ann")
    response = await client.post("/api/users", json={"name": "Bob"}, headers=person.headers)
    assert response.status_code == 403
    assert response.json()["error_type"] == "Forbidden"
    assert await session.scalar(text("SELECT count(*) FROM users")) == 1


async def test_api_key_is_stored_only_as_its_sha256(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    admin = await make_person("Root", admin=True)
    created = await client.post("/api/users", json={"name": "Bob"}, headers=admin.headers)
    key = created.json()["user"]["api_key"]
    row = (
        (
            await session.execute(
                text("SELECT * FROM users WHERE id = :id"), {"id": created.json()["user"]["id"]}
            )
        )
        .mappings()
        .one()
    )
    assert row["api_key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert all(key not in str(value) for value in row.values())


async def test_no_response_but_creation_shows_a_key(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    admin = await make_person("Root", admin=True)
    created = await client.post("/api/users", json={"name": "Bob"}, headers=admin.headers)
    key = created.json()["user"]["api_key"]
    bob = {"api-key": key}
    await api.follow(key, admin)
    for path in ["/api/users/me", f"/api/users/{admin.id}", "/api/users", "/api/tweets"]:
        for headers in (bob, admin.headers):
            response = await client.get(path, headers=headers)
            assert response.status_code == 200
            assert key not in response.text
            assert admin.api_key not in response.text
            assert "api_key" not in response.text


async def test_keys_are_long_random_and_distinct(
    client: AsyncClient, make_person: MakePerson
) -> None:
    admin = await make_person("Root", admin=True)
    keys = set()
    for name in ["A", "B", "C"]:
        response = await client.post("/api/users", json={"name": name}, headers=admin.headers)
        keys.add(response.json()["user"]["api_key"])
    assert len(keys) == 3
    assert all(len(key) >= 40 for key in keys)
