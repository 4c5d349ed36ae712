"""The feed: who is in it (conversation starters, also those joined by people
followed), its order, paging, and its fixed cost in SQL statements."""

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.config import Settings
from app.core.raw_statement import RawStatement
from app.handlers.shared.schemas import TweetList
from app.handlers.tweets.actions import TWEETS_OF
from app.handlers.tweets.feed_sql import FEED_PAGE, feed_parameters
from app.handlers.tweets.listing import tweet_list_json, tweet_views, viewing
from app.main import create_app
from tests.helpers.api import Api, MakePerson, Person
from tests.helpers.app import count_statements, listening, running


async def test_feed_holds_followed_people_and_me_only(api: Api, make_person: MakePerson) -> None:
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    mine = await api.tweet(ann, "mine")
    bobs = await api.tweet(bob, "bob's")
    await api.tweet(eve, "eve's")
    await api.follow(ann, bob)
    await api.follow(eve, ann)

    assert {t["id"] for t in await api.feed(ann)} == {mine, bobs}
    # Following is one-way: Bob does not see Ann.
    assert {t["id"] for t in await api.feed(bob)} == {bobs}
    await api.unfollow(ann, bob)
    assert {t["id"] for t in await api.feed(ann)} == {mine}


async def test_empty_feed(api: Api, make_person: MakePerson) -> None:
    ann = await make_person("Ann")
    assert await api.feed(ann) == []


