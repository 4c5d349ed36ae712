"""The journey of a client written for the first part of ../shared/API.md, before
conversations: only its requests, only its fields. Conversations going on around it
change nothing it relies on: replies stay out of its feed, every field it reads keeps
its name, type and nesting, and new fields only add."""

from typing import Any

from httpx import AsyncClient

from tests.helpers.api import MakePerson, png_picture

# What the contract's first part promises, field by field (more fields may come).
USER_REF = {"id": int, "name": str}
LIKE = {"user_id": int, "name": str}
TWEET = {"id": int, "content": str, "attachments": list, "author": dict, "likes": list}


def holds(found: dict[str, Any], shape: dict[str, type]) -> None:
    for field, kind in shape.items():
        assert isinstance(found.get(field), kind), (field, found)


def ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["result"] is True
    return body


async def test_the_first_clients_journey_holds_while_people_converse(
    client: AsyncClient, make_person: MakePerson
) -> None:
    admin = await make_person("Admin", admin=True)

    async def call(method: str, path: str, key: str, status: int = 200, **kw: Any) -> Any:
        return ok(await client.request(method, path, headers={"api-key": key}, **kw), status)

    made = {}
    for name in ("Ann", "Bob"):
        user = (await call("POST", "/api/users", admin.api_key, 201, json={"name": name}))["user"]
        holds(user, USER_REF | {"api_key": str})
        made[name] = user
    ann, bob = made["Ann"], made["Bob"]
    await call("POST", f"/api/users/{ann['id']}/follow", bob["api_key"])
    media = await call(
        "POST",
        "/api/medias",
        ann["api_key"],
        201,
        files={"file": ("a.png", png_picture(), "image/png")},
    )
    assert isinstance(media["media_id"], int)
    body = {"tweet_data": "Hello, colleagues!", "tweet_media_ids": [media["media_id"]]}
    posted = await call("POST", "/api/tweets", ann["api_key"], 201, json=body)
    tweet_id = posted["tweet_id"]
    await call("POST", f"/api/tweets/{tweet_id}/likes", bob["api_key"])

    async def bobs_feed() -> list[dict[str, Any]]:
        tweets: list[dict[str, Any]] = (
            await call("GET", "/api/tweets?offset=0&limit=20", bob["api_key"])
        )["tweets"]
        return tweets

    before = await bobs_feed()

    # Around it, a conversation: replies (to the post and to a reply), a mention.
    cid = await make_person("Cid")
    first = await call(
        "POST",
        "/api/tweets",
        cid.api_key,
        201,
        json={"tweet_data": "@ann agreed", "reply_to": tweet_id},
    )
    await call(
        "POST",
        "/api/tweets",
        ann["api_key"],
        201,
        json={"tweet_data": "Thanks @bob", "reply_to": first["tweet_id"]},
    )

    after = await bobs_feed()
    assert [t["id"] for t in after] == [t["id"] for t in before] == [tweet_id]
    (seen,) = after
    holds(seen, TWEET)
    assert seen["content"] == "Hello, colleagues!"
    assert seen["attachments"] == [f"/api/medias/{media['media_id']}"]
    holds(seen["author"], USER_REF)
    assert (seen["author"]["id"], seen["author"]["name"]) == (ann["id"], "Ann")
    (like,) = seen["likes"]
    holds(like, LIKE)
    assert (like["user_id"], like["name"]) == (bob["id"], "Bob")
    # Only additions: every field it had before is there, the same.
    assert {key: seen[key] for key in before[0] if key != "replies_count"} == {
        key: value for key, value in before[0].items() if key != "replies_count"
    }
    assert seen["replies_count"] == 1
    picture = await client.get(seen["attachments"][0])
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"

    me = (await call("GET", "/api/users/me", ann["api_key"]))["user"]
    holds(me, USER_REF | {"followers": list, "following": list})
    assert [(u["id"], u["name"]) for u in me["followers"]] == [(bob["id"], "Bob")]
    holds(me["followers"][0], USER_REF)
    other = (await call("GET", f"/api/users/{bob['id']}", ann["api_key"]))["user"]
    assert [(u["id"], u["name"]) for u in other["following"]] == [(ann["id"], "Ann")]

    await call("DELETE", f"/api/tweets/{tweet_id}/likes", bob["api_key"])
    await call("DELETE", f"/api/users/{ann['id']}/follow", bob["api_key"])
    await call("DELETE", f"/api/tweets/{tweet_id}", ann["api_key"])
    assert await bobs_feed() == []
    missing = await client.delete(f"/api/tweets/{tweet_id}", headers={"api-key": ann["api_key"]})
    assert missing.status_code == 404
    assert {"result", "error_type", "error_message"} <= set(missing.json())
    assert missing.json()["result"] is False
