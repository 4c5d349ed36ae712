"""The fast reads (app/handlers/fast/): the same bytes as their FastAPI routes for
every field (nulls, unicode, empty lists, times with and without a fraction), the
routes still answering everything else, ETags, and the process's memory of api keys
ending with the key."""

from collections.abc import Callable

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.sessions import COOKIE
from app.live.listener import APPLICATION_NAME, Listener
from tests.helpers.api import Api, MakePerson, Person, refused
from tests.helpers.app import count_statements, listening, running
from tests.helpers.polling import eventually_async
from tests.helpers.sessions import cookie_headers

# Text a JSON writer may get wrong: quotes, backslashes, control characters, scripts
# beyond Latin, an emoji, the line separators JavaScript once choked on.
AWKWARD = 'Он сказал "да" \\ не\tнет\r\n \u2028\u2029 😀 </script> #Релиз #release'


async def _world(api: Api, make_person: MakePerson, session: AsyncSession) -> list[Person]:
    """People and posts with every kind of value the tweet and profile shapes hold."""
    ann = await make_person("Ann", admin=True)  # @ann
    bob, eve = await make_person("Боб"), await make_person('Eve "Q" \\ 😀')
    fans = [await make_person(f"Fan {n}") for n in range(12)]  # more than LIKERS_PER_TWEET
    await api.follow(ann, bob)
    await api.follow(ann, eve)
    await api.follow(bob, ann)
    plain = await api.tweet(bob, "plain")
    await api.tweet(bob, "issue #42, in C#: a # that is no hashtag")  # none filed
    awkward = await api.tweet(eve, f"{AWKWARD} @ann")
    pictured = await api.tweet(ann, "two pictures #Release", [await api.upload(ann) for _ in "ab"])
    parent = await api.tweet(bob, "about to go")
    orphan = await api.reply(eve, parent, "answering a post that will be gone")
    await api.delete_tweet(bob, parent)
    await api.edit(eve, awkward, f"{AWKWARD} edited, @ann")
    for fan in fans:
        await api.like(fan, pictured)
    await api.like(ann, plain)
    await api.like(bob, pictured)
    # Some of Ann's notifications read, the newer ones not.
    first = await api.client.get("/api/notifications?offset=5&limit=1", headers=ann.headers)
    read = await api.client.post(
        "/api/notifications/read",
        headers=ann.headers,
        json={"up_to_id": first.json()["notifications"][0]["id"]},
    )
    assert read.status_code == 200
    # A whole second (pydantic writes no fraction then) and a fraction ending in zeros.
    await session.execute(
        text(
            "UPDATE tweets SET created_at = CASE id WHEN :a THEN timestamptz '2026-01-02 03:04:05Z'"
            " WHEN :b THEN timestamptz '2026-01-02 03:04:05.120000Z' ELSE created_at END"
        ),
        {"a": plain, "b": pictured},
    )
    await session.execute(
        text("UPDATE users SET email = 'ann@example.com' WHERE id = :id"), {"id": ann.id}
    )
    await session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": eve.id})
    # Control characters no request may write, as older data might hold them.
    await session.execute(
        text("UPDATE tweets SET content = content || :odd WHERE id = :id"),
        {"odd": "\x01\x1f\x7f", "id": plain},
    )
    await session.commit()
    assert orphan
    return [ann, bob, eve]


# How a statement that writes the answer's JSON itself begins it.
_WRITES_JSON = """'{"result":true"""


def _paths(ann: Person, bob: Person, eve: Person) -> list[str]:
    paths = ["/api/tweets", "/api/tweets?limit=2", "/api/tweets?offset=1&limit=3"]
    paths += ["/api/tweets?offset=100", "/api/users/me", "/api/users/me?people_limit=0"]
    paths += ["/api/notifications", "/api/notifications?offset=1&limit=3"]
    paths += ["/api/notifications/unread_count", "/api/notifications?offset=1000"]
    paths += ["/api/hashtags/release/tweets", "/api/hashtags/Release/tweets?limit=1"]
    paths += ["/api/hashtags/%23release/tweets", "/api/hashtags/релиз/tweets"]
    paths += ["/api/hashtags/nothing_here/tweets"]
    for person in (ann, bob, eve):
        paths += [f"/api/users/{person.id}", f"/api/users/{person.id}?people_limit=1"]
        paths += [f"/api/users/{person.id}/tweets", f"/api/users/{person.id}/tweets?limit=1"]
    return paths