async def test_feed_order_likes_then_newest_then_id(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob, eve = await make_person("Ann"), await make_person("Bob"), await make_person("Eve")
    await api.follow(ann, bob)
    ids = [await api.tweet(bob if i % 2 else ann, f"t{i}") for i in range(6)]
    # t0 and t1: same likes, t1 newer. t2, t3, t4: no likes, t2 and t3 share a timestamp.
    for tweet_id, likers in [(ids[0], [bob, eve]), (ids[1], [ann, eve]), (ids[5], [eve])]:
        for liker in likers:
            await api.like(liker, tweet_id)
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

    feed = await api.feed(ann)
    assert [t["id"] for t in feed] == [ids[1], ids[0], ids[5], ids[3], ids[2], ids[4]]
    assert [t["likes_count"] for t in feed] == [2, 2, 1, 0, 0, 0]
    assert [len(t["likes"]) for t in feed] == [2, 2, 1, 0, 0, 0]


async def test_pages_cover_the_feed_without_overlap_or_gaps(
    api: Api, make_person: MakePerson
) -> None:
    people = [await make_person(f"P{i}") for i in range(4)]
    me = people[0]
    for other in people[1:]:
        await api.follow(me, other)
    for i in range(17):
        tweet_id = await api.tweet(people[i % 4], f"tweet {i}")
        for liker in people[: i % 3]:
            await api.like(liker, tweet_id)

    whole = [t["id"] for t in await api.feed(me, limit=100)]
    assert len(whole) == 17
    for size in (1, 4, 5):
        paged: list[int] = []
        for offset in range(0, 20, size):
            paged += [t["id"] for t in await api.feed(me, offset=offset, limit=size)]
        assert paged == whole
    assert await api.feed(me, offset=17) == []


async def test_default_page_is_twenty(
    api: Api, make_person: MakePerson, session: AsyncSession
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
    assert len(await api.feed(ann)) == 20


async def _like_in_sql(session: AsyncSession, likes: list[tuple[int, Person]]) -> None:
    """(tweet id, person) likes written straight into the tables, as that many likes
    through the API would leave them (likes_count too): a thousand requests would
    take most of the time of the test below, which counts the feed's statements."""
    await session.execute(
        text(
            "INSERT INTO likes (tweet_id, user_id)"
            " SELECT * FROM unnest(CAST(:tweets AS BIGINT[]), CAST(:people AS BIGINT[]))"
        ),
        {"tweets": [tweet for tweet, _ in likes], "people": [person.id for _, person in likes]},
    )
    await session.execute(
        text(
            "UPDATE tweets SET likes_count ="
            " (SELECT count(*) FROM likes WHERE likes.tweet_id = tweets.id)"
        )
    )
    await session.commit()


async def test_feed_costs_a_fixed_number_of_statements(
    app: FastAPI,
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
) -> None:
    await listening(app)
    people = [await make_person(f"P{i}") for i in range(12)]
    me = people[0]
    for other in people[1:]:
        await api.follow(me, other)
    likes: list[tuple[int, Person]] = []
    for i, author in enumerate(people * 4):
        tweet_id = await api.tweet(author, f"t{i}", [await api.upload(author)])
        likes += [(tweet_id, liker) for liker in people[: i % 12]]
    await _like_in_sql(session, likes)

    counts = []
    for limit in (1, 10, 48):
        with count_statements(app) as statements:
            feed = await api.feed(me, limit=limit)
        assert len(feed) == limit
        counts.append(len(statements))
    # More likers on every tweet change nothing either.
    extra = [await make_person(f"Fan{i}") for i in range(15)]
    await _like_in_sql(session, [(tweet["id"], fan) for tweet in feed for fan in extra])
    with count_statements(app) as statements:
        feed = await api.feed(me, limit=48)
    assert all(len(tweet["likes"]) == 10 for tweet in feed)  # LIKERS_PER_TWEET
    counts.append(len(statements))
    # Who is asking (by api key: once, then the process knows it), then the page with
    # its likers and pictures, written as JSON by the database (app/handlers/fast/).
    assert counts == [2, 1, 1, 1]


async def test_a_page_lists_the_first_likers_yours_first_and_pages_through_the_rest(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    """LIKERS_PER_TWEET likers ride along with each tweet (the caller's like first,
    then in the order people liked it); likes_count stays exact, and
    GET /api/tweets/{id}/likes lists everyone, a page at a time."""
    capped: FastAPI = create_app(app_settings(likers_per_tweet=3))
    async with running(capped) as (_, client):
        api = Api(client)
        people = [await make_person(f"P{i}") for i in range(7)]
        author, me = people[0], people[6]
        await api.follow(me, author)
        tweet_id = await api.tweet(author, "popular")
        for person in people:  # P0 likes first, me (P6) last
            await api.like(person, tweet_id)

        [mine] = await api.feed(me)
        assert mine["likes_count"] == 7
        assert [like["user_id"] for like in mine["likes"]] == [me.id, people[0].id, people[1].id]
        [theirs] = await api.tweets_of(people[3], author)
        assert [like["user_id"] for like in theirs["likes"]] == [
            p.id for p in people[3:4] + people[:2]
        ]
        # Someone who did not like it sees the first three.
        outsider = await make_person("Eve")
        [seen] = await api.tweets_of(outsider, author)
        assert [like["user_id"] for like in seen["likes"]] == [p.id for p in people[:3]]
        assert seen["likes"][0] == {"user_id": people[0].id, "name": "P0", "handle": "p0.user"}

        pages = []
        for offset in (0, 4):
            response = await client.get(
                f"/api/tweets/{tweet_id}/likes",
                params={"offset": offset, "limit": 4},
                headers=outsider.headers,
            )
            assert response.status_code == 200
            assert response.json()["result"] is True
            pages.append([like["user_id"] for like in response.json()["likes"]])
        assert pages == [[p.id for p in people[:4]], [p.id for p in people[4:]]]

        missing = await client.get("/api/tweets/999/likes", headers=me.headers)
        assert missing.status_code == 404
        assert missing.json()["error_type"] == "NotFound"
        anonymous = await client.get(f"/api/tweets/{tweet_id}/likes")
        assert anonymous.status_code == 401
        too_many = await client.get(f"/api/tweets/{tweet_id}/likes?limit=101", headers=me.headers)
        assert too_many.status_code == 422
        limits = (await client.get("/api/limits")).json()
        assert limits["likers_per_tweet"] == 3


# The feed's rule, spelled plainly: conversation starters by the people :me follows
# and :me, or started by anyone in a conversation one of them replied in.
PLAIN_FEED = text(
    "SELECT id FROM tweets WHERE reply_to IS NULL AND ("
    " author_id = :me"
    " OR author_id IN (SELECT followee_id FROM follows WHERE follower_id = :me)"
    " OR id IN (SELECT conversation_id FROM conversation_joins WHERE user_id = :me"
    "   OR user_id IN (SELECT followee_id FROM follows WHERE follower_id = :me))) "
    "ORDER BY likes_count DESC, created_at DESC, id DESC"
)


async def _analyze(session: AsyncSession) -> None:
    """Statistics of the tables a test just filled by the thousand, as autovacuum would
    soon gather them: until then each connection's cached generic plan of the feed was
    made for the near-empty tables of the tests before (and under the whole suite's
    load such a plan has run past the statement timeout). ANALYZE also makes every
    connection plan the statement again."""
    await session.execute(text("ANALYZE users, follows, tweets, conversation_joins, likes"))
    await session.commit()


async def _replies_in_sql(session: AsyncSession, count: int, step: int) -> None:
    """`count` replies by people spread over everyone, to tweets spread over every
    tweet there is (replies too, once there are some), written straight into the
    table: the triggers file each in its conversation, as a reply through the API."""
    for half in (count // 2, count - count // 2):
        await session.execute(
            text(
                "INSERT INTO tweets (author_id, content, reply_to) "
                "SELECT (SELECT id FROM users ORDER BY id "
                "        OFFSET (g * :step) % (SELECT count(*) FROM users) LIMIT 1), "
                "       'reply', "
                "       (SELECT id FROM tweets ORDER BY id "
                "        OFFSET (g * 7919) % (SELECT count(*) FROM tweets) LIMIT 1) "
                "FROM generate_series(1, :half) g"
            ),
            {"step": step, "half": half},
        )
    await session.commit()


async def test_the_feed_of_someone_following_many_is_exact_by_either_plan(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    """Above 100 follows the feed walks the global order; when the walk does not fill
    the page within its budget it falls back to the per-author plan. Both must give
    exactly the feed's order, on every page, with ties in likes and in time."""
    me = await make_person("Me")
    await session.execute(
        text(
            "INSERT INTO users (name, handle, api_key_hash) SELECT 'A' || g, 'feed.a' || g,"
            " md5(g::text) || md5((-g)::text) FROM generate_series(1, 200) g"
        )
    )
    await session.execute(
        text(
            "INSERT INTO follows (follower_id, followee_id) "
            "SELECT :me, id FROM users WHERE id <> :me AND id % 4 <> 0"
        ),
        {"me": me.id},
    )
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content, likes_count, created_at) "
            "SELECT 1 + (g * 7919) % 201, 't' || g, (g * 31) % 17, "
            "       timestamptz '2026-01-01' + ((g * 13) % 50) * interval '1 hour' "
            "FROM generate_series(1, 3000) g"
        )
    )
    await session.commit()
    # Replies by people followed and not, so that starters of people not followed
    # are in the feed too.
    await _replies_in_sql(session, 600, step=37)
    await _analyze(session)
    expected = list(await session.scalars(PLAIN_FEED, {"me": me.id}))
    assert len(expected) > 2000
    starters_of_followed = await session.scalar(
        text(
            "SELECT count(*) FROM tweets WHERE reply_to IS NULL AND (author_id = :me OR "
            "author_id IN (SELECT followee_id FROM follows WHERE follower_id = :me))"
        ),
        {"me": me.id},
    )
    assert len(expected) > starters_of_followed + 20

    async def whole_feed() -> list[int]:
        ids: list[int] = []
        while True:
            page = await api.feed(me, offset=len(ids), limit=100)
            ids += [tweet["id"] for tweet in page]
            if len(page) < 100:
                return ids

    assert await whole_feed() == expected
    # The first page came from the walk, within its budget of 200 entries; someone
    # following few never walks.
    assert 0 < await _walked(session, me.id, offset=0, limit=20) <= 200
    few = await make_person("Few")
    await api.follow(few, me)
    assert await _walked(session, few.id, offset=0, limit=20) == 0
    middle = await api.feed(me, offset=333, limit=17)
    assert [tweet["id"] for tweet in middle] == expected[333:350]

    # 20,001 better-liked tweets of someone not followed, and five of the feed's
    # tweets liked better still: the walk finds those five, then runs out of its
    # budget, and the per-author plan answers, still exactly.
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content, likes_count) "
            "SELECT 4, 'loud', 100 FROM generate_series(1, 20001)"
        )
    )
    favourites = expected[500:505]
    await session.execute(
        text("UPDATE tweets SET likes_count = 200 WHERE id = ANY(:ids)"), {"ids": favourites}
    )
    # Someone followed answers the first of the loud ones (so the last of them in the
    # order): in the feed, found by the per-author plan's joined pass.
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content, reply_to) "
            "SELECT 5, 'me too', min(id) FROM tweets WHERE content = 'loud'"
        )
    )
    await session.commit()
    await _analyze(session)
    expected = list(await session.scalars(PLAIN_FEED, {"me": me.id}))
    assert set(expected[:5]) == set(favourites)
    loud_answered = await session.scalar(text("SELECT min(id) FROM tweets WHERE content = 'loud'"))
    assert loud_answered in expected[5:10]
    assert [tweet["id"] for tweet in await api.feed(me, limit=50)] == expected[:50]


