"""Administrators changing people: PATCH /api/users/{id}, new keys, deactivation and
what it does everywhere, the last administrator, and the audit log of it all."""

import asyncio
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.handlers.admin import people
from tests.helpers.api import Api, MakePerson, Person, audit_entries, refused
from tests.helpers.app import count
from tests.helpers.live import EventReader
from tests.helpers.sessions import cookie_headers


async def _patch(client: AsyncClient, by: Person, user_id: int, **body: Any) -> Any:
    return await client.patch(f"/api/users/{user_id}", headers=by.headers, json=body)


async def test_an_administrator_changes_a_person_and_it_is_on_record(
    client: AsyncClient, make_person: MakePerson
) -> None:
    root, ann = await make_person("Root", admin=True), await make_person("Ann")
    response = await _patch(
        client, root, ann.id, name="Ann Lee", handle="alee", email="Ann@Example.com", is_admin=True
    )
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert (user["name"], user["handle"], user["email"], user["is_admin"], user["active"]) == (
        "Ann Lee",
        "alee",
        "Ann@Example.com",
        True,
        True,
    )
    [entry] = [e for e in await audit_entries(client, root) if e["action"] == "change_person"]
    assert entry["actor"]["id"] == root.id
    assert (entry["target_type"], entry["target_id"]) == ("person", ann.id)
    assert entry["changes"] == {
        "name": ["Ann", "Ann Lee"],
        "handle": ["ann", "alee"],
        "email": [None, "Ann@Example.com"],
        "is_admin": [False, True],
    }
    # A change to nothing new is not an entry.
    assert (await _patch(client, root, ann.id, name="Ann Lee")).status_code == 200
    assert (
        len([e for e in await audit_entries(client, root) if e["action"] == "change_person"]) == 1
    )
    # e-mail null removes it.
    cleared = await _patch(client, root, ann.id, email=None)
    assert cleared.json()["user"].get("email") is None


async def test_bad_changes_are_refused_and_change_nothing(
    client: AsyncClient, make_person: MakePerson, api: Api
) -> None:
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    assert (await _patch(client, root, bob.id, email="bob@example.com")).status_code == 200
    refused(await _patch(client, root, ann.id, email="BOB@example.com"), 409, "Conflict")
    refused(await _patch(client, root, ann.id, handle="bob"), 409, "Conflict")
    refused(await _patch(client, root, ann.id, email="not an address"), 422)
    refused(await _patch(client, root, ann.id, name=None), 422)
    refused(await _patch(client, root, ann.id, name=""), 422)
    refused(await _patch(client, root, ann.id), 422)
    refused(await _patch(client, root, ann.id, admin=True), 422)  # a misspelt field
    refused(await _patch(client, root, 999, name="Nobody"), 404)
    refused(await _patch(client, ann, bob.id, name="Hacked"), 403, "Forbidden")
    # A handle and an e-mail at once, the e-mail taken: the handle did not change either.
    refused(
        await _patch(client, root, ann.id, handle="annie", email="bob@example.com"), 409, "Conflict"
    )
    profile = await api.profile(ann)
    assert (profile["name"], profile["handle"], profile.get("email")) == ("Ann", "ann", None)
    assert [e["action"] for e in await audit_entries(client, root)] == ["change_person"]


async def test_a_deactivated_person_is_shut_out_and_reactivation_restores_them(
    app: FastAPI, client: AsyncClient, make_person: MakePerson, api: Api, session: AsyncSession
) -> None:
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    tweet = await api.tweet(ann, "Ann's post stays")
    await api.follow(bob, ann)
    cookie = await cookie_headers(app, ann.id)
    assert (await client.get("/api/users/me", headers=cookie)).status_code == 200

    response = await _patch(client, root, ann.id, active=False)
    assert response.status_code == 200
    assert response.json()["user"]["active"] is False
    key_answer = await client.get("/api/tweets", headers=ann.headers)
    refused(key_answer, 401, "Unauthorized")
    assert "deactivated" in key_answer.json()["error_message"]
    refused(await client.get("/api/users/me", headers=cookie), 401, "Unauthorized")
    assert (
        await count(session, "SELECT count(*) FROM web_sessions WHERE user_id = :u", u=ann.id) == 0
    )
    # Out of the directory and the people search, still there as an author.
    names = [
        u["name"] for u in (await client.get("/api/users", headers=bob.headers)).json()["users"]
    ]
    assert "Ann" not in names
    assert "Bob" in names
    found = (await client.get("/api/users", params={"q": "ann"}, headers=bob.headers)).json()
    assert found["users"] == []
    assert [t["id"] for t in await api.feed(bob)] == [tweet]
    assert (await api.profile(bob, ann))["active"] is False
    # No notifications for them: a like and a mention make none (Bob's follow made one).
    anns = "SELECT count(*) FROM notifications WHERE user_id = :u"
    await api.like(bob, tweet)
    await api.tweet(bob, "Thanks @ann")
    assert await count(session, anns, u=ann.id) == 1

    assert (await _patch(client, root, ann.id, active=True)).status_code == 200
    assert (await client.get("/api/users/me", headers=ann.headers)).status_code == 200
    names = [
        u["name"] for u in (await client.get("/api/users", headers=bob.headers)).json()["users"]
    ]
    assert "Ann" in names
    await api.unlike(bob, tweet)
    await api.like(bob, tweet)
    assert await count(session, anns, u=ann.id) == 2
    actions = [e["action"] for e in await audit_entries(client, root)]
    assert actions[:2] == ["reactivate", "deactivate"]


