"""Editing posts: only the author's, validated as a new post, the earlier texts kept
newest first, mentions, hashtags and search following the new text, `edited_at` and
the author's `active` in every tweet shape."""

import asyncio
from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers.api import Api, MakePerson, Person, json_or_raw, refused
from tests.helpers.app import count
from tests.helpers.live import notifications
from tests.helpers.polling import eventually_async


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


async def _state(session: AsyncSession, tweet_id: int) -> tuple[Any, ...]:
    """Everything an edit may change: the text, the time, versions, mentions, tags."""
    await session.rollback()  # a fresh snapshot
    row = (
        await session.execute(
            text(
                "SELECT content, edited_at, search::text,"
                " (SELECT count(*) FROM tweet_versions WHERE tweet_id = :id),"
                " (SELECT array_agg(user_id ORDER BY position) FROM mentions WHERE tweet_id = :id),"
                " (SELECT array_agg(tag ORDER BY tag) FROM tweet_hashtags WHERE tweet_id = :id),"
                " (SELECT count(*) FROM notifications)"
                " FROM tweets WHERE id = :id"
            ),
            {"id": tweet_id},
        )
    ).one()
    return tuple(row)


async def test_the_author_edits_and_the_earlier_texts_are_listed_newest_first(
    api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet_id = await api.tweet(ann, "First text")
    created = await api.one_tweet(bob, tweet_id)
    assert created["edited_at"] is None
    assert await api.history(bob, tweet_id) == []

    await api.edit(ann, tweet_id, "  Second text\n")
    once = await api.one_tweet(bob, tweet_id)
    assert once["content"] == "Second text"
    assert once["edited_at"].endswith("Z")
    assert _at(once["edited_at"]) > _at(created["created_at"])
    assert once["created_at"] == created["created_at"]

    await api.edit(ann, tweet_id, "Third text")
    twice = await api.one_tweet(bob, tweet_id)
    assert twice["content"] == "Third text"
    assert _at(twice["edited_at"]) > _at(once["edited_at"])

    versions = await api.history(bob, tweet_id)
    assert [v["content"] for v in versions] == ["Second text", "First text"]
    # Each text's time is when it was written; each was replaced when the next was written.
    assert [v["edited_at"] for v in versions] == [once["edited_at"], created["created_at"]]
    assert [v["replaced_at"] for v in versions] == [twice["edited_at"], once["edited_at"]]
    assert set(versions[0]) == {"content", "edited_at", "replaced_at"}
    # Paged like every list.
    assert [v["content"] for v in await api.history(bob, tweet_id, offset=1, limit=1)] == [
        "First text"
    ]
    assert await api.history(bob, tweet_id, offset=2) == []


async def test_the_same_text_again_changes_nothing(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    tweet_id = await api.tweet(ann, "Unchanged #tag @ann")
    before = await _state(session, tweet_id)
    await api.edit(ann, tweet_id, "Unchanged #tag @ann")
    await api.edit(ann, tweet_id, "  Unchanged #tag @ann \n")  # trimmed, as a post is
    assert await _state(session, tweet_id) == before
    assert (await api.one_tweet(ann, tweet_id))["edited_at"] is None
    assert await api.history(ann, tweet_id) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"tweet_data": ""}, 422),
        ({"tweet_data": " \n\t "}, 422),
        ({"tweet_data": "x" * 281}, 422),
        ({"tweet_data": "nul \x00 inside"}, 422),
        ('{"tweet_data": "lone surrogate \\ud800"}', 422),
        ({"tweet_data": None}, 422),
        ({"tweet_data": 42}, 422),
        ({}, 422),
        ({"tweet_data": " ".join(f"@person{n}" for n in range(11))}, 422),
    ],
)
async def test_a_refused_edit_changes_nothing(
    client: AsyncClient,
    make_person: MakePerson,
    api: Api,
    session: AsyncSession,
    body: object,
    status: int,
) -> None:
    ann = await make_person("Ann")
    for n in range(11):
        await make_person(f"Person{n}")
    tweet_id = await api.tweet(ann, "Original #kept @person0")
    before = await _state(session, tweet_id)
    response = await client.patch(f"/api/tweets/{tweet_id}", **json_or_raw(body, ann.headers))
    refused(response, status, "ValidationError")
    assert await _state(session, tweet_id) == before


