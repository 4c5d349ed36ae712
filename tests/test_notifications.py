"""Notifications through the API: who is notified of what (the triggers of migration
0005, driven by real likes and follows, and replies and mentions written as rows),
the list, the unread count (an index-only count) and marking read, each person's
own only."""

import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.handlers.notifications.actions import PAGE, UNREAD_COUNT
from tests.helpers.api import Api, MakePerson, refused
from tests.helpers.live import insert_reply, notifications, unread_count

ENDPOINTS = [
    ("GET", "/api/notifications"),
    ("GET", "/api/notifications/unread_count"),
    ("POST", "/api/notifications/read"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("key", [None, "", "not-a-key"])
async def test_a_key_is_needed(
    client: AsyncClient, method: str, path: str, key: str | None
) -> None:
    headers = {} if key is None else {"api-key": key}
    response = await client.request(method, path, headers=headers, json={"up_to_id": 1})
    refused(response, 401, "Unauthorized")


async def test_a_like_notifies_the_author_once_and_an_unlike_withdraws_it(
    api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet = await api.tweet(ann, "Hello")
    assert await notifications(api.client, ann) == {
        "result": True,
        "notifications": [],
        "unread_count": 0,
    }

    await api.like(bob, tweet)
    await api.like(bob, tweet)  # once more: still one event
    body = await notifications(api.client, ann)
    [note] = body["notifications"]
    assert note["type"] == "like"
    assert note["actor"] == {"id": bob.id, "name": "Bob", "handle": "bob"}
    assert note["tweet_id"] == tweet
    assert note["read"] is False
    assert note["created_at"]
    assert set(note) == {"id", "type", "actor", "tweet_id", "created_at", "read"}
    assert body["unread_count"] == 1
    assert await unread_count(api.client, ann) == 1
    # Nobody is notified of their own action.
    assert (await notifications(api.client, bob))["notifications"] == []

    await api.unlike(bob, tweet)
    assert await notifications(api.client, ann) == {
        "result": True,
        "notifications": [],
        "unread_count": 0,
    }


async def test_a_read_notification_stays_when_its_like_is_taken_back(
    api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet = await api.tweet(ann)
    await api.like(bob, tweet)
    [note] = (await notifications(api.client, ann))["notifications"]
    await _mark_read(api.client, ann.api_key, note["id"])
    await api.unlike(bob, tweet)
    [kept] = (await notifications(api.client, ann))["notifications"]
    assert kept == note | {"read": True}
    assert await unread_count(api.client, ann) == 0


async def test_a_follow_notifies_and_an_unfollow_withdraws(
    api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.follow(bob, ann)
    [note] = (await notifications(api.client, ann))["notifications"]
    assert (note["type"], note["actor"]["id"], note["tweet_id"]) == ("follow", bob.id, None)
    assert (await notifications(api.client, bob))["notifications"] == []
    await api.unfollow(bob, ann)
    assert (await notifications(api.client, ann))["unread_count"] == 0
    assert (await notifications(api.client, ann))["notifications"] == []


async def test_nobody_is_notified_of_their_own_like_reply_or_mention(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    tweet = await api.tweet(ann)
    await api.like(ann, tweet)
    await insert_reply(session, ann.id, tweet, "To myself", mentions=(ann.id,))
    assert await notifications(api.client, ann) == {
        "result": True,
        "notifications": [],
        "unread_count": 0,
    }


async def test_replies_and_mentions_notify_once_per_tweet(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob, cid = await make_person("Ann"), await make_person("Bob"), await make_person("Cid")
    tweet = await api.tweet(ann, "A question")
    # Bob answers Ann and mentions her and Cid: Ann hears once (the reply), Cid once.
    reply = await insert_reply(session, bob.id, tweet, "@ann @cid", mentions=(ann.id, cid.id))
    [to_ann] = (await notifications(api.client, ann))["notifications"]
    assert (to_ann["type"], to_ann["tweet_id"], to_ann["actor"]["id"]) == ("reply", reply, bob.id)
    [to_cid] = (await notifications(api.client, cid))["notifications"]
    assert (to_cid["type"], to_cid["tweet_id"], to_cid["actor"]["id"]) == ("mention", reply, bob.id)
    # A reply to the reply notifies its author, Bob.
    deeper = await insert_reply(session, cid.id, reply, "Indeed")
    [to_bob] = (await notifications(api.client, bob))["notifications"]
    assert (to_bob["type"], to_bob["tweet_id"]) == ("reply", deeper)


async def test_the_list_is_newest_first_and_pages(api: Api, make_person: MakePerson) -> None:
    ann = await make_person("Ann")
    fans = [await make_person(f"Fan {n}") for n in range(5)]
    tweet = await api.tweet(ann)
    for fan in fans:
        await api.like(fan, tweet)
    body = await notifications(api.client, ann)
    ids = [note["id"] for note in body["notifications"]]
    assert ids == sorted(ids, reverse=True)
    assert [note["actor"]["id"] for note in body["notifications"]] == [f.id for f in fans][::-1]
    assert body["unread_count"] == 5
    first = await notifications(api.client, ann, limit=2)
    second = await notifications(api.client, ann, offset=2, limit=2)
    assert [n["id"] for n in first["notifications"] + second["notifications"]] == ids[:4]
    # The count is of all unread ones, whatever the page.
    assert second["unread_count"] == 5
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        response = await api.client.get("/api/notifications", headers=ann.headers, params=params)
        refused(response, 422, "ValidationError")


async def _mark_read(client: AsyncClient, key: str, up_to_id: Any) -> None:
    response = await client.post(
        "/api/notifications/read", headers={"api-key": key}, json={"up_to_id": up_to_id}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"result": True}


async def test_marking_read_goes_up_to_the_id_and_only_for_the_caller(
    api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    fans = [await make_person(f"Fan {n}") for n in range(3)]
    ann_tweet, bob_tweet = await api.tweet(ann), await api.tweet(bob)
    for fan in fans:
        await api.like(fan, ann_tweet)
        await api.like(fan, bob_tweet)
    ann_ids = sorted(n["id"] for n in (await notifications(api.client, ann))["notifications"])

    await _mark_read(api.client, ann.api_key, ann_ids[1])
    read = {n["id"]: n["read"] for n in (await notifications(api.client, ann))["notifications"]}
    assert read == {ann_ids[0]: True, ann_ids[1]: True, ann_ids[2]: False}
    assert await unread_count(api.client, ann) == 1

    # Bob marks everything there could be: only his own become read.
    await _mark_read(api.client, bob.api_key, 2**63 - 1)
    assert await unread_count(api.client, bob) == 0
    assert await unread_count(api.client, ann) == 1
    # Marking again changes nothing, and is no error.
    await _mark_read(api.client, ann.api_key, ann_ids[1])
    assert await unread_count(api.client, ann) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"up_to_id": 0},
        {"up_to_id": -1},
        {"up_to_id": 2**63},
        {"up_to_id": "5"},
        {"up_to_id": True},
        {"up_to_id": 1.5},
        {"up_to_id": None},
        {"up_to_id": 5, "all": True},
        [5],
        "not json",
    ],
)
async def test_marking_read_refuses_a_bad_body_and_changes_nothing(
    api: Api, make_person: MakePerson, body: object
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.like(bob, await api.tweet(ann))
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    response = await api.client.post(
        "/api/notifications/read",
        headers=ann.headers | {"content-type": "application/json"},
        content=content,
    )
    refused(response, 422, "ValidationError")
    assert await unread_count(api.client, ann) == 1


async def _scans(session: AsyncSession, statement: Any, *values: object) -> list[tuple[str, str]]:
    """(node type, index) of each scan in the plan of the app's own `statement`, as the
    app sends it. A handful of rows could be read whole as cheaply, so the planner
    gets no other way: the path is what is checked."""
    connection = await session.connection()
    await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    await connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    sql = str(statement.compile(dialect=connection.dialect))
    found = (await connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, values)).scalar_one()
    plan = json.loads(found) if isinstance(found, str) else found
    await session.rollback()

    def scans(node: dict[str, Any]) -> list[tuple[str, str]]:
        own = (
            [(node["Node Type"], node.get("Index Name", ""))] if "Scan" in node["Node Type"] else []
        )
        return own + [scan for child in node.get("Plans", []) for scan in scans(child)]

    return scans(plan[0]["Plan"])


async def test_the_unread_count_is_an_index_only_count(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.like(bob, await api.tweet(ann))
    found = await _scans(session, UNREAD_COUNT, ann.id)
    assert found == [("Index Only Scan", "ix_notifications_unread")]


async def test_a_page_walks_the_persons_index_newest_first(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.like(bob, await api.tweet(ann))
    found = await _scans(session, PAGE, ann.id, 0, 20)
    assert ("Index Scan", "ix_notifications_user_id_id") in found
    # The actors: one probe each by primary key, no scan of the people.
    assert {scan for scan in found if scan[1] != "ix_notifications_user_id_id"} <= {
        ("Index Scan", "pk_users")
    }