async def test_every_page_of_a_few_follows_is_exact_above_the_bar(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    """Below 100 follows the per-author plan answers: each author's best few set a
    bar, then only tweets at or above it are merged. Authors with none, one or many
    tweets, and ties in likes and in time at the bar itself, on every page size."""
    me = await make_person("Me")
    await session.execute(
        text(
            "INSERT INTO users (name, handle, api_key_hash) SELECT 'B' || g, 'feed.b' || g,"
            " md5(g::text) || md5((-g)::text) FROM generate_series(1, 40) g"
        )
    )
    await session.execute(
        text(
            "INSERT INTO follows (follower_id, followee_id) "
            "SELECT :me, id FROM users WHERE id <> :me AND id % 5 <> 0"
        ),
        {"me": me.id},
    )
    # Author k has (k * 7) % 23 tweets: none for some, up to 22; few distinct likes
    # and times, so the bar often falls inside a run of equal (likes, time).
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content, likes_count, created_at) "
            "SELECT u.id, 't', (u.id * 3 + n) % 4, "
            "       timestamptz '2026-01-01' + ((u.id + n) % 3) * interval '1 hour' "
            "FROM users u CROSS JOIN LATERAL generate_series(1, (u.id * 7) % 23) n"
        )
    )
    await session.commit()
    await _replies_in_sql(session, 150, step=11)
    expected = list(await session.scalars(PLAIN_FEED, {"me": me.id}))
    assert 300 < len(expected) < 1000
    for size in (1, 7, 20, 100):
        for offset in range(0, len(expected) + size, max(size, 13)):
            page = await api.feed(me, offset=offset, limit=size)
            assert [t["id"] for t in page] == expected[offset : offset + size], (offset, size)


