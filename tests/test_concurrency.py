"""Many requests at once on the same rows: every outcome is exact, nothing answers 500.

The requests run concurrently through the app on one event loop, each with its own
session and database connection, as a busy server runs them.
"""

import asyncio
import random

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers.api import Api, MakePerson
from tests.helpers.app import count


async def _all(*requests: object) -> list[Response]:
    answers = await asyncio.gather(*requests)  # type: ignore[call-overload]
    return list(answers)


async def test_200_likes_and_unlikes_at_once_leave_exact_rows_and_count(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    author = await make_person("Author")
    people = [await make_person(f"P{n}") for n in range(100)]
    tweet_id = await api.tweet(author, "hot")
    path = f"/api/tweets/{tweet_id}/likes"
    count_sql = "SELECT likes_count FROM tweets WHERE id = :id"
    rows_sql = "SELECT count(*) FROM likes WHERE tweet_id = :id"

    # Everyone likes it twice, all at once: 100 likes.
    twice = [client.post(path, headers=p.headers) for p in people * 2]
    random.Random(1).shuffle(twice)
    assert {r.status_code for r in await _all(*twice)} == {200}
    assert await count(session, count_sql, id=tweet_id) == 100
    assert await count(session, rows_sql, id=tweet_id) == 100

    # At once: the first half unlike it twice, the rest like it again: 50 likes.
    mixed = [client.delete(path, headers=p.headers) for p in people[:50] * 2]
    mixed += [client.post(path, headers=p.headers) for p in people[50:] * 2]
    random.Random(2).shuffle(mixed)
    assert {r.status_code for r in await _all(*mixed)} == {200}
    assert await count(session, count_sql, id=tweet_id) == 50
    assert await count(session, rows_sql, id=tweet_id) == 50

    # Like and unlike of the same pair racing: either way, the count is the rows.
    racing = []
    for person in people:
        racing += [
            client.post(path, headers=person.headers),
            client.delete(path, headers=person.headers),
        ]
    assert {r.status_code for r in await _all(*racing)} == {200}
    assert await count(session, count_sql, id=tweet_id) == await count(
        session, rows_sql, id=tweet_id
    )


async def test_200_follows_and_unfollows_at_once_leave_exact_rows(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    star = await make_person("Star")
    fans = [await make_person(f"F{n}") for n in range(100)]
    path = f"/api/users/{star.id}/follow"
    follows = [client.post(path, headers=f.headers) for f in fans * 2]
    assert {r.status_code for r in await _all(*follows)} == {200}
    sql = "SELECT count(*) FROM follows WHERE followee_id = :id"
    assert await count(session, sql, id=star.id) == 100

    mixed = [client.delete(path, headers=f.headers) for f in fans[:30] * 2]
    mixed += [client.post(path, headers=f.headers) for f in fans[30:] * 2]
    random.Random(3).shuffle(mixed)
    assert {r.status_code for r in await _all(*mixed)} == {200}
    assert await count(session, sql, id=star.id) == 70
    profile = await client.get(f"/api/users/{star.id}", headers=star.headers)
    assert len(profile.json()["user"]["followers"]) == 70


async def test_parallel_deletes_of_one_tweet_give_one_success(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    media_id = await api.upload(ann)
    tweet_id = await api.tweet(ann, "going", [media_id])
    await api.like(ann, tweet_id)
    answers = await _all(
        *(client.delete(f"/api/tweets/{tweet_id}", headers=ann.headers) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [404] * 19
    for refused in answers:
        if refused.status_code == 404:
            assert refused.json()["error_type"] == "NotFound"
    assert await count(session, "SELECT count(*) FROM tweets") == 0
    assert await count(session, "SELECT count(*) FROM likes") == 0
    assert await count(session, "SELECT count(*) FROM media") == 0


async def test_one_upload_in_parallel_tweets_is_attached_once(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    media_id = await api.upload(ann)

    def post(n: int) -> object:
        body = {"tweet_data": f"mine {n}", "tweet_media_ids": [media_id]}
        return client.post("/api/tweets", json=body, headers=ann.headers)

    answers = await _all(*(post(n) for n in range(20)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [409] * 19
    [winner] = [r.json()["tweet_id"] for r in answers if r.status_code == 201]
    # The losers left nothing: no tweet without its picture.
    assert await count(session, "SELECT count(*) FROM tweets") == 1
    assert await count(session, "SELECT tweet_id FROM media WHERE id = :id", id=media_id) == winner


async def test_creating_people_and_posting_at_once(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    admin = await make_person("Admin", admin=True)
    created = await _all(
        *(
            client.post("/api/users", json={"name": f"New {n}"}, headers=admin.headers)
            for n in range(50)
        )
    )
    assert {r.status_code for r in created} == {201}
    keys = [r.json()["user"]["api_key"] for r in created]
    assert len(set(keys)) == 50
    posts = await _all(
        *(
            client.post("/api/tweets", json={"tweet_data": "hello"}, headers={"api-key": k})
            for k in keys
        )
    )
    assert {r.status_code for r in posts} == {201}
    assert await count(session, "SELECT count(DISTINCT author_id) FROM tweets") == 50


async def test_200_requests_on_one_single_pair(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    """One person, one tweet, one followee: 200 likes, unlikes, follows and unfollows
    at once. Whatever order they ran in, each pair is one row or none, and the count
    says the same as the rows."""
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet_id = await api.tweet(bob, "one")
    likes, follow = f"/api/tweets/{tweet_id}/likes", f"/api/users/{bob.id}/follow"
    requests = []
    for _ in range(50):
        requests += [
            client.post(likes, headers=ann.headers),
            client.delete(likes, headers=ann.headers),
            client.post(follow, headers=ann.headers),
            client.delete(follow, headers=ann.headers),
        ]
    random.Random(4).shuffle(requests)
    assert {r.status_code for r in await _all(*requests)} == {200}
    rows = await count(session, "SELECT count(*) FROM likes WHERE tweet_id = :id", id=tweet_id)
    assert rows in (0, 1)
    assert (
        await count(session, "SELECT likes_count FROM tweets WHERE id = :id", id=tweet_id) == rows
    )
    assert await count(session, "SELECT count(*) FROM follows") in (0, 1)
    # And settled by a last word: like and follow once more, all is there once.
    await api.like(ann, tweet_id)
    await api.follow(ann, bob)
    assert await count(session, "SELECT likes_count FROM tweets WHERE id = :id", id=tweet_id) == 1
    assert await count(session, "SELECT count(*) FROM follows") == 1
