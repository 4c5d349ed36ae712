"""Conversations, the tweets' side: replies, threads, mentions, the feed's rule, and
the notifications the triggers write for replies and mentions (the notifications API
has tests of its own)."""

import asyncio
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import migrations
from app.core.config import Settings
from app.core.raw_statement import RawStatement
from app.demo import DEMO_API_KEY, load_demo
from app.handlers.tweets import threads
from app.handlers.tweets.mentions import handles_in
from tests.helpers.api import Api, MakePerson, Person, refused
from tests.helpers.app import count, count_statements, running
from tests.helpers.polling import eventually_async

# The fields every tweet shape had before conversations: still there, unchanged.
STOCK_FIELDS = {
    "id",
    "content",
    "attachments",
    "author",
    "likes",
    "likes_count",
    "created_at",
}
CONVERSATION_FIELDS = {"reply_to", "reply_to_deleted", "conversation_id", "replies_count"}


def _ids(tweets: list[dict[str, Any]]) -> list[int]:
    return [tweet["id"] for tweet in tweets]


async def _notifications(session: AsyncSession) -> list[tuple[int, str, int, int | None]]:
    """Every notification as (user, type, actor, tweet), in the order written."""
    rows = await session.execute(
        text("SELECT user_id, type, actor_id, tweet_id FROM notifications ORDER BY id")
    )
    await session.commit()  # a fresh snapshot next time
    return [(user, kind, actor, tweet) for user, kind, actor, tweet in rows]


