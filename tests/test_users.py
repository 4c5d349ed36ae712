"""People: creation, profiles, following, the directory and a person's tweets."""

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers.api import Api, MakePerson, Person, json_or_raw
from tests.helpers.app import count


async def test_admin_creates_a_person_whose_key_works(
    client: AsyncClient, make_person: MakePerson
) -> None:
    admin = await make_person("Root", admin=True)
    response = await client.post("/api/users", json={"name": "  Ann Lee "}, headers=admin.headers)
    assert response.status_code == 201
    body = response.json()
    assert body["result"] is True
    assert set(body["user"]) == {"id", "name", "handle", "is_admin", "email", "api_key"}
    assert body["user"]["name"] == "Ann Lee"
    assert body["user"]["is_admin"] is False
    me = await client.get("/api/users/me", headers={"api-key": body["user"]["api_key"]})
    assert me.json()["user"]["id"] == body["user"]["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"name": "tab\tinside"},
        {"name": "nul\x00byte"},
        '{"name": "surrogate \\udfff"}',  # raw JSON: httpx cannot encode it
        {"name": "line\nbreak"},
        {"name": 5},
        {"name": "Dee", "admin": True},  # misspelt field: refused, not ignored
        {"name": "Dee", "is_admin": "very"},
        {},
        [],
    ],
)
async def test_bad_names_are_refused_and_nothing_is_created(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession, body: object
) -> None:
    admin = await make_person("Root", admin=True)
    response = await client.post("/api/users", **json_or_raw(body, admin.headers))
    assert response.status_code == 422
    assert response.json()["error_type"] == "ValidationError"
    assert await count(session, "SELECT count(*) FROM users") == 1


async def test_admin_may_create_another_admin(client: AsyncClient, make_person: MakePerson) -> None:
    root = await make_person("Root", admin=True)
    created = await client.post(
        "/api/users", json={"name": "Deputy", "is_admin": True}, headers=root.headers
    )
    assert created.status_code == 201
    assert created.json()["user"]["is_admin"] is True
    deputy = {"api-key": created.json()["user"]["api_key"]}
    assert (await client.post("/api/users", json={"name": "X"}, headers=deputy)).status_code == 201


async def test_unicode_names_are_kept_as_typed(
    client: AsyncClient, make_person: MakePerson
) -> None:
    admin = await make_person("Root", admin=True)
    name = "Анна 李 <b>O'Brien</b> 🚀"
    response = await client.post("/api/users", json={"name": name}, headers=admin.headers)
    assert response.status_code == 201
    profile = await client.get(f"/api/users/{response.json()['user']['id']}", headers=admin.headers)
    assert profile.json()["user"]["name"] == name