async def test_a_bar_that_is_exactly_the_last_wanted_tweet_keeps_it(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    """Five authors (me and four) with ten tweets each, all equal in likes and time,
    posted in turn: the feed is by id, and the first pass of any page that ends on a
    multiple of five is exactly that page's top, so the bar is its last tweet."""
    me = await make_person("Me")
    others = [await make_person(f"C{n}") for n in range(4)]
    for other in others:
        await api.follow(me, other)
    await session.execute(
        text(
            "INSERT INTO tweets (author_id, content, likes_count, created_at) "
            "SELECT a, 't', 3, timestamptz '2026-01-01' "
            "FROM generate_series(1, 10) n, unnest(CAST(:authors AS BIGINT[])) a "
            "ORDER BY n, a"
        ),
        {"authors": [me.id, *(o.id for o in others)]},
    )
    await session.commit()
    expected = list(await session.scalars(text("SELECT id FROM tweets ORDER BY id DESC")))
    for size in range(1, 8):
        for offset in range(0, 31):
            page = await api.feed(me, offset=offset, limit=size)
            assert [t["id"] for t in page] == expected[offset : offset + size], (offset, size)


async def test_the_rendered_pages_are_the_bytes_the_response_model_gives(
    session: AsyncSession, make_person: MakePerson, api: Api
) -> None:
    """The feed and a person's tweets are rendered from the row values, not through a
    model per tweet: the bytes must be exactly what `TweetList` would give, for every
    field (nulls, empty lists, pictures, likers, mentions, a reply whose post is gone)
    and for text of any script."""
    me = await make_person("Мила \u05e9\u05dc\u05d5\u05dd \U0001f600")
    ann = await make_person('Ann "quoted" \\ back')
    await api.follow(me, ann)
    handle = {
        person.id: (await api.client.get(f"/api/users/{person.id}", headers=me.headers)).json()[
            "user"
        ]["handle"]
        for person in (me, ann)
    }
    plain = await api.tweet(ann, "plain")  # no pictures, mentions or replies
    rich = await api.tweet(
        me,
        f"@{handle[ann.id]} and @nobody\u200b \u202eRTL\u202c \U0001f680\n</script>",
        [await api.upload(me)],
    )
    gone = await api.tweet(ann, "to be deleted")
    orphan = await api.reply(ann, gone, f"answers a deleted post, @{handle[me.id]}")
    await api.reply(me, rich, "a reply to the rich one")
    await api.delete_tweet(ann, gone)
    for person in (me, ann):
        await api.like(person, rich)
    await api.like(ann, plain)
    statements = {
        "/api/tweets": (FEED_PAGE, feed_parameters(me.id, 0, 20, likers_per_tweet=10)),
        f"/api/users/{ann.id}/tweets": (
            TWEETS_OF,
            {"author_id": ann.id, "offset": 0, "limit": 20, **viewing(me.id, 10)},
        ),
    }
    for path, (statement, parameters) in statements.items():
        rows = (await session.execute(statement, parameters)).all()
        await session.rollback()
        modelled = TweetList(tweets=tweet_views(rows)).model_dump_json().encode()
        assert tweet_list_json(rows) == modelled, path
        served = await api.client.get(path, headers=me.headers)
        assert served.headers["content-type"] == "application/json"
        assert served.content == modelled, path
    # The page held what it is meant to check.
    seen = {tweet["id"]: tweet for tweet in await api.feed(me)}
    assert [m["id"] for m in seen[rich]["mentions"]] == [ann.id]
    assert len(seen[rich]["attachments"]) == 1
    assert [like["user_id"] for like in seen[rich]["likes"]] == [me.id, ann.id]
    assert seen[rich]["replies_count"] == 1
    assert seen[plain]["mentions"] == seen[plain]["attachments"] == []
    ids = {tweet["id"]: tweet for tweet in await api.tweets_of(me, ann)}
    assert ids[orphan]["reply_to_deleted"] is True
    assert [m["id"] for m in ids[orphan]["mentions"]] == [me.id]


async def test_the_viewers_own_like_is_one_probe_of_the_primary_key(
    session: AsyncSession, make_person: MakePerson, api: Api
) -> None:
    """Whether the viewer liked a tweet is one entry of (tweet_id, user_id), however many
    people liked it. Asking the ordered likers' index instead read every like of the
    tweet: on the million-tweet set a fifth of a page's time."""
    me, author = await make_person("Me"), await make_person("Author")
    await api.follow(me, author)
    tweet_id = await api.tweet(author, "liked")
    for person in [me, *[await make_person(f"Fan{n}") for n in range(12)]]:
        await api.like(person, tweet_id)
    # As a long-lived table is: its visibility map set, so index-only scans pay no heap.
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    autocommit = await engine.connect()
    try:
        await autocommit.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE likes")
    finally:
        await autocommit.close()
    plan = await _plan(session, me.id, offset=0, limit=10)

    def probes(node: dict[str, Any]) -> list[str]:
        on_likes = node.get("Relation Name") == "likes" and "user_id =" in node.get(
            "Index Cond", ""
        )
        own = [node["Index Name"]] if on_likes else []
        return own + [name for child in node.get("Plans", []) for name in probes(child)]

    assert probes(plan) == ["pk_likes"]


async def _plan(session: AsyncSession, user_id: int, offset: int, limit: int) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the app's own feed statement for this page, its top node."""
    statement = RawStatement(FEED_PAGE)
    values = feed_parameters(user_id, offset, limit, likers_per_tweet=10)
    connection = await session.connection()
    # With this test's 3,000 fresh tweets, reading the whole table and sorting it can
    # cost the planner about as much as the walk (it chose so once in CI, depending on
    # when autovacuum had run); a million-tweet table never does. The walk's path is
    # what is measured here, so the planner gets no other.
    await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    await connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    result = await connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + statement.sql, tuple(statement.args(**values))
    )
    found = result.scalar_one()  # JSON, decoded by the driver or not
    plan = json.loads(found) if isinstance(found, str) else found
    await session.rollback()
    top: dict[str, Any] = plan[0]["Plan"]
    return top