async def test_replies_make_a_tree_every_tweet_shape_shows(
    api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    start = await api.tweet(ann, "Lunch?")
    answer = await api.reply(bob, start, "Yes")
    deeper = await api.reply(ann, answer, "At noon")
    second = await api.reply(bob, start, "Or at one")

    tweet = await api.one_tweet(bob, start)
    assert set(tweet) == STOCK_FIELDS | CONVERSATION_FIELDS | {"mentions", "hashtags", "edited_at"}
    assert tweet["reply_to"] is None
    assert tweet["conversation_id"] == start
    assert tweet["replies_count"] == 2
    assert tweet["reply_to_deleted"] is False
    assert tweet["mentions"] == []
    assert tweet["author"] == {"id": ann.id, "name": "Ann", "handle": "ann", "active": True}

    reply = await api.one_tweet(ann, deeper)
    assert (reply["reply_to"], reply["conversation_id"], reply["replies_count"]) == (
        answer,
        start,
        0,
    )
    assert (await api.one_tweet(ann, answer))["replies_count"] == 1

    # A person's tweets hold their replies, marked as such.
    bobs = await api.tweets_of(ann, bob)
    assert [(t["id"], t["reply_to"]) for t in bobs] == [(second, start), (answer, start)]
    # The feed holds the conversation's start only.
    assert _ids(await api.feed(ann)) == [start]
    [in_feed] = await api.feed(ann)
    assert in_feed["replies_count"] == 2


async def test_replying_to_a_missing_or_deleted_tweet_is_404_and_creates_nothing(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    gone = await api.tweet(ann, "soon gone")
    await api.delete_tweet(ann, gone)
    kept = await api.tweet(ann, "kept")
    for parent in (gone, 12345, 2**63 - 1):
        response = await client.post(
            "/api/tweets",
            json={"tweet_data": "hello @ann", "reply_to": parent},
            headers=bob.headers,
        )
        refused(response, 404, "NotFound")
    wrong: tuple[object, ...] = (0, -1, 2**63, "one", [kept])
    for bad in wrong:
        response = await client.post(
            "/api/tweets", json={"tweet_data": "hi", "reply_to": bad}, headers=bob.headers
        )
        refused(response, 422, "ValidationError")
    anonymous = await client.post("/api/tweets", json={"tweet_data": "hi", "reply_to": kept})
    refused(anonymous, 401, "Unauthorized")

    assert await count(session, "SELECT count(*) FROM tweets") == 1
    assert await count(session, "SELECT count(*) FROM mentions") == 0
    assert await count(session, "SELECT replies_count FROM tweets WHERE id = :id", id=kept) == 0
    # Null is no reply, as when it is left out.
    response = await client.post(
        "/api/tweets", json={"tweet_data": "new", "reply_to": None}, headers=bob.headers
    )
    assert response.status_code == 201, response.text


async def test_one_tweet_thread_and_replies_refuse_what_they_must(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    tweet_id = await api.tweet(ann, "here")
    for suffix in ("", "/thread", "/replies"):
        refused(await client.get(f"/api/tweets/{tweet_id}{suffix}"), 401, "Unauthorized")
        bad_key = await client.get(f"/api/tweets/{tweet_id}{suffix}", headers={"api-key": "x"})
        refused(bad_key, 401, "Unauthorized")
        for missing in (tweet_id + 1, 2**63 - 1):
            response = await client.get(f"/api/tweets/{missing}{suffix}", headers=ann.headers)
            refused(response, 404, "NotFound")
        for odd in ("0", "-3", "x", str(2**63)):
            response = await client.get(f"/api/tweets/{odd}{suffix}", headers=ann.headers)
            refused(response, 422, "ValidationError")
    for query in ("limit=0", "limit=101", "offset=-1", "offset=x", "offset=1000001"):
        response = await client.get(f"/api/tweets/{tweet_id}/replies?{query}", headers=ann.headers)
        refused(response, 422, "ValidationError")


async def test_a_thread_shows_the_chain_the_tweet_and_its_replies_authors_first(
    app: Any, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    start = await api.tweet(ann, "start")
    middle = await api.reply(bob, start, "middle")
    tweet_id = await api.reply(eve, middle, "the tweet")
    # 25 direct replies, by turns; Eve's own (every third) come first, oldest first.
    people = [bob, eve, ann]
    replies = [await api.reply(people[n % 3], tweet_id, f"r{n}") for n in range(25)]
    expected = [r for n, r in enumerate(replies) if n % 3 == 1] + [
        r for n, r in enumerate(replies) if n % 3 != 1
    ]
    # Posted in one second, they would be in id order anyway: make time disagree.
    await session.execute(
        text("UPDATE tweets SET created_at = now() - make_interval(secs => id) WHERE id = :id"),
        {"id": replies[0]},
    )
    await session.commit()

    thread = await api.thread(ann, tweet_id)
    assert _ids(thread["ancestors"]) == [start, middle]
    assert thread["tweet"]["id"] == tweet_id
    assert thread["tweet"]["replies_count"] == 25
    assert _ids(thread["replies"]) == expected[: threads.FIRST_REPLIES]
    assert all(r["reply_to"] == tweet_id for r in thread["replies"])
    assert {r["conversation_id"] for r in thread["replies"]} == {start}

    for size in (1, 7, 25):
        paged: list[int] = []
        for offset in range(0, 30, size):
            paged += _ids(await api.replies(bob, tweet_id, offset=offset, limit=size))
        assert paged == expected
    assert _ids(await api.replies(bob, tweet_id)) == expected[:20]
    assert await api.replies(bob, replies[0]) == []

    # The start of a conversation has no ancestors; its replies list the middle one.
    top = await api.thread(bob, start)
    assert (top["ancestors"], _ids(top["replies"])) == ([], [middle])

    # A fixed number of statements, however long the chain and many the replies:
    # the key, the chain with the tweet, the replies.
    longer = tweet_id
    for n in range(5):
        longer = await api.reply(bob, longer, f"deeper {n} @ann @eve")
    with count_statements(app) as short_chain:
        await api.thread(ann, middle)
    with count_statements(app) as long_chain:
        assert len((await api.thread(ann, longer))["ancestors"]) == 7
    assert len(short_chain) == len(long_chain) == 3


async def test_a_deleted_post_leaves_its_replies_which_say_so(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    start = await api.tweet(ann, "start")
    first = await api.reply(bob, start, "first")
    second = await api.reply(ann, first, "second")
    third = await api.reply(bob, second, "third")
    assert (await api.one_tweet(ann, start))["replies_count"] == 1

    await api.delete_tweet(bob, first)
    # The parent's count drops with the reply, in the same transaction.
    assert (await api.one_tweet(ann, start))["replies_count"] == 0
    assert await api.replies(ann, start) == []
    orphan = await api.one_tweet(ann, second)
    assert (orphan["reply_to"], orphan["reply_to_deleted"]) == (first, True)
    assert orphan["conversation_id"] == start

    # The chain stops at the gap; the conversation's start is still shown first, and
    # the gap is where reply_to is not the id before it.
    thread = await api.thread(ann, third)
    assert _ids(thread["ancestors"]) == [start, second]
    assert thread["ancestors"][1]["reply_to"] == first
    assert thread["ancestors"][1]["reply_to_deleted"] is True
    assert thread["tweet"]["reply_to_deleted"] is False
    # The deleted one is gone for good.
    refused(await client.get(f"/api/tweets/{first}/thread", headers=ann.headers), 404)
    refused(await client.get(f"/api/tweets/{first}/replies", headers=ann.headers), 404)

    # With the start deleted too, the chain begins after the gap.
    await api.delete_tweet(ann, start)
    thread = await api.thread(bob, third)
    assert _ids(thread["ancestors"]) == [second]
    assert thread["tweet"]["conversation_id"] == start
    orphan_thread = await api.thread(bob, second)
    assert (orphan_thread["ancestors"], orphan_thread["tweet"]["reply_to_deleted"]) == ([], True)
    assert await count(session, "SELECT count(*) FROM tweets") == 2


async def test_a_chain_longer_than_the_bound_shows_its_start_and_the_nearest(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    start = await api.tweet(ann, "start")
    await session.execute(
        text(
            "DO $$ DECLARE parent bigint := :start; BEGIN "
            "FOR n IN 1..110 LOOP "
            "  INSERT INTO tweets (author_id, content, reply_to) "
            "  VALUES (:ann, 'step ' || n, parent) RETURNING id INTO parent; "
            "END LOOP; END $$".replace(":start", str(start)).replace(":ann", str(ann.id))
        )
    )
    await session.commit()
    deepest = await count(session, "SELECT max(id) FROM tweets")

    thread = await api.thread(ann, deepest)
    ancestors = thread["ancestors"]
    assert len(ancestors) == 1 + threads.MAX_ANCESTORS
    assert ancestors[0]["id"] == start
    assert _ids(ancestors[1:]) == list(range(deepest - 100, deepest))
    # A gap that is not a deletion: reply_to is not the start, and not deleted.
    assert ancestors[1]["reply_to"] != start
    assert ancestors[1]["reply_to_deleted"] is False
    assert all(a["conversation_id"] == start for a in ancestors)


async def test_the_thread_view_is_a_few_index_scans(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    """On a few thousand tweets, the chain and the replies are read by index, not by
    reading the table: EXPLAIN of the app's own statements."""
    ann = await make_person("Ann")
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content) "
            "SELECT :ann, 't' || g FROM generate_series(1, 3000) g"
        ),
        {"ann": ann.id},
    )
    # Replies to every tweet, then replies to those: a few thousand in conversations.
    for _ in range(2):
        await session.execute(
            text(
                "INSERT INTO tweets (author_id, content, reply_to) "
                "SELECT :ann, 'r', id FROM tweets ORDER BY id DESC LIMIT 2000"
            ),
            {"ann": ann.id},
        )
    await session.commit()
    await session.execute(text("ANALYZE tweets"))
    await session.commit()
    deep = await count(session, "SELECT max(id) FROM tweets")
    parent = await count(session, "SELECT reply_to FROM tweets WHERE id = :id", id=deep)
    assert len((await api.thread(ann, deep))["ancestors"]) == 2

    values = {"tweet_id": deep, "reply_to": parent, "viewer_id": ann.id, "cap": 10}
    values |= {"offset": 0, "limit": 20}
    for statement in (threads.CHAIN, threads.REPLIES, threads.ONE):
        raw = RawStatement(statement)
        connection = await session.connection()
        found = (
            await connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + raw.sql, tuple(raw.args(**values))
            )
        ).scalar_one()
        plan = json.loads(found) if isinstance(found, str) else found
        scans = _scans(plan[0]["Plan"])
        assert ("Seq Scan", "tweets") not in scans, (statement, scans)
        assert any(kind.startswith("Index") for kind, _ in scans), scans
    await session.rollback()


def _scans(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(node type, table) of every scan in a plan."""
    own = (
        [(node["Node Type"], node.get("Relation Name", ""))] if "Scan" in node["Node Type"] else []
    )
    return own + [scan for child in node.get("Plans", []) for scan in _scans(child)]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("hi @ann and @Bob.", ["ann", "bob"]),
        ("@anna.petrova. said", ["anna.petrova"]),
        ("@ann @ANN @Ann", ["ann"]),
        ("mail a@b.com or first.last@corp.example", []),
        ("x@ann y_@ann 9@ann", []),
        ("@@ann .@ann +@ann -@ann", []),
        ("@ann@corp.com", []),
        ("(@ann), [@bob]; «@eve»!", ["ann", "bob", "eve"]),
        ("@ab too short, @" + "a" * 31 + " too long", []),
        ("@" + "a" * 30, ["a" * 30]),
        ("@annа", []),  # a Cyrillic а at the end: one word, not a handle
        ("ёж@ann", []),
        ("\u200f@ann\u200f \u200b@bob\u200b \u2066@eve\u2069", ["ann", "bob", "eve"]),
        ("@an\u200bn", []),  # a zero-width space inside: "an" is too short
        ("@" * 5000, []),
        ("@" * 5000 + "ann", []),
        ("@. @.. @._", []),
        ("line\n@ann\t@bob", ["ann", "bob"]),
    ],
)
def test_what_is_a_mention(typed: str, found: list[str]) -> None:
    assert handles_in(typed) == found


async def _with_handle(client: AsyncClient, admin: Person, person: Person, handle: str) -> None:
    response = await client.patch(
        f"/api/users/{person.id}", json={"handle": handle}, headers=admin.headers
    )
    assert response.status_code == 200, response.text


async def test_mentions_resolve_people_in_order_once_by_current_or_former_handle(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    admin = await make_person("Admin", admin=True)
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    anna = await make_person("Анна Петрова")
    await _with_handle(client, admin, bob, "robert")  # "bob" stays his

    text_typed = (
        "@EVE, ask @bob. and @anna.petrova. — not @nobody, nor mail@ann.com; "
        "@robert again, @eve again"
    )
    tweet_id = await api.tweet(ann, text_typed)
    tweet = await api.one_tweet(ann, tweet_id)
    assert tweet["content"] == text_typed  # the text is kept as typed
    assert tweet["mentions"] == [
        {"id": eve.id, "handle": "eve", "name": "Eve"},
        {"id": bob.id, "handle": "robert", "name": "Bob"},
        {"id": anna.id, "handle": "anna.petrova", "name": "Анна Петрова"},
    ]
    # Mentions follow the person through a later change of handle too.
    await _with_handle(client, admin, eve, "eve.adams")
    [mine] = await api.tweets_of(bob, ann)
    assert [m["handle"] for m in mine["mentions"]] == ["eve.adams", "robert", "anna.petrova"]
    positions = await session.execute(
        text("SELECT user_id, position FROM mentions WHERE tweet_id = :t ORDER BY position"),
        {"t": tweet_id},
    )
    assert [row[0] for row in positions] == [eve.id, bob.id, anna.id]
    await session.commit()

    # Only unknown handles: no mention, no error.
    plain = await api.tweet(ann, "@nobody @nobody.else hello")
    assert (await api.one_tweet(ann, plain))["mentions"] == []


async def test_more_than_ten_people_mentioned_is_422_and_creates_nothing(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    people = [await make_person(f"Person {n}") for n in range(11)]
    handles = [f"@person.{n}" for n in range(11)]
    start = await api.tweet(ann, "start")

    too_many = " ".join(handles)
    for body in ({"tweet_data": too_many}, {"tweet_data": too_many, "reply_to": start}):
        response = await client.post("/api/tweets", json=body, headers=ann.headers)
        refused(response, 422, "ValidationError")
        assert "at most 10 people" in response.json()["error_message"]
    assert await count(session, "SELECT count(*) FROM tweets") == 1
    assert await count(session, "SELECT count(*) FROM notifications") == 0

    # Ten people, each twice, and unknown handles besides: fine.
    ten = " ".join(handles[:10] * 2) + " @nobody @ghost.1"
    tweet_id = await api.reply(ann, start, ten)
    mentioned = (await api.one_tweet(ann, tweet_id))["mentions"]
    assert [m["id"] for m in mentioned] == [p.id for p in people[:10]]


async def test_hostile_text_around_mentions(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    """Long `@` storms, right-to-left and zero-width characters: stored as typed,
    answered at once, and only real mentions count."""
    async with running(app_settings(max_tweet_length=10_000)) as (_, client):
        api = Api(client)
        ann, bob = await make_person("Ann"), await make_person("Bob")
        cases = {
            "@" * 5000: [],
            "@" * 4000 + " @bob " + "@" * 4000: [bob.id],
            "x" + " @a" * 3000: [],
            "@bob" * 2000: [],  # one word, @ after @
            "\u202e@bob\u202c \u200b@ann\u200d": [bob.id, ann.id],
            "\u200f" * 3000 + "@bob": [bob.id],
        }
        for typed, expected in cases.items():
            tweet_id = await api.tweet(ann, typed)
            tweet = await api.one_tweet(bob, tweet_id)
            assert tweet["content"] == typed
            assert [m["id"] for m in tweet["mentions"]] == expected


async def test_exact_replies_count_under_200_replies_and_deletes_at_once(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    people = [await make_person(f"P{n}") for n in range(10)]
    start = await api.tweet(ann, "hot")
    doomed = [await api.reply(people[n % 10], start, f"early {n}") for n in range(100)]

    async def reply(n: int) -> int:
        response = await client.post(
            "/api/tweets",
            json={"tweet_data": f"late {n} @ann", "reply_to": start},
            headers=people[n % 10].headers,
        )
        return response.status_code

    async def delete(n: int) -> int:
        response = await client.delete(f"/api/tweets/{doomed[n]}", headers=people[n % 10].headers)
        return response.status_code

    work = [reply(n) for n in range(100)] + [delete(n) for n in range(100)]
    random.Random(17).shuffle(work)
    assert set(await asyncio.gather(*work)) == {200, 201}

    replies_count = await count(
        session, "SELECT replies_count FROM tweets WHERE id = :id", id=start
    )
    rows = await count(session, "SELECT count(*) FROM tweets WHERE reply_to = :id", id=start)
    assert replies_count == rows == 100
    assert (await api.one_tweet(ann, start))["replies_count"] == 100

    # Replies to replies racing the deletion of their parent: each either answers a
    # tweet that exists (and is counted) or is a clean 404.
    parents = [await api.reply(ann, start, f"parent {n}") for n in range(50)]

    async def answer(n: int) -> int:
        response = await client.post(
            "/api/tweets",
            json={"tweet_data": "to you", "reply_to": parents[n]},
            headers=people[n % 10].headers,
        )
        return response.status_code

    async def remove(parent: int) -> int:
        return (await client.delete(f"/api/tweets/{parent}", headers=ann.headers)).status_code

    race = [answer(n) for n in range(50)] + [remove(p) for p in parents]
    random.Random(5).shuffle(race)
    outcomes = await asyncio.gather(*race)
    assert set(outcomes) <= {200, 201, 404}
    assert await count(
        session, "SELECT count(*) FROM tweets WHERE reply_to = ANY(:p)", p=parents
    ) == (sum(1 for o in outcomes if o == 201))
    assert await count(
        session, "SELECT replies_count FROM tweets WHERE id = :id", id=start
    ) == await count(session, "SELECT count(*) FROM tweets WHERE reply_to = :id", id=start)
    mismatched = await count(
        session,
        "SELECT count(*) FROM tweets t WHERE replies_count <> "
        "(SELECT count(*) FROM tweets r WHERE r.reply_to = t.id)",
    )
    assert mismatched == 0


async def test_a_conversation_someone_followed_replied_in_comes_to_the_feed(
    api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    eve, zed = await make_person("Eve"), await make_person("Zed")
    await api.follow(ann, bob)
    mine = await api.tweet(ann, "mine")
    bobs = await api.tweet(bob, "bob's")
    eves = await api.tweet(eve, "eve's")
    zeds = await api.tweet(zed, "zed's")
    assert set(_ids(await api.feed(ann))) == {mine, bobs}

    # Someone not followed replying changes nothing; Bob replying brings Eve's in,
    # and only the start: never a reply on its own.
    await api.reply(zed, eves, "zed here")
    assert set(_ids(await api.feed(ann))) == {mine, bobs}
    reply = await api.reply(bob, eves, "bob here")
    deep = await api.reply(eve, reply, "eve again")
    feed = await api.feed(ann)
    assert set(_ids(feed)) == {mine, bobs, eves}
    assert all(t["reply_to"] is None for t in feed)
    # Bob answering deep in a conversation of his own adds nothing twice.
    await api.reply(bob, bobs, "me again")
    await api.reply(bob, deep, "and again")
    assert sorted(_ids(await api.feed(ann))) == sorted({mine, bobs, eves})
    # One's own replies bring a conversation in too.
    await api.reply(ann, zeds, "hello zed")
    assert set(_ids(await api.feed(ann))) == {mine, bobs, eves, zeds}
    # Eve, who follows nobody, sees her own and what she replied in.
    assert set(_ids(await api.feed(eve))) == {eves}


async def test_replies_and_mentions_notify_through_the_triggers(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    start = await api.tweet(ann, "start @ann")  # mentioning oneself: nothing
    assert await _notifications(session) == []

    reply = await api.reply(bob, start, "plain")
    assert await _notifications(session) == [(ann.id, "reply", bob.id, reply)]
    # A reply that mentions the parent's author (and Eve): one notification each.
    both = await api.reply(bob, start, "@ann and @eve, see")
    assert (await _notifications(session))[1:] == [
        (ann.id, "reply", bob.id, both),
        (eve.id, "mention", bob.id, both),
    ]
    # Answering oneself, mentioning oneself: nothing.
    await api.reply(ann, start, "thanks, says @ann")
    assert len(await _notifications(session)) == 3
    # A mention outside any conversation.
    plain = await api.tweet(eve, "hi @bob")
    assert (await _notifications(session))[3:] == [(bob.id, "mention", eve.id, plain)]


async def test_the_demo_has_conversations(app: Any, api: Api, session: AsyncSession) -> None:
    await load_demo(session, app.state.images)
    await session.commit()
    feed = await api.feed(DEMO_API_KEY, limit=100)
    # Sam does not follow Farid, but Dmitry, whom Sam follows, answered his post.
    bike = next(t for t in feed if t["content"].startswith("Bike to work"))
    assert bike["author"]["handle"] == "farid.haddad"
    assert bike["replies_count"] == 1
    pipeline = next(t for t in feed if t["content"].startswith("The new build pipeline"))
    thread = await api.thread(DEMO_API_KEY, pipeline["id"])
    [answer] = thread["replies"]
    assert [m["handle"] for m in answer["mentions"]] == ["anna.petrova"]
    deepest = await api.thread(
        DEMO_API_KEY, (await api.replies(DEMO_API_KEY, answer["id"]))[0]["id"]
    )
    assert _ids(deepest["ancestors"]) == [pipeline["id"], answer["id"]]
    assert len(deepest["replies"]) == 1


async def test_joined_conversations_keep_their_place_by_likes_and_go_with_their_start(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    """conversation_joins carries its start's likes and time (migration 0007): kept
    exact by likes and unlikes, gone with the start."""
    ann, bob = await make_person("Ann"), await make_person("Bob")
    eve, zed = await make_person("Eve"), await make_person("Zed")
    await api.follow(ann, bob)
    first, second = await api.tweet(eve, "first"), await api.tweet(eve, "second")
    bobs = await api.tweet(bob, "bob's")
    answer = await api.reply(bob, first, "on first")
    await api.reply(bob, second, "on second")
    assert _ids(await api.feed(ann)) == [bobs, second, first]  # newest first

    for liker in (ann, zed):
        await api.like(liker, first)
    await api.like(zed, bobs)
    assert _ids(await api.feed(ann)) == [first, bobs, second]
    await api.unlike(ann, first)
    await api.unlike(zed, first)
    assert _ids(await api.feed(ann)) == [bobs, second, first]
    drift = (
        "SELECT count(*) FROM conversation_joins j JOIN tweets t ON t.id = j.conversation_id "
        "WHERE (j.likes_count, j.started_at) <> (t.likes_count, t.created_at)"
    )
    assert await count(session, drift) == 0

    await api.delete_tweet(eve, first)
    joins = "SELECT count(*) FROM conversation_joins WHERE conversation_id = :c"
    assert await count(session, joins, c=first) == 0
    assert _ids(await api.feed(ann)) == [bobs, second]
    # Answering in a conversation whose start is gone records no join.
    await api.reply(zed, answer, "still here")
    assert await count(session, joins, c=first) == 0
    assert await count(session, joins, c=second) == 1


def test_migration_0007_gives_existing_joins_their_start_key(
    make_database: Callable[[], str],
) -> None:
    """Joins recorded before 0007 get their start's likes and time; those of a start
    deleted meanwhile go."""
    url = make_database()
    migrations.upgrade(url, "0006")
    dsn = url.replace("postgresql+asyncpg", "postgresql")

    async def run(statement: str) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(dsn)
        try:
            if ";" in statement:  # a script: no rows
                await connection.execute(statement)
                return []
            return await connection.fetch(statement)
        finally:
            await connection.close()

    asyncio.run(
        run(
            "INSERT INTO users (name, handle, api_key_hash) VALUES ('A', 'aaa', 'a'), "
            "('B', 'bbb', 'b');"
            "INSERT INTO tweets (author_id, content, likes_count, created_at) VALUES "
            "(1, 'kept', 7, timestamptz '2026-01-02'), (1, 'gone', 3, now());"
            "INSERT INTO tweets (author_id, content, reply_to) VALUES (2, 'r', 1), (2, 'r', 2);"
            "DELETE FROM tweets WHERE content = 'gone'"
        )
    )
    assert len(asyncio.run(run("SELECT 1 FROM conversation_joins"))) == 2
    migrations.upgrade(url)
    rows = asyncio.run(
        run("SELECT user_id, conversation_id, likes_count, started_at FROM conversation_joins")
    )
    assert [tuple(row) for row in rows] == [
        (2, 1, 7, datetime(2026, 1, 2, tzinfo=UTC)),
    ]


async def test_likes_racing_first_replies_leave_the_joins_exact(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    """Fifty people answer a post for the first time (each a new conversation_joins
    row, carrying the post's likes) while fifty others like it: every row ends with
    the final count."""
    author = await make_person("Author")
    people = [await make_person(f"P{n}") for n in range(100)]
    start = await api.tweet(author, "hot")
    deeper = await api.reply(author, start, "the author, first")

    def reply(n: int) -> Any:
        parent = start if n % 2 else deeper
        body = {"tweet_data": f"me too {n}", "reply_to": parent}
        return client.post("/api/tweets", json=body, headers=people[n].headers)

    def like(n: int) -> Any:
        return client.post(f"/api/tweets/{start}/likes", headers=people[n].headers)

    work = [reply(n) for n in range(50)] + [like(n) for n in range(50, 100)]
    random.Random(3).shuffle(work)
    assert {r.status_code for r in await asyncio.gather(*work)} == {200, 201}

    joins = (
        "SELECT count(*) FROM conversation_joins WHERE conversation_id = :c AND likes_count = 50"
    )
    assert await count(session, joins, c=start) == 51  # the author and the fifty
    drift = (
        "SELECT count(*) FROM conversation_joins j JOIN tweets t ON t.id = j.conversation_id "
        "WHERE (j.likes_count, j.started_at) <> (t.likes_count, t.created_at)"
    )
    assert await count(session, drift) == 0


async def test_a_like_waits_for_a_first_reply_under_way_and_updates_its_join(
    api: Api, make_person: MakePerson, database_url: str, session: AsyncSession
) -> None:
    """The race the join's FOR SHARE closes: a reply's new join row has read the
    start's likes, and a like of the start would commit before the reply does. The
    like must wait, then update that row too."""
    ann, bob = await make_person("Ann"), await make_person("Bob")
    start = await api.tweet(ann, "start")
    # Answering a reply: answering the start would lock it anyway (its replies_count).
    parent = await api.reply(ann, start, "first")
    dsn = database_url.replace("postgresql+asyncpg", "postgresql")
    replying, liking = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        reply = replying.transaction()
        await reply.start()
        await replying.execute(
            "INSERT INTO tweets (author_id, content, reply_to) VALUES ($1, 'hi', $2)",
            bob.id,
            parent,
        )
        like = asyncio.create_task(
            liking.execute("UPDATE tweets SET likes_count = likes_count + 1 WHERE id = $1", start)
        )
        liker_pid = liking.get_server_pid()

        async def done_or_waiting() -> bool:
            waiting = await session.scalar(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                {"p": liker_pid},
            )
            await session.commit()
            return like.done() or bool(waiting)

        await eventually_async(done_or_waiting, what="the like to finish or wait")
        await reply.commit()
        await like
    finally:
        await replying.close()
        await liking.close()
    joined = (
        "SELECT likes_count FROM conversation_joins WHERE user_id = :u AND conversation_id = :c"
    )
    assert await count(session, joined, u=bob.id, c=start) == 1
