"""The people directory's search: handles, and names in either script."""

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.handlers.users.actions import directory_statement
from app.handlers.users.schemas import UserList
from tests.helpers.api import MakePerson, Person

PEOPLE = [
    "Анна Петрова",
    "Anna Smith",
    "Joanna Lee",
    "Юлия Кузнецова",
    "Yulia Novak",
    "Julia Roberts",
    "Алексей Смирнов",
    "Alexey Ivanov",
    "Дмитрий Орлов",
    "Dmitry Kim",
    "Михаил Жуков",
    "Mikhail Khan",
    "Zoë Émile",
]


async def _names(client: AsyncClient, viewer: Person, q: str) -> list[str]:
    response = await client.get("/api/users", params={"q": q}, headers=viewer.headers)
    assert response.status_code == 200, response.text
    return [person["name"] for person in response.json()["users"]]


@pytest.mark.parametrize(
    ("q", "names"),
    [
        # Names starting so come first, then those that hold it.
        ("anna", ["Anna Smith", "Анна Петрова", "Joanna Lee"]),
        ("Анна", ["Anna Smith", "Анна Петрова", "Joanna Lee"]),
        ("yulia", ["Julia Roberts", "Yulia Novak", "Юлия Кузнецова"]),
        ("Юлия", ["Julia Roberts", "Yulia Novak", "Юлия Кузнецова"]),
        ("алекс", ["Alexey Ivanov", "Алексей Смирнов"]),
        ("aleksei", ["Alexey Ivanov", "Алексей Смирнов"]),
        ("Dmitriy", ["Dmitry Kim", "Дмитрий Орлов"]),
        ("михаил", ["Mikhail Khan", "Михаил Жуков"]),
        ("жуков", ["Михаил Жуков"]),
        ("zhukov", ["Михаил Жуков"]),
        ("петрова", ["Анна Петрова"]),
        ("emile", ["Zoë Émile"]),
        ("эмиль", ["Zoë Émile"]),
    ],
)
async def test_names_are_found_in_either_script(
    client: AsyncClient, make_person: MakePerson, q: str, names: list[str]
) -> None:
    viewer = await make_person("Viewer")
    for name in PEOPLE:
        await make_person(name)
    assert await _names(client, viewer, q) == names


async def test_handles_are_found_with_or_without_the_at(
    client: AsyncClient, make_person: MakePerson
) -> None:
    viewer = await make_person("Viewer")
    await make_person("Анна Петрова")  # handle anna.petrova
    await make_person("Bob")
    assert await _names(client, viewer, "@anna.pet") == ["Анна Петрова"]
    assert await _names(client, viewer, "a.pe") == ["Анна Петрова"]


async def test_the_search_is_served_by_trigram_indexes(
    make_person: MakePerson, session: AsyncSession
) -> None:
    """The app's own statement reads the trigram indexes of handles and of the names'
    keys (a BitmapOr), never the whole table: checked with sequential scans priced out,
    which leaves a scan only where no index can serve."""
    await make_person("Анна Петрова")
    statement = directory_statement("anna", 0, 20).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    await session.execute(text("SET enable_seqscan = off"))
    rows = await session.execute(text("EXPLAIN " + str(statement).replace("%%", "%")))
    plan = "\n".join(row[0] for row in rows)
    await session.rollback()
    assert "ix_users_handle_trgm" in plan
    assert "ix_users_name_key_trgm" in plan
    assert "Seq Scan on users" not in plan


async def test_the_rendered_page_is_the_bytes_the_response_model_gives(
    client: AsyncClient, make_person: MakePerson
) -> None:
    """The directory renders its answer from the row values (as the feed does): the
    same bytes as the declared model, "quotes", emoji and right-to-left included."""
    viewer = await make_person("Viewer")
    for name in ('Анна "Аня" Петрова', "Anna 🎉 Smith", "آنا Annа"):
        await make_person(name)
    response = await client.get("/api/users", params={"q": "ann"}, headers=viewer.headers)
    assert len(response.json()["users"]) == 3
    assert (
        response.content
        == UserList.model_validate_json(response.content).model_dump_json().encode()
    )