async def test_profiles_show_followers_and_following(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    assert (await client.post(f"/api/users/{ann.id}/follow", headers=bob.headers)).json() == {
        "result": True
    }
    await api.follow(ann, eve)
    # Only her own tweets count, not those of people she follows.
    for person, words in ((ann, "one"), (ann, "two"), (eve, "eve's")):
        tweet_id = await api.tweet(person, words)

    me = await client.get("/api/users/me", headers=ann.headers)
    assert me.status_code == 200
    assert me.json() == {
        "result": True,
        "user": {
            "id": ann.id,
            "name": "Ann",
            "handle": "ann",
            "followers": [{"id": bob.id, "name": "Bob", "handle": "bob"}],
            "following": [{"id": eve.id, "name": "Eve", "handle": "eve"}],
            "followers_count": 1,
            "following_count": 1,
            "tweets_count": 2,
            "active": True,
            # Hers only (and administrators'); no e-mail given: none shown.
            "is_admin": False,
        },
    }
    other = await client.get(f"/api/users/{ann.id}", headers=eve.headers)
    seen = me.json()
    del seen["user"]["is_admin"]
    assert other.json() == seen
    await api.delete_tweet(eve, tweet_id)  # Eve's
    assert (await api.profile(ann, eve))["tweets_count"] == 0


async def test_long_profiles_are_read_in_pages(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    """Someone followed by thousands: `people_limit` keeps the profile short with exact
    counts, and the followers and following lists page by name (case aside)."""
    ann = await make_person("Ann")
    fans = [await make_person(name) for name in ("dora", "Bea", "Cy", "ed", "Al")]
    for fan in fans:
        await api.follow(fan, ann)
    for idol in fans[:3]:
        await api.follow(ann, idol)

    async def names(path: str, **params: int) -> list[str]:
        response = await client.get(path, params=params, headers=ann.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        people = body["users"] if "users" in body else body["user"]["followers"]
        return [person["name"] for person in people]

    everyone = ["Al", "Bea", "Cy", "dora", "ed"]
    assert await names(f"/api/users/{ann.id}") == everyone
    assert await names(f"/api/users/{ann.id}/followers", offset=0, limit=100) == everyone
    assert await names(f"/api/users/{ann.id}/followers", offset=1, limit=2) == ["Bea", "Cy"]
    assert await names(f"/api/users/{ann.id}/followers", offset=5) == []
    assert await names(f"/api/users/{ann.id}/following") == ["Bea", "Cy", "dora"]
    assert await names(f"/api/users/{fans[0].id}/following") == ["Ann"]

    for path in (f"/api/users/{ann.id}", "/api/users/me"):
        for limit, followers, following in ((2, ["Al", "Bea"], ["Bea", "Cy"]), (0, [], [])):
            short = await client.get(path, params={"people_limit": limit}, headers=ann.headers)
            user = short.json()["user"]
            assert [p["name"] for p in user["followers"]] == followers
            assert [p["name"] for p in user["following"]] == following
            assert (user["followers_count"], user["following_count"]) == (5, 3)
    for bad in (-1, 101, "all"):
        refused = await client.get(
            "/api/users/me", params={"people_limit": bad}, headers=ann.headers
        )
        assert refused.status_code == 422
        assert refused.json()["details"][0]["field"] == "people_limit"


async def test_follow_and_unfollow_are_idempotent(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    for _ in range(2):
        response = await client.post(f"/api/users/{bob.id}/follow", headers=ann.headers)
        assert response.status_code == 200
    assert await count(session, "SELECT count(*) FROM follows") == 1
    for _ in range(2):
        response = await client.delete(f"/api/users/{bob.id}/follow", headers=ann.headers)
        assert response.json() == {"result": True}
    assert await count(session, "SELECT count(*) FROM follows") == 0


async def test_following_yourself_is_refused(
    client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    response = await client.post(f"/api/users/{ann.id}/follow", headers=ann.headers)
    assert response.status_code == 422
    assert response.json()["error_type"] == "ValidationError"
    assert await count(session, "SELECT count(*) FROM follows") == 0


async def _people(make_person: MakePerson, *names: str) -> list[Person]:
    return [await make_person(name) for name in names]


async def test_directory_searches_by_part_of_the_name(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann, joanna, bob, _ = await _people(make_person, "Ann", "Joanna", "Bob", "100%_real")
    await api.follow(bob, ann)
    await api.follow(joanna, ann)
    await api.follow(ann, bob)

    found = await client.get("/api/users", params={"q": "AN"}, headers=bob.headers)
    assert found.status_code == 200
    assert found.json() == {
        "result": True,
        "users": [
            {
                "id": ann.id,
                "name": "Ann",
                "handle": "ann",
                "followers_count": 2,
                "following_count": 1,
            },
            {
                "id": joanna.id,
                "name": "Joanna",
                "handle": "joanna",
                "followers_count": 0,
                "following_count": 1,
            },
        ],
    }
    everyone = await client.get("/api/users", headers=bob.headers)
    assert [u["name"] for u in everyone.json()["users"]] == ["100%_real", "Ann", "Bob", "Joanna"]
    # % and _ are literal characters, not wildcards.
    percent = await client.get("/api/users", params={"q": "%_"}, headers=bob.headers)
    assert [u["name"] for u in percent.json()["users"]] == ["100%_real"]
    nobody = await client.get("/api/users", params={"q": "zzz"}, headers=bob.headers)
    assert nobody.json() == {"result": True, "users": []}


async def test_directory_pages_do_not_overlap(client: AsyncClient, make_person: MakePerson) -> None:
    people = await _people(make_person, *[f"Person {i:02}" for i in range(7)], "Person 03")
    seen: list[int] = []
    for offset in range(0, 9, 3):
        response = await client.get(
            "/api/users", params={"offset": offset, "limit": 3}, headers=people[0].headers
        )
        seen += [u["id"] for u in response.json()["users"]]
    assert sorted(seen) == sorted(p.id for p in people)
    assert len(seen) == len(set(seen))


async def test_a_persons_tweets_newest_first(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    ids = []
    for i in range(5):
        ids.append(await api.tweet(ann, f"t{i}"))
    await api.tweet(bob, "bob's")
    await api.like(bob, ids[0])

    first = await client.get(
        f"/api/users/{ann.id}/tweets", params={"limit": 3}, headers=bob.headers
    )
    second = await client.get(
        f"/api/users/{ann.id}/tweets", params={"offset": 3, "limit": 3}, headers=bob.headers
    )
    assert [t["id"] for t in first.json()["tweets"]] == ids[::-1][:3]
    assert [t["id"] for t in second.json()["tweets"]] == ids[::-1][3:]
    oldest = second.json()["tweets"][-1]
    assert oldest["likes"] == [{"user_id": bob.id, "name": "Bob", "handle": "bob"}]
    assert oldest["author"] == {"id": ann.id, "name": "Ann", "handle": "ann", "active": True}


async def test_a_persons_tweets_break_time_ties_by_id(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    ids = []
    for i in range(4):
        ids.append(await api.tweet(ann, f"t{i}"))
    # Time order unlike id order: t0 newest, t1 and t2 at the same instant, t3 oldest.
    for tweet_id, day in zip(ids, [4, 2, 2, 1], strict=True):
        await session.execute(
            text("UPDATE tweets SET created_at = make_date(2026, 1, :day) WHERE id = :id"),
            {"day": day, "id": tweet_id},
        )
    await session.commit()
    response = await client.get(f"/api/users/{ann.id}/tweets", headers=ann.headers)
    assert [t["id"] for t in response.json()["tweets"]] == [ids[0], ids[2], ids[1], ids[3]]


async def test_following_yourself_names_the_field(
    client: AsyncClient, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    response = await client.post(f"/api/users/{ann.id}/follow", headers=ann.headers)
    assert response.json()["details"] == [
        {"field": "user_id", "message": "You cannot follow yourself"}
    ]


async def test_directory_is_case_insensitive_in_any_script(
    client: AsyncClient, make_person: MakePerson
) -> None:
    await _people(make_person, "Анна Смирнова", "АНТОН", "zoë", "Zed", "Émile", "ann")
    viewer = await make_person("Viewer")
    found = await client.get("/api/users", params={"q": "ан"}, headers=viewer.headers)
    # "ан" is "an" in Latin letters too (transliteration: tests/test_people_search.py).
    assert [u["name"] for u in found.json()["users"]] == ["ann", "Анна Смирнова", "АНТОН"]
    accented = await client.get("/api/users", params={"q": "ÉMI"}, headers=viewer.headers)
    assert [u["name"] for u in accented.json()["users"]] == ["Émile"]
    everyone = await client.get("/api/users", headers=viewer.headers)
    # Alphabetical regardless of case: "ann" before "Viewer" before "Zed".
    assert [u["name"] for u in everyone.json()["users"]] == [
        "ann",
        "Viewer",
        "Zed",
        "zoë",
        "Émile",
        "Анна Смирнова",
        "АНТОН",
    ]


async def test_removing_a_person_cascades_to_everything_of_theirs(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.upload(ann)
    for person in (ann, bob):
        await api.tweet(person, person.name)
    await api.follow(ann, bob)
    await api.follow(bob, ann)
    await api.like(bob, 1)  # Bob likes Ann's tweet
    await api.like(ann, 2)  # Ann likes Bob's tweet

    # There is no endpoint for it; an administrator removes a person in SQL.
    await session.execute(text("DELETE FROM users WHERE id = :id"), {"id": ann.id})
    await session.commit()
    for table in ("tweets", "likes", "follows", "media"):
        owner = {"tweets": "author_id", "likes": "user_id", "follows": "follower_id"}.get(
            table, "owner_id"
        )
        assert (
            await session.scalar(
                text(f"SELECT count(*) FROM {table} WHERE {owner} = :id"), {"id": ann.id}
            )
            == 0
        ), table
    # Bob's like went with Ann's tweet.
    assert await count(session, "SELECT count(*) FROM likes") == 0
    assert await count(session, "SELECT count(*) FROM follows") == 0
    bob_feed = await api.feed(bob)
    assert [t["content"] for t in bob_feed] == ["Bob"]
    # Ann's like is gone from Bob's tweet, and from its counter too.
    assert bob_feed[0]["likes"] == []
    assert bob_feed[0]["likes_count"] == 0