async def test_the_fast_reads_answer_the_routes_bytes(
    app: FastAPI,
    client: AsyncClient,
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    app_settings: Callable[..., Settings],
) -> None:
    ann, bob, eve = await _world(api, make_person, session)
    viewers = [ann, bob]  # an administrator (sees e-mails) and someone who is not
    async with running(app_settings(fast_reads=False)) as (routes_app, routes):
        for viewer in viewers:
            for path in _paths(ann, bob, eve):
                with count_statements(routes_app) as by_routes:
                    expected = await routes.get(path, headers=viewer.headers)
                with count_statements(app) as by_fast:
                    answer = await client.get(path, headers=viewer.headers)
                assert answer.status_code == expected.status_code == 200, path
                assert answer.content == expected.content, (path, viewer.name)
                assert answer.headers["content-type"] == expected.headers["content-type"]
                # The fast read did answer: the JSON written by SQL, in one statement
                # (and the key's lookup, once).
                assert len(by_fast) <= 2, path
                assert any(_WRITES_JSON in sql for sql in by_fast), path
                assert not any(_WRITES_JSON in sql for sql in by_routes), path
    # What the shapes hold here, so the comparison above saw every kind of value.
    feed = (await client.get("/api/tweets", headers=ann.headers)).json()["tweets"]
    edited = next(t for t in feed if t["edited_at"])
    assert AWKWARD in edited["content"]
    assert edited["author"]["active"] is False
    assert edited["hashtags"] == ["релиз", "release"]
    assert edited["mentions"]
    assert any(t["created_at"] == "2026-01-02T03:04:05Z" for t in feed)
    assert any(t["created_at"] == "2026-01-02T03:04:05.120000Z" for t in feed)
    assert any(len(t["attachments"]) == 2 and len(t["likes"]) == 10 for t in feed)
    orphans = (await client.get(f"/api/users/{eve.id}/tweets", headers=ann.headers)).json()
    assert any(t["reply_to_deleted"] for t in orphans["tweets"])
    notified = (await client.get("/api/notifications", headers=ann.headers)).json()
    assert {n["read"] for n in notified["notifications"]} == {True, False}
    assert {n["type"] for n in notified["notifications"]} >= {"like", "mention", "follow"}
    assert any(n["tweet_id"] is None for n in notified["notifications"])
    assert 0 < notified["unread_count"] < len(notified["notifications"])
    own = (await client.get("/api/users/me", headers=ann.headers)).json()["user"]
    assert own["email"] == "ann@example.com"
    assert own["is_admin"] is True
    others = (await client.get(f"/api/users/{ann.id}", headers=bob.headers)).json()["user"]
    assert "email" not in others
    assert "is_admin" not in others