async def test_only_the_author_may_edit_and_nobody_edits_what_is_not_there(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob", admin=True)
    tweet_id = await api.tweet(ann, "Ann's own")
    before = await _state(session, tweet_id)
    body = {"tweet_data": "Bob's words"}
    refused(
        await client.patch(f"/api/tweets/{tweet_id}", json=body, headers=bob.headers),
        403,
        "Forbidden",
    )
    refused(await client.patch(f"/api/tweets/{tweet_id}", json=body), 401, "Unauthorized")
    refused(
        await client.patch(f"/api/tweets/{tweet_id}", json=body, headers={"api-key": "wrong"}),
        401,
    )
    assert await _state(session, tweet_id) == before
    refused(
        await client.patch(f"/api/tweets/{tweet_id + 1}", json=body, headers=ann.headers),
        404,
        "NotFound",
    )
    refused(await client.patch("/api/tweets/0", json=body, headers=ann.headers), 422)
    history = f"/api/tweets/{tweet_id}/history"
    refused(await client.get(f"/api/tweets/{tweet_id + 1}/history", headers=ann.headers), 404)
    refused(await client.get(history), 401, "Unauthorized")
    refused(await client.get(history, params={"limit": 0}, headers=ann.headers), 422)


async def test_concurrent_edits_each_keep_the_text_they_replaced(
    app: Any, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    tweet_id = await api.tweet(ann, "Original")
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    # Both edits start while the row is held, so they truly race for it.
    async with app.state.sessionmaker() as holder:
        await holder.execute(
            text("SELECT 1 FROM tweets WHERE id = :id FOR UPDATE"), {"id": tweet_id}
        )
        edits = [
            asyncio.create_task(
                api.client.patch(
                    f"/api/tweets/{tweet_id}", json={"tweet_data": words}, headers=ann.headers
                )
            )
            for words in ("Edit one", "Edit two")
        ]

        async def both_wait() -> bool:
            return await count(session, waiting) == 2

        await eventually_async(both_wait, what="both edits waiting for the row")
        await holder.rollback()
    answers = await asyncio.gather(*edits)
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    final = await api.one_tweet(ann, tweet_id)
    versions = await api.history(ann, tweet_id)
    assert len(versions) == 2
    assert versions[1]["content"] == "Original"
    # The later edit replaced the earlier one's text, whichever came first.
    assert {versions[0]["content"], final["content"]} == {"Edit one", "Edit two"}
    assert versions[0]["edited_at"] == versions[1]["replaced_at"]
    assert final["edited_at"] == versions[0]["replaced_at"]


async def _mention_notes(api: Api, who: Person, tweet_id: int) -> list[dict[str, Any]]:
    body = await notifications(api.client, who)
    return [n for n in body["notifications"] if n["tweet_id"] == tweet_id]


async def test_mentions_follow_the_text_and_only_the_newly_mentioned_are_notified(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    bob, cat, dan = [await make_person(name) for name in ("Bob", "Cat", "Dan")]
    tweet_id = await api.tweet(ann, "Hello @bob and @cat")
    assert len(await _mention_notes(api, bob, tweet_id)) == 1
    assert len(await _mention_notes(api, cat, tweet_id)) == 1

    await api.edit(ann, tweet_id, "Hello @dan, @bob (not Cat)")
    shown = (await api.one_tweet(ann, tweet_id))["mentions"]
    assert [(m["id"], m["handle"]) for m in shown] == [(dan.id, "dan"), (bob.id, "bob")]
    [note] = await _mention_notes(api, dan, tweet_id)
    assert (note["type"], note["actor"]["id"]) == ("mention", ann.id)
    # Still mentioned: nothing new; no longer mentioned: nothing either.
    assert len(await _mention_notes(api, bob, tweet_id)) == 1
    assert len(await _mention_notes(api, cat, tweet_id)) == 1
    # Mentioned again after being left out: notified once all the same.
    await api.edit(ann, tweet_id, "Hello @cat again")
    assert len(await _mention_notes(api, cat, tweet_id)) == 1
    assert await count(session, "SELECT count(*) FROM notifications") == 3
    assert [m["handle"] for m in (await api.one_tweet(ann, tweet_id))["mentions"]] == ["cat"]


async def test_hashtags_and_search_find_the_new_text_not_the_old(
    api: Api, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    tweet_id = await api.tweet(ann, "Quarterly planning #oldtag")
    other = await api.tweet(ann, "Unrelated #keep")
    assert [t["id"] for t in await api.tagged(ann, "oldtag")] == [tweet_id]
    assert [t["id"] for t in await api.search(ann, "planning")] == [tweet_id]

    await api.edit(ann, tweet_id, "Budget review #newtag")
    assert await api.tagged(ann, "oldtag") == []
    [tagged] = await api.tagged(ann, "newtag")
    assert (tagged["id"], tagged["content"], tagged["hashtags"]) == (
        tweet_id,
        "Budget review #newtag",
        ["newtag"],
    )
    assert tagged["edited_at"] is not None
    assert await api.search(ann, "planning") == []
    assert [t["id"] for t in await api.search(ann, "review")] == [tweet_id]
    assert [t["id"] for t in await api.tagged(ann, "keep")] == [other]


async def test_pictures_and_replies_stay_through_an_edit(api: Api, make_person: MakePerson) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    media_id = await api.upload(ann)
    tweet_id = await api.tweet(ann, "With a picture", [media_id])
    reply = await api.reply(bob, tweet_id, "Nice")
    await api.edit(ann, tweet_id, "With a picture, edited")
    shown = await api.one_tweet(bob, tweet_id)
    assert shown["attachments"] == [f"/api/medias/{media_id}"]
    assert shown["replies_count"] == 1
    assert (await api.one_tweet(bob, reply))["reply_to"] == tweet_id
    picture = await api.client.get(f"/api/medias/{media_id}")
    assert picture.status_code == 200


def _shapes(found: list[dict[str, Any]], tweet_id: int) -> dict[str, Any]:
    [tweet] = [t for t in found if t["id"] == tweet_id]
    return tweet


async def test_every_tweet_shape_has_edited_at_and_whether_its_author_is_active(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.follow(bob, ann)
    start = await api.tweet(ann, "Start of the #roadmap talk")
    reply = await api.reply(ann, start, "A reply about the #roadmap")
    await api.edit(ann, start, "Start of the #roadmap discussion")
    untouched = await api.tweet(ann, "Never edited #roadmap")
    await session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": ann.id})
    await session.commit()

    thread = await api.thread(bob, reply)
    shapes = {
        "feed": _shapes(await api.feed(bob), start),
        "one": await api.one_tweet(bob, start),
        "thread ancestor": thread["ancestors"][0],
        "thread of the start": (await api.thread(bob, start))["tweet"],
        "person's tweets": _shapes(await api.tweets_of(bob, ann), start),
        "search": _shapes(await api.search(bob, "discussion"), start),
        "hashtag": _shapes(await api.tagged(bob, "roadmap"), start),
    }
    edited_at = shapes["one"]["edited_at"]
    assert edited_at is not None
    for where, tweet in shapes.items():
        assert tweet["edited_at"] == edited_at, where
        assert tweet["author"] == {"id": ann.id, "name": "Ann", "handle": "ann", "active": False}, (
            where
        )
    never = {
        "feed": _shapes(await api.feed(bob), untouched),
        "one": await api.one_tweet(bob, untouched),
        "replies": (await api.replies(bob, start))[0],
        "thread": thread["tweet"],
        "person's tweets": _shapes(await api.tweets_of(bob, ann), untouched),
        "hashtag": _shapes(await api.tagged(bob, "roadmap"), untouched),
    }
    for where, tweet in never.items():
        assert tweet["edited_at"] is None, where
        assert tweet["author"]["active"] is False, where
    await session.execute(text("UPDATE users SET active = true WHERE id = :id"), {"id": ann.id})
    await session.commit()
    assert (await api.one_tweet(bob, start))["author"]["active"] is True