async def test_deactivation_ends_the_persons_live_streams_at_once(
    served: tuple[FastAPI, str], client: AsyncClient, make_person: MakePerson
) -> None:
    application, base = served
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    cookie = await cookie_headers(application, ann.id)
    async with (
        EventReader(base, ann.api_key) as by_key,
        EventReader(base, None, headers=cookie) as by_cookie,
        EventReader(base, bob.api_key) as bobs,
    ):
        for stream in (by_key, by_cookie, bobs):
            await stream.next("unread_count")
        assert (await _patch(client, root, ann.id, active=False)).status_code == 200
        await by_key.until_end()
        await by_cookie.until_end()
        assert not bobs.ended


async def test_the_last_active_administrator_stays_one(
    client: AsyncClient, make_person: MakePerson
) -> None:
    root = await make_person("Root", admin=True)
    refused(await _patch(client, root, root.id, active=False), 409, "Conflict")
    refused(await _patch(client, root, root.id, is_admin=False), 409, "Conflict")
    # With a second administrator, one may go; then the other is the last.
    eve = await make_person("Eve", admin=True)
    assert (await _patch(client, root, eve.id, is_admin=False)).status_code == 200
    refused(await _patch(client, root, root.id, is_admin=False), 409, "Conflict")
    # Two administrators demoting each other at once: one of them stays.
    assert (await _patch(client, root, eve.id, is_admin=True)).status_code == 200
    answers = await asyncio.gather(
        _patch(client, root, eve.id, is_admin=False), _patch(client, eve, root.id, is_admin=False)
    )
    # The other is refused: 409 if it was checked while both were administrators,
    # 403 if it came after the first had gone through.
    assert sorted(a.status_code for a in answers) in ([200, 403], [200, 409])
    # A deactivated administrator does not count.
    kim = await make_person("Kim", admin=True)
    # Whoever's demotion of the other went through is the administrator left.
    last = root if answers[0].status_code == 200 else eve
    assert (await _patch(client, last, kim.id, active=False)).status_code == 200
    refused(await _patch(client, last, last.id, active=False), 409, "Conflict")


async def test_a_new_key_from_the_api_replaces_the_old_one(
    client: AsyncClient, make_person: MakePerson
) -> None:
    root, ann = await make_person("Root", admin=True), await make_person("Ann")
    refused(await client.post(f"/api/users/{ann.id}/api-key", headers=ann.headers), 403)
    response = await client.post(f"/api/users/{ann.id}/api-key", headers=root.headers)
    assert response.status_code == 200, response.text
    new_key = response.json()["user"]["api_key"]
    refused(await client.get("/api/users/me", headers=ann.headers), 401)
    assert (await client.get("/api/users/me", headers={"api-key": new_key})).status_code == 200
    [entry] = await audit_entries(client, root)
    assert (entry["action"], entry["target_id"], entry["changes"]) == ("rotate_key", ann.id, {})
    assert new_key not in str(entry)


async def test_people_are_created_with_an_e_mail_and_on_record(
    client: AsyncClient, make_person: MakePerson
) -> None:
    root = await make_person("Root", admin=True)
    made = await client.post(
        "/api/users", headers=root.headers, json={"name": "Zoe", "email": "zoe@example.com"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["user"]["email"] == "zoe@example.com"
    again = await client.post(
        "/api/users", headers=root.headers, json={"name": "Zoe 2", "email": "ZOE@example.com"}
    )
    refused(again, 409, "Conflict")
    [entry] = await audit_entries(client, root)
    assert entry["action"] == "create_person"
    assert entry["changes"]["email"] == [None, "zoe@example.com"]
    assert entry["changes"]["name"] == [None, "Zoe"]


async def test_e_mail_and_admin_flag_are_for_the_person_and_administrators(
    client: AsyncClient, make_person: MakePerson, api: Api
) -> None:
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    await _patch(client, root, ann.id, email="ann@example.com")
    own = await api.profile(ann)
    assert (own["email"], own["is_admin"], own["active"]) == ("ann@example.com", False, True)
    seen_by_bob = await api.profile(bob, ann)
    assert "email" not in seen_by_bob
    assert "is_admin" not in seen_by_bob
    assert seen_by_bob["active"] is True
    assert (await api.profile(root, ann))["email"] == "ann@example.com"


async def test_the_administrators_list_holds_everyone(
    client: AsyncClient, make_person: MakePerson
) -> None:
    root, ann, _ = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    await _patch(client, root, ann.id, active=False, email="ann@corp.example")
    every = (await client.get("/api/admin/users", headers=root.headers)).json()["users"]
    assert [(u["name"], u["active"]) for u in every] == [
        ("Ann", False),
        ("Bob", True),
        ("Root", True),
    ]
    found = await client.get("/api/admin/users", params={"q": "corp.ex"}, headers=root.headers)
    assert [u["name"] for u in found.json()["users"]] == ["Ann"]
    active = await client.get("/api/admin/users", params={"active": "true"}, headers=root.headers)
    assert [u["name"] for u in active.json()["users"]] == ["Bob", "Root"]
    odd = await client.get("/api/admin/users", params={"q": "100%_\\"}, headers=root.headers)
    assert odd.json()["users"] == []


async def test_the_command_line_is_on_record_with_no_actor(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    root = await make_person("Root", admin=True)
    async with session.begin():
        await people.rotate_key(session, None, root.id)
    rows = (await session.execute(text("SELECT actor_id, action FROM audit_log"))).all()
    assert [tuple(r) for r in rows] == [(None, "rotate_key")]
