"""Handles: given or derived (transliterated), unique for good, found, changed."""

import asyncio
from collections.abc import Callable

import asyncpg
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import handles, migrations
from app.core.models import User, UserHandle
from tests.helpers.api import MakePerson, refused
from tests.helpers.cli import run_app


@pytest.mark.parametrize(
    ("name", "handle"),
    [
        ("Анна Петрова", "anna.petrova"),
        ("Щукин Юрий Ильич", "shchukin.yuriy.ilich"),
        ("Jean-Luc Picard", "jean.luc.picard"),
        ("Zoë O'Brien", "zoe.o.brien"),
        ("李", "user"),
        ("Al", "al.user"),
        ("x" * 60, "x" * 30),
    ],
)
def test_a_handle_is_derived_from_the_name(name: str, handle: str) -> None:
    assert handles.base_for(name) == handle
    assert handles.is_valid(handle)


@pytest.mark.parametrize("name", ["Abcdefghijklmnopqrstuvwxy ___ab", "x" * 60, "Ann Lee", "a.b.c"])
def test_every_numbered_handle_starts_with_the_prefix_searched_for_taken_ones(name: str) -> None:
    base = handles.base_for(name)
    prefix = handles.shared_prefix(base)
    given: set[str] = set()
    for _ in range(120):  # the base, then 2, 3, ... up to three digits
        candidate = handles.first_free(base, given.__contains__)
        assert candidate.startswith(prefix), candidate
        assert handles.is_valid(candidate)
        given.add(candidate)


async def test_an_admin_gives_a_handle_or_one_is_derived_with_a_number_on_collision(
    client: AsyncClient, make_person: MakePerson
) -> None:
    admin = await make_person("Admin", admin=True)
    made = []
    for body in (
        {"name": "Ann Lee"},
        {"name": "Ann Lee"},
        {"name": "Анна Ли", "handle": "@ALee"},
        {"name": "Ann  Lee!"},
    ):
        answer = await client.post("/api/users", json=body, headers=admin.headers)
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["user"]["handle"])
    assert made == ["ann.lee", "ann.lee2", "alee", "ann.lee3"]

    me = await client.get("/api/users/me", headers=admin.headers)
    assert me.json()["user"]["handle"] == "admin"


@pytest.mark.parametrize("handle", ["ab", "a" * 31, "ann lee", "анна", "ann-lee", "ann\u200blee"])
async def test_a_malformed_handle_is_422_and_creates_nobody(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession, handle: str
) -> None:
    admin = await make_person("Admin", admin=True)
    answer = await client.post(
        "/api/users", json={"name": "Ann", "handle": handle}, headers=admin.headers
    )
    refused(answer, 422, "ValidationError")
    assert list(await session.scalars(select(User.name))) == ["Admin"]


