"""Announcements: published by administrators, shown to everyone until dismissed or
ended, withdrawn, counted, and sent live to open event streams."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers.api import MakePerson, Person, refused
from tests.helpers.live import EventReader


async def _publish(client: AsyncClient, admin: Person, **body: Any) -> Any:
    return await client.post("/api/announcements", headers=admin.headers, json=body)


async def _showing(client: AsyncClient, who: Person) -> list[dict[str, Any]]:
    response = await client.get("/api/announcements", headers=who.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["announcements"]
    return found


async def test_everyone_sees_an_announcement_until_they_dismiss_it(
    client: AsyncClient, make_person: MakePerson
) -> None:
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    made = await _publish(client, root, text="Office closed Friday: https://intra.example.com/x")
    assert made.status_code == 201, made.text
    announcement = made.json()["announcement"]
    assert announcement["ends_at"] is None
    assert await _showing(client, ann) == [announcement]
    dismissed = await client.post(
        f"/api/announcements/{announcement['id']}/dismiss", headers=ann.headers
    )
    assert dismissed.status_code == 200
    # Twice is fine.
    assert (
        await client.post(f"/api/announcements/{announcement['id']}/dismiss", headers=ann.headers)
    ).status_code == 200
    assert await _showing(client, ann) == []
    assert await _showing(client, bob) == [announcement]
    stats = (await client.get("/api/admin/announcements", headers=root.headers)).json()
    [entry] = stats["announcements"]
    assert (entry["dismissed_count"], entry["active"], entry["author"]["id"]) == (1, True, root.id)
    refused(await client.post("/api/announcements/999/dismiss", headers=ann.headers), 404)


async def test_an_announcement_ends_on_time_or_when_withdrawn(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    root, ann = await make_person("Root", admin=True), await make_person("Ann")
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    timed = (await _publish(client, root, text="Until lunch", ends_at=ends)).json()["announcement"]
    lasting = (await _publish(client, root, text="Welcome")).json()["announcement"]
    assert [a["id"] for a in await _showing(client, ann)] == [lasting["id"], timed["id"]]
    async with session.begin():
        await session.execute(
            text("UPDATE announcements SET ends_at = now() - interval '1 minute' WHERE id = :i"),
            {"i": timed["id"]},
        )
    assert [a["id"] for a in await _showing(client, ann)] == [lasting["id"]]
    withdrawn = await client.delete(f"/api/announcements/{lasting['id']}", headers=root.headers)
    assert withdrawn.status_code == 200
    assert await _showing(client, ann) == []
    refused(await client.delete(f"/api/announcements/{lasting['id']}", headers=root.headers), 404)
    entries = (await client.get("/api/admin/audit", headers=root.headers)).json()["entries"]
    assert [e["action"] for e in entries] == [
        "withdraw_announcement",
        "publish_announcement",
        "publish_announcement",
    ]
    stats = (await client.get("/api/admin/announcements", headers=root.headers)).json()
    assert [(a["id"], a["active"]) for a in stats["announcements"]] == [(timed["id"], False)]


async def test_bad_announcements_are_refused(client: AsyncClient, make_person: MakePerson) -> None:
    root, ann = await make_person("Root", admin=True), await make_person("Ann")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for body in (
        {"text": ""},
        {"text": "x" * 1001},
        {"text": "ok", "ends_at": past},
        {"text": "ok", "ends_at": "2030-01-01T10:00:00"},  # no time zone
        {"text": "ok", "ends_at": "tomorrow"},
        {"text": "ok", "colour": "red"},
    ):
        refused(await _publish(client, root, **body), 422)
    refused(await _publish(client, ann, text="I am not an administrator"), 403, "Forbidden")
    refused(await client.delete("/api/announcements/1", headers=ann.headers), 403)
    assert await _showing(client, ann) == []
    assert (await _publish(client, root, text="x" * 1000)).status_code == 201


async def test_open_streams_hear_of_announcements_as_they_come_and_go(
    served: tuple[FastAPI, str], client: AsyncClient, make_person: MakePerson
) -> None:
    _, base = served
    root, ann = await make_person("Root", admin=True), await make_person("Ann")
    async with EventReader(base, ann.api_key) as stream:
        await stream.next("unread_count")
        made = (await _publish(client, root, text="Live news")).json()["announcement"]
        event = await stream.next("announcement")
        assert event.json == made
        await client.delete(f"/api/announcements/{made['id']}", headers=root.headers)
        gone = await stream.next("announcement_withdrawn")
        assert gone.json == {"id": made["id"]}