async def _walked(session: AsyncSession, user_id: int, offset: int, limit: int) -> int:
    """Index entries the feed's walk read for this page, by EXPLAIN ANALYZE of the
    app's own statement (0: the walk did not run)."""
    plan = await _plan(session, user_id, offset, limit)

    # Only what the walk's own CTE read: the planner may use the same index elsewhere
    # in the statement (it did once in CI, for the per-author pass of a small table).
    def walk(node: dict[str, Any], inside: bool) -> int:
        inside = inside or node.get("Subplan Name") == "CTE walked"
        own = 0
        if inside and node.get("Index Name") == "ix_tweets_starters_feed_order":
            own = int(node["Actual Rows"] * node["Actual Loops"])
        return own + sum(walk(child, inside) for child in node.get("Plans", []))

    return walk(plan, inside=False)


async def test_likers_per_tweet_zero_lists_every_liker(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    everyone: FastAPI = create_app(app_settings(likers_per_tweet=0))
    async with running(everyone) as (_, client):
        api = Api(client)
        people = [await make_person(f"P{i}") for i in range(14)]
        tweet_id = await api.tweet(people[0], "liked by all")
        for person in people:
            await api.like(person, tweet_id)
        await api.follow(people[5], people[0])
        [seen] = await api.feed(people[5])
        assert [like["user_id"] for like in seen["likes"]] == [people[5].id] + [
            p.id for p in people if p is not people[5]
        ]
        assert (await client.get("/api/limits")).json()["likers_per_tweet"] == 0