async def test_a_taken_handle_is_409_whatever_its_case_and_creates_nobody(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    admin = await make_person("Admin", admin=True)
    await make_person("Ann Lee")
    answer = await client.post(
        "/api/users", json={"name": "Other Ann", "handle": "Ann.Lee"}, headers=admin.headers
    )
    refused(answer, 409, "Conflict")
    assert "@ann.lee" in answer.json()["error_message"]
    assert sorted(await session.scalars(select(User.name))) == ["Admin", "Ann Lee"]


async def test_a_changed_handle_stays_its_owners_and_still_finds_them(
    client: AsyncClient, make_person: MakePerson
) -> None:
    admin = await make_person("Admin", admin=True)
    ann = await make_person("Ann Lee")
    bob = await make_person("Bob")

    changed = await client.patch(
        f"/api/users/{ann.id}", json={"handle": "annie"}, headers=admin.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["handle"] == "annie"
    for handle in ("annie", "ANNIE", "@annie", "ann.lee"):
        found = await client.get(f"/api/users/by-handle/{handle}", headers=bob.headers)
        assert found.status_code == 200, handle
        assert found.json()["user"]["id"] == ann.id
        assert found.json()["user"]["handle"] == "annie"

    # Nobody else gets the old one while Ann exists; Ann may take it back.
    taken = await client.post(
        "/api/users", json={"name": "New", "handle": "ann.lee"}, headers=admin.headers
    )
    refused(taken, 409, "Conflict")
    back = await client.patch(
        f"/api/users/{ann.id}", json={"handle": "ann.lee"}, headers=admin.headers
    )
    assert back.json()["user"]["handle"] == "ann.lee"
    refused(
        await client.patch(f"/api/users/{ann.id}", json={"handle": "bob"}, headers=admin.headers),
        409,
        "Conflict",
    )


async def test_changing_a_handle_is_for_administrators_and_known_people(
    client: AsyncClient, make_person: MakePerson
) -> None:
    admin = await make_person("Admin", admin=True)
    ann = await make_person("Ann")
    refused(
        await client.patch(f"/api/users/{ann.id}", json={"handle": "mine"}, headers=ann.headers),
        403,
        "Forbidden",
    )
    refused(await client.patch(f"/api/users/{ann.id}", json={"handle": "mine"}), 401)
    refused(
        await client.patch("/api/users/999", json={"handle": "mine"}, headers=admin.headers),
        404,
        "NotFound",
    )
    refused(
        await client.patch(f"/api/users/{ann.id}", json={"handle": "x"}, headers=admin.headers),
        422,
        "ValidationError",
    )
    refused(
        await client.patch(f"/api/users/{ann.id}", json={"nick": "Z"}, headers=admin.headers),
        422,
        "ValidationError",
    )
    refused(await client.get("/api/users/by-handle/nobody.here", headers=ann.headers), 404)
    refused(await client.get("/api/users/by-handle/ann"), 401)


async def test_the_directory_finds_people_by_handle(
    client: AsyncClient, make_person: MakePerson
) -> None:
    ann = await make_person("Анна Петрова")
    await make_person("Bob")
    for q in ("petrova", "@anna.p", "Петр"):
        found = await client.get("/api/users", params={"q": q}, headers=ann.headers)
        assert [u["handle"] for u in found.json()["users"]] == ["anna.petrova"], q


async def test_people_created_at_once_with_one_name_get_distinct_handles(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    admin = await make_person("Admin", admin=True)
    answers = await asyncio.gather(
        *(
            client.post("/api/users", json={"name": "Ann Lee"}, headers=admin.headers)
            for _ in range(12)
        )
    )
    assert [answer.status_code for answer in answers] == [201] * 12
    given = sorted(answer.json()["user"]["handle"] for answer in answers)
    assert len(set(given)) == 12
    assert set(given) == {"ann.lee", *(f"ann.lee{n}" for n in range(2, 13))}
    recorded = set(await session.scalars(select(UserHandle.handle)))
    assert set(given) <= recorded


def test_the_migration_gives_everyone_a_handle(make_database: Callable[[], str]) -> None:
    url = make_database()
    migrations.upgrade(url, "0004")
    dsn = url.replace("postgresql+asyncpg", "postgresql")

    async def run(statement: str) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(dsn)
        try:
            return await connection.fetch(statement)
        finally:
            await connection.close()

    asyncio.run(
        run(
            "INSERT INTO users (name, api_key_hash) VALUES "
            "('Анна Петрова', 'a'), ('Anna Petrova', 'b'), ('李', 'c'), ('Al', 'd')"
        )
    )
    migrations.upgrade(url)
    rows = asyncio.run(run("SELECT handle FROM users ORDER BY id"))
    assert [row["handle"] for row in rows] == ["anna.petrova", "anna.petrova2", "user", "al.user"]
    kept = asyncio.run(run("SELECT handle FROM user_handles ORDER BY handle"))
    assert len(kept) == 4


@pytest.mark.processes
def test_users_create_takes_a_handle_and_says_why_it_cannot(database_url: str) -> None:
    settings = {"DATABASE_URL": database_url}
    made = run_app("users", "create", "Ann Lee", "--handle", "alee", settings=settings)
    assert made.returncode == 0, made.stderr
    assert "@alee" in made.stdout
    again = run_app("users", "create", "Other", "--handle", "ALEE", settings=settings)
    assert again.returncode == 2
    assert "taken" in again.stderr
    assert "Traceback" not in again.stderr
    listed = run_app("users", "list", settings=settings)
    assert "@alee" in listed.stdout