async def test_the_route_answers_what_the_fast_reads_do_not(
    client: AsyncClient, api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    for path, status, error_type in (
        ("/api/tweets?limit=0", 422, "ValidationError"),
        ("/api/tweets?limit=101", 422, "ValidationError"),
        ("/api/tweets?offset=-1", 422, "ValidationError"),
        ("/api/tweets?limit=x", 422, "ValidationError"),
        ("/api/users/me?people_limit=101", 422, "ValidationError"),
        ("/api/users/999999/tweets", 404, "NotFound"),
        ("/api/users/999999", 404, "NotFound"),
        ("/api/users/9223372036854775808", 422, "ValidationError"),
        ("/api/hashtags/12/tweets", 422, "ValidationError"),
        ("/api/hashtags/a-b/tweets", 422, "ValidationError"),
    ):
        refused(await client.get(path, headers=ann.headers), status, error_type)
    # Forms the route accepts and the fast reads leave to it: the same answer.
    plain = await client.get("/api/tweets?limit=5", headers=ann.headers)
    for path in ("/api/tweets?limit=05", "/api/tweets?limit=5&unknown=1", "/api/tweets?limit=+5"):
        answer = await client.get(path, headers=ann.headers)
        assert answer.status_code == 200, path
        assert answer.json() == plain.json(), path
    refused(await client.get("/api/tweets", headers={"api-key": "made-up"}), 401)
    refused(await client.get("/api/tweets"), 401)
    # Deactivated by plain SQL (announced all the same, by migration 0012's trigger).
    await session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": ann.id})
    await session.commit()
    await _refused_at_once(client, ann)


async def test_an_unchanged_page_is_a_304(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.follow(ann, bob)
    tweet = await api.tweet(bob, "hello")
    first = await client.get("/api/tweets", headers=ann.headers)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = await client.get("/api/tweets", headers=ann.headers | {"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    await api.like(ann, tweet)  # the page changed: a new body, a new tag
    changed = await client.get("/api/tweets", headers=ann.headers | {"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["tweets"][0]["likes_count"] == 1


async def _refused_at_once(client: AsyncClient, person: Person) -> None:
    """The very next request is refused, whether or not this process has heard of the
    change yet: each fast read's statement checks the key again in its own snapshot
    (the route then answers why)."""
    for path in (
        "/api/tweets",
        "/api/notifications",
        "/api/notifications/unread_count",
        "/api/hashtags/release/tweets",
        "/api/users/me",
        f"/api/users/{person.id}",
        f"/api/users/{person.id}/tweets",
    ):
        refused(await client.get(path, headers=person.headers), 401, "Unauthorized")


async def test_a_new_key_or_deactivation_ends_the_remembered_key_in_every_process(
    client: AsyncClient, api: Api, make_person: MakePerson, app_settings: Callable[..., Settings]
) -> None:
    admin, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    async with running(app_settings()) as (_, other):  # another process's memory
        for http in (client, other):
            for person in (ann, bob):
                assert (await http.get("/api/tweets", headers=person.headers)).status_code == 200
        new_key = await client.post(f"/api/users/{ann.id}/api-key", headers=admin.headers)
        assert new_key.status_code == 200
        changed = await client.patch(
            f"/api/users/{bob.id}", headers=admin.headers, json={"active": False}
        )
        assert changed.status_code == 200
        for http in (client, other):
            await _refused_at_once(http, ann)
            await _refused_at_once(http, bob)
        fresh = Person(ann.id, ann.name, new_key.json()["user"]["api_key"])
        assert (await other.get("/api/tweets", headers=fresh.headers)).status_code == 200


async def test_keys_are_not_trusted_from_memory_while_the_channel_is_not_heard(
    app: FastAPI, client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    """A change made while no announcement can be heard (here: by SQL, after the
    listening connection was cut) is seen at the next request."""
    ann = await make_person("Ann")
    assert (await client.get("/api/tweets", headers=ann.headers)).status_code == 200
    listener: Listener = app.state.live.listener
    before = listener.heard_since
    await session.execute(
        text(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE application_name = :n AND datname = current_database()"
        ),
        {"n": APPLICATION_NAME},
    )
    await session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": ann.id})
    await session.commit()

    async def noticed() -> bool:
        return listener.heard_since != before

    # Not listening yet, or listening on a new connection: either way not trusted.
    await eventually_async(noticed, within=5, what="the listener to notice")
    refused(await client.get("/api/tweets", headers=ann.headers), 401)
    await eventually_async(lambda: _listening(listener), within=10, what="listening again")


async def _listening(listener: Listener) -> bool:
    return listener.heard_since is not None


async def test_a_signed_in_browser_reads_fast_too(
    client: AsyncClient, api: Api, make_person: MakePerson, app_settings: Callable[..., Settings]
) -> None:
    """A session cookie is enough for the fast reads, whether the rate limit has
    looked it up already (with the ORM, the first time) or not: the same bytes as
    the api key's, and as the route's."""
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.follow(ann, bob)
    await api.like(ann, await api.tweet(bob, "hello"))
    async with running(app_settings(rate_limit_reads_per_minute=1000)) as (limited, http):
        cookie = await cookie_headers(limited, ann.id, csrf=False)
        for path in ("/api/tweets", "/api/users/me", f"/api/users/{bob.id}/tweets"):
            by_key = await http.get(path, headers=ann.headers)
            by_cookie = await http.get(path, headers=cookie)
            assert by_cookie.status_code == 200, path
            assert by_cookie.content == by_key.content, path
            assert "etag" in by_cookie.headers, path  # the fast reads answered
            unlimited = await client.get(path, headers=cookie)  # no budget: no lookup
            assert unlimited.content == by_key.content, path
            assert "etag" in unlimited.headers, path
        async with running(app_settings(fast_reads=False)) as (_, routes):
            for path in ("/api/tweets", "/api/users/me", f"/api/users/{bob.id}/tweets"):
                by_route = await routes.get(path, headers=cookie)
                assert by_route.content == (await http.get(path, headers=cookie)).content
                assert "etag" not in by_route.headers, path


async def test_connection_options_in_the_database_url_reach_the_fast_reads(
    make_person: MakePerson, database_url: str, app_settings: Callable[..., Settings]
) -> None:
    """An option of DATABASE_URL (here `ssl`, as a managed database wants it) is read
    as the ORM reads it, not sent to the server as a setting (which fails)."""
    ann = await make_person("Ann")
    url = database_url + ("&" if "?" in database_url else "?") + "ssl=disable"
    async with running(app_settings(database_url=url, rate_limit_reads_per_minute=1000)) as (
        _,
        http,
    ):
        answer = await http.get("/api/tweets", headers=ann.headers)
        assert answer.status_code == 200, answer.text
        assert "etag" in answer.headers  # the fast reads answered
        assert (await http.get("/ready")).status_code == 200


async def test_a_remembered_session_still_ends_at_once_and_keeps_its_idle_clock(
    api: Api, make_person: MakePerson, session: AsyncSession, app_settings: Callable[..., Settings]
) -> None:
    """A session the process remembers (app/core/owners.py) serves the fast reads with
    no lookup; signed out, it is refused by the very next request; its idle clock is
    still moved on, by the ORM's lookup, once it is due."""
    ann = await make_person("Ann")
    async with running(app_settings(rate_limit_reads_per_minute=1000)) as (limited, http):
        await listening(limited)
        cookie = await cookie_headers(limited, ann.id, csrf=False)
        assert (await http.get("/api/tweets", headers=cookie)).status_code == 200
        with count_statements(limited) as statements:
            assert (await http.get("/api/tweets", headers=cookie)).status_code == 200
        assert len(statements) == 1, statements  # the page alone: the session remembered

        # Idle for two hours (the clock is moved on hourly at most), as a process that
        # remembers nothing yet finds it: the ORM's lookup moves it on.
        await session.execute(
            text("UPDATE web_sessions SET last_seen_at = now() - interval '2 hours'")
        )
        await session.commit()
        async with running(app_settings(rate_limit_reads_per_minute=1000)) as (_, fresh):
            assert (await fresh.get("/api/tweets", headers=cookie)).status_code == 200
        await session.rollback()
        moved = await session.scalar(
            text("SELECT now() - max(last_seen_at) < interval '1 minute' FROM web_sessions")
        )
        assert moved is True

        # Ended behind the process's back (plain SQL: nothing announced).
        await session.execute(text("DELETE FROM web_sessions WHERE user_id = :id"), {"id": ann.id})
        await session.commit()
        for path in ("/api/tweets", "/api/users/me", "/api/notifications/unread_count"):
            refused(await http.get(path, headers=cookie), 401, "Unauthorized")


async def test_a_missing_person_or_a_made_up_cookie_costs_no_more_than_it_should(
    make_person: MakePerson, app_settings: Callable[..., Settings]
) -> None:
    """A 404 for someone who does not exist leaves the asker remembered; a cookie no
    session has is refused after one lookup, not looked up again by the ORM."""
    ann = await make_person("Ann")
    async with running(app_settings(rate_limit_reads_per_minute=1000)) as (limited, http):
        await listening(limited)
        assert (await http.get("/api/tweets", headers=ann.headers)).status_code == 200
        refused(await http.get("/api/users/999999", headers=ann.headers), 404, "NotFound")
        with count_statements(limited) as statements:
            assert (await http.get("/api/tweets", headers=ann.headers)).status_code == 200
        assert len(statements) == 1, statements  # the page alone: still remembered

        made_up = {"cookie": f"{COOKIE}=not-a-session"}
        with count_statements(limited) as statements:
            refused(await http.get("/api/tweets", headers=made_up), 401, "Unauthorized")
        assert len(statements) == 1, statements  # the token's lookup, once
