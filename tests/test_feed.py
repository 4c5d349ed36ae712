"""The feed: who is in it, its order, paging, and its fixed cost in SQL statements."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import MakeMedia, MakePerson, Person


async def _post(
    client: AsyncClient, person: Person, content: str, media: list[int] | None = None
) -> int:
    body = {"tweet_data": content, "tweet_media_ids": media or []}
    response = await client.post("/api/tweets", json=body, headers=person.headers)
    assert response.status_code == 201
    return int(response.json()["tweet_id"])


async def _feed(client: AsyncClient, person: Person, **params: int) -> list[dict[str, Any]]:
    response = await client.get("/api/tweets", params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    assert response.json()["result"] is True
    tweets: list[dict[str, Any]] = response.json()["tweets"]
    return tweets


async def test_feed_holds_followed_people_and_me_only(
    client: AsyncClient, make_person: MakePerson
) -> None:
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    mine = await _post(client, ann, "mine")
    bobs = await _post(client, bob, "bob's")
    await _post(client, eve, "eve's")
    await client.post(f"/api/users/{bob.id}/follow", headers=ann.headers)
    await client.post(f"/api/users/{ann.id}/follow", headers=eve.headers)

    assert {t["id"] for t in await _feed(client, ann)} == {mine, bobs}
    # Following is one-way: Bob does not see Ann.
    assert {t["id"] for t in await _feed(client, bob)} == {bobs}
    await client.delete(f"/api/users/{bob.id}/follow", headers=ann.headers)
    assert {t["id"] for t in await _feed(client, ann)} == {mine}


async def test_empty_feed(client: AsyncClient, make_person: MakePerson) -> None:
    ann = await make_person("Ann")
    assert await _feed(client, ann) == []


async def test_feed_order_likes_then_newest_then_id(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    await client.post(f"/api/users/{bob.id}/follow", headers=ann.headers)
    ids = [await _post(client, bob if i % 2 else ann, f"t{i}") for i in range(6)]
    # t0 and t1: same likes, t1 newer. t2, t3, t4: no likes, t2 and t3 share a timestamp.
    for tweet_id, likers in [(ids[0], [bob, eve]), (ids[1], [ann, eve]), (ids[5], [eve])]:
        for liker in likers:
            await client.post(f"/api/tweets/{tweet_id}/likes", headers=liker.headers)
    await session.execute(
        text("UPDATE tweets SET created_at = now() - make_interval(mins => 60 - id::int)")
    )
    await session.execute(
        text(
            "UPDATE tweets SET created_at = (SELECT created_at FROM tweets WHERE id = :a)"
            " WHERE id = :b"
        ),
        {"a": ids[2], "b": ids[3]},
    )
    await session.execute(
        text("UPDATE tweets SET created_at = now() - interval '1 day' WHERE id = :id"),
        {"id": ids[4]},
    )
    await session.commit()

    feed = await _feed(client, ann)
    assert [t["id"] for t in feed] == [ids[1], ids[0], ids[5], ids[3], ids[2], ids[4]]
    assert [t["likes_count"] for t in feed] == [2, 2, 1, 0, 0, 0]
    assert [len(t["likes"]) for t in feed] == [2, 2, 1, 0, 0, 0]


async def test_pages_cover_the_feed_without_overlap_or_gaps(
    client: AsyncClient, make_person: MakePerson
) -> None:
    people = [await make_person(f"P{i}") for i in range(4)]
    me = people[0]
    for other in people[1:]:
        await client.post(f"/api/users/{other.id}/follow", headers=me.headers)
    for i in range(17):
        tweet_id = await _post(client, people[i % 4], f"tweet {i}")
        for liker in people[: i % 3]:
            await client.post(f"/api/tweets/{tweet_id}/likes", headers=liker.headers)

    whole = [t["id"] for t in await _feed(client, me, limit=100)]
    assert len(whole) == 17
    for size in (1, 4, 5):
        paged: list[int] = []
        for offset in range(0, 20, size):
            paged += [t["id"] for t in await _feed(client, me, offset=offset, limit=size)]
        assert paged == whole
    assert await _feed(client, me, offset=17) == []


async def test_default_page_is_twenty(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content)"
            " SELECT :a, 'n' || g FROM generate_series(1, 25) g"
        ),
        {"a": ann.id},
    )
    await session.commit()
    assert len(await _feed(client, ann)) == 20


@contextmanager
def count_statements(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_feed_costs_a_fixed_number_of_statements(
    app: FastAPI,
    client: AsyncClient,
    make_person: MakePerson,
    make_media: MakeMedia,
    session: AsyncSession,
) -> None:
    people = [await make_person(f"P{i}") for i in range(12)]
    me = people[0]
    for other in people[1:]:
        await client.post(f"/api/users/{other.id}/follow", headers=me.headers)
    for i, author in enumerate(people * 4):
        tweet_id = await _post(client, author, f"t{i}", [await make_media(author)])
        for liker in people[: i % 12]:
            await client.post(f"/api/tweets/{tweet_id}/likes", headers=liker.headers)

    counts = []
    for limit in (1, 10, 48):
        with count_statements(app) as statements:
            feed = await _feed(client, me, limit=limit)
        assert len(feed) == limit
        counts.append(len(statements))
    # Auth, the page, its likers, its pictures (plus the pool's liveness ping).
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] <= 5
