"""Live updates (GET /api/events), mostly from an app served by a real uvicorn in
this process: delivery, replay by Last-Event-ID, the cap per person, another's
events never on your stream, a slow client dropped, the LISTEN connection lost and
made again without losing anything, one listener per process and no database
connection or session held by a stream. Marked `processes`: an event handled by one
`serve` process reaches a stream held by another, which shuts down within its grace
period with the stream open; a stream survives a PostgreSQL restart."""

import asyncio
import gc
import signal
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.core.config import Settings
from app.core.embedded_images import RunningImageSaver
from app.handlers.users.actions import rotate_api_key
from app.live.listener import APPLICATION_NAME
from app.main import create_app
from tests.helpers.api import Api, MakePerson, Person, ServiceApi, refused
from tests.helpers.app import MAX_UPLOAD_BYTES
from tests.helpers.cli import printed_admin_key, start_serve, stop_serve
from tests.helpers.live import EventReader, listening, notifications, serving
from tests.helpers.polling import eventually, eventually_async
from tests.helpers.sessions import cookie_headers
from tests.helpers.topology import ImageSaverProcess, postgres_server, settings_for

# `serve` gives requests under way this long to finish on SIGTERM (app/commands/serve.py).
GRACE_SECONDS = 25


@pytest.mark.parametrize("key", [None, "", "not-a-key"])
async def test_a_key_is_needed(client: AsyncClient, key: str | None) -> None:
    headers = {} if key is None else {"api-key": key}
    refused(await client.get("/api/events", headers=headers), 401, "Unauthorized")


@pytest.mark.parametrize("given", ["abc", "-1", str(2**63)])
async def test_a_bad_last_event_id_is_refused(
    client: AsyncClient, make_person: MakePerson, given: str
) -> None:
    ann = await make_person("Ann")
    response = await client.get("/api/events", headers=ann.headers | {"last-event-id": given})
    refused(response, 422, "ValidationError")


async def test_notifications_and_counts_arrive_as_they_happen(
    served: tuple[FastAPI, str], api: Api, make_person: MakePerson
) -> None:
    _, base = served
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet = await api.tweet(ann)
    async with EventReader(base, ann.api_key) as stream:
        assert stream.response is not None
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        first = await stream.next()
        assert (first.event, first.json, first.id) == ("unread_count", {"unread_count": 0}, "0")
        assert stream.retry is not None

        # Bob, through another app (another LISTEN connection), likes Ann's tweet.
        await api.like(bob, tweet)
        event = await stream.next("notification")
        [listed] = (await notifications(api.client, ann))["notifications"]
        assert event.json == listed
        assert event.id == str(listed["id"])
        count = await stream.next("unread_count")
        assert (count.json, count.id) == ({"unread_count": 1}, str(listed["id"]))

        # Withdrawn (an unlike), read elsewhere: the count follows, the id stays.
        await api.unlike(bob, tweet)
        count = await stream.next("unread_count")
        assert (count.json, count.id) == ({"unread_count": 0}, str(listed["id"]))
        await api.follow(bob, ann)
        follow = await stream.next("notification")
        assert (follow.json["type"], follow.json["actor"]["id"]) == ("follow", bob.id)
        assert (await stream.next("unread_count")).json == {"unread_count": 1}
        marked = await api.client.post(
            "/api/notifications/read", headers=ann.headers, json={"up_to_id": follow.json["id"]}
        )
        assert marked.status_code == 200
        assert (await stream.next("unread_count")).json == {"unread_count": 0}
    # No key in any event (tests/test_access_control.py cannot read a stream).
    assert all(key not in str(stream.events) for key in (ann.api_key, bob.api_key))


async def test_a_new_conversation_reaches_followers_only(
    served: tuple[FastAPI, str], api: Api, make_person: MakePerson
) -> None:
    _, base = served
    ann, bob, cid = await make_person("Ann"), await make_person("Bob"), await make_person("Cid")
    await api.follow(ann, bob)
    async with (
        EventReader(base, ann.api_key) as ann_stream,
        EventReader(base, cid.api_key) as cid_stream,
    ):
        await ann_stream.next("unread_count")
        await cid_stream.next("unread_count")
        tweet = await api.tweet(bob, "A new topic")
        event = await ann_stream.next("feed")
        assert event.json == {
            "tweet_id": tweet,
            "author": {"id": bob.id, "name": "Bob", "handle": "bob"},
        }
        # Cid follows nobody: the next thing on his stream is his own notification.
        await api.like(ann, await api.tweet(cid))
        assert (await cid_stream.next()).event == "notification"


async def test_an_open_thread_hears_its_replies_and_no_others(
    served: tuple[FastAPI, str], api: Api, make_person: MakePerson
) -> None:
    _, base = served
    ann, bob, cid = await make_person("Ann"), await make_person("Bob"), await make_person("Cid")
    start = await api.tweet(ann, "A question")
    answer = await api.reply(bob, start, "An answer")
    elsewhere = await api.tweet(bob, "Another topic")
    # Cid is neither the author nor mentioned: only watching the thread tells him.
    async with (
        EventReader(base, cid.api_key, conversation=start) as watching,
        EventReader(base, cid.api_key) as not_watching,
    ):
        await watching.next("unread_count")
        await not_watching.next("unread_count")
        await api.reply(bob, elsewhere, "Not in the open thread")
        deeper = await api.reply(ann, answer, "Thanks")
        event = await watching.next("reply")
        assert event.json == {"tweet_id": deeper, "reply_to": answer, "conversation_id": start}
        await api.like(ann, await api.tweet(cid))
        assert (await not_watching.next()).event == "notification"
        assert "reply" not in {seen.event for seen in not_watching.events}


async def test_another_persons_events_never_arrive(
    served: tuple[FastAPI, str], api: Api, make_person: MakePerson
) -> None:
    _, base = served
    ann, bob, cid = await make_person("Ann"), await make_person("Bob"), await make_person("Cid")
    ann_tweet, cid_tweet = await api.tweet(ann), await api.tweet(cid)
    async with EventReader(base, cid.api_key) as stream:
        await stream.next("unread_count")
        for _ in range(3):
            await api.like(bob, ann_tweet)
            await api.unlike(bob, ann_tweet)
        await api.follow(bob, ann)
        await api.like(bob, cid_tweet)
        # Cid's own notification is the very next event: none of Ann's came before it.
        event = await stream.next()
        assert (event.event, event.json["tweet_id"]) == ("notification", cid_tweet)
        assert (await stream.next()).json == {"unread_count": 1}
        assert all(e.event != "notification" or e.json["tweet_id"] == cid_tweet
                   for e in stream.events)  # fmt: skip


async def _likes(session: AsyncSession, tweet_id: int, fans: list[Person]) -> None:
    """Every fan likes the tweet, in one transaction."""
    for fan in fans:
        await session.execute(
            text("INSERT INTO likes (user_id, tweet_id) VALUES (:u, :t)"),
            {"u": fan.id, "t": tweet_id},
        )
    await session.execute(
        text("UPDATE tweets SET likes_count = likes_count + :n WHERE id = :t"),
        {"n": len(fans), "t": tweet_id},
    )
    await session.commit()


async def test_reconnecting_with_last_event_id_replays_what_was_missed(
    served: tuple[FastAPI, str], api: Api, make_person: MakePerson
) -> None:
    _, base = served
    ann = await make_person("Ann")
    fans = [await make_person(f"Fan {n}") for n in range(4)]
    tweet = await api.tweet(ann)
    await api.like(fans[0], tweet)
    async with EventReader(base, ann.api_key) as stream:
        start = await stream.next("unread_count")
        assert start.json == {"unread_count": 1}
        assert start.id is not None
    # Missed while away: three likes, one of them taken back.
    for fan in fans[1:]:
        await api.like(fan, tweet)
    await api.unlike(fans[2], tweet)
    listed = (await notifications(api.client, ann))["notifications"]
    missed = [note for note in reversed(listed) if note["id"] > int(start.id)]
    assert len(missed) == 2
    async with EventReader(base, ann.api_key, last_event_id=int(start.id)) as stream:
        replayed = [await stream.next() for _ in missed]
        assert [e.json for e in replayed] == missed
        assert [e.event for e in replayed] == ["notification", "notification"]
        assert [e.id for e in replayed] == [str(note["id"]) for note in missed]
        count = await stream.next()
        assert (count.event, count.json, count.id) == (
            "unread_count",
            {"unread_count": 3},
            str(missed[-1]["id"]),
        )
    # Up to date: only the count.
    async with EventReader(base, ann.api_key, last_event_id=missed[-1]["id"]) as stream:
        assert (await stream.next()).event == "unread_count"
    # An id beyond Ann's newest (another person's, in the same browser) starts from
    # her newest: what comes next is not hidden by it.
    async with EventReader(base, ann.api_key, last_event_id=10**9) as stream:
        count = await stream.next()
        assert (count.event, count.id) == ("unread_count", str(missed[-1]["id"]))


async def test_a_slow_client_is_dropped_and_replays_on_reconnect(
    app_settings: Callable[..., Settings],
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
) -> None:
    application = create_app(app_settings(event_stream_queue_size=3))
    ann = await make_person("Ann")
    fans = [await make_person(f"Fan {n}") for n in range(10)]
    tweet = await api.tweet(ann)
    async with serving(application) as base:
        await listening(application)
        async with EventReader(base, ann.api_key) as stream:
            start = await stream.next("unread_count")
            # Ten notifications at once: more than the stream's queue holds.
            await _likes(session, tweet, fans)
            await eventually_async(lambda: stream.ends_within(0.5), what="the stream to be dropped")
        async with EventReader(base, ann.api_key, last_event_id=int(start.id or 0)) as stream:
            replayed = [await stream.next("notification") for _ in fans]
            assert [e.json["actor"]["id"] for e in replayed] == [fan.id for fan in fans]
            assert (await stream.next("unread_count")).json == {"unread_count": 10}


async def test_a_replaced_key_ends_the_streams_opened_with_it(
    served: tuple[FastAPI, str], make_person: MakePerson, session: AsyncSession
) -> None:
    """A key rotated (a leaked key, say) stops at once: its open streams too, not only
    its next requests. Others' streams, and a stream opened with the new key, stay."""
    _, base = served
    ann, bob = await make_person("Ann"), await make_person("Bob")
    async with (
        EventReader(base, ann.api_key) as old,
        EventReader(base, bob.api_key) as bobs,
    ):
        await old.next("unread_count")
        await bobs.next("unread_count")
        async with session.begin():
            _, new_key = await rotate_api_key(session, ann.id)
        await old.until_end()
        async with httpx.AsyncClient(base_url=base) as http:
            refused(await http.get("/api/events", headers=ann.headers), 401, "Unauthorized")
        async with EventReader(base, new_key) as new:
            await new.next("unread_count")
            # Another rotation's announcement, for Bob, leaves Ann's new stream open.
            async with session.begin():
                await rotate_api_key(session, bob.id)
            await bobs.until_end()
            assert not await new.ends_within(0.5)


async def test_the_streams_of_a_person_are_capped(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    application = create_app(app_settings(max_event_streams_per_person=2))
    ann, bob = await make_person("Ann"), await make_person("Bob")
    async with serving(application) as base:
        async with EventReader(base, ann.api_key) as one, EventReader(base, ann.api_key) as two:
            await one.next()
            await two.next()
            async with httpx.AsyncClient(base_url=base) as http:
                refused(await http.get("/api/events", headers=ann.headers), 429, "TooManyRequests")
            # Someone else is not held back by Ann's streams.
            async with EventReader(base, bob.api_key) as bobs:
                await bobs.next()

        # Closed: their places are free again (once the server has seen them go).
        async def opens() -> bool:
            async with EventReader(base, ann.api_key) as again:
                assert again.response is not None
                return again.response.status_code == 200

        await eventually_async(opens, what="a stream to open again")


async def test_the_cap_holds_across_processes_and_a_process_gone_frees_its_places(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    """Two apps, each with its own listening connection, as two worker processes or
    two replicas have: a person's cap counts the streams of both."""
    ann = await make_person("Ann")
    one = create_app(app_settings(max_event_streams_per_person=2))
    other = create_app(app_settings(max_event_streams_per_person=2))

    async def opens(base: str) -> bool:
        async with EventReader(base, ann.api_key) as stream:
            assert stream.response is not None
            return stream.response.status_code == 200

    async with serving(other) as other_base:
        await listening(other)
        async with EventReader(other_base, ann.api_key) as there:
            await there.next()
            async with serving(one) as base:
                await listening(one)
                async with EventReader(base, ann.api_key) as here:
                    await here.next()
                    async with httpx.AsyncClient() as http:
                        for url in (base, other_base):
                            refused(
                                await http.get(f"{url}/api/events", headers=ann.headers),
                                429,
                                "TooManyRequests",
                            )
                # Closed: its place is free for a stream of the other app's.
                await eventually_async(lambda: opens(other_base), what="a place freed")
                async with EventReader(base, ann.api_key) as here_again:
                    await here_again.next()
            # The first app stopped with a stream open: its places went with it.
            await eventually_async(lambda: opens(other_base), what="the stopped app's place")


async def test_streams_opening_at_once_each_take_a_place_of_their_own(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    """Two streams of one person opening at the same moment in one process must hold
    two places, or another process would let a third one in."""
    ann = await make_person("Ann")
    one = create_app(app_settings(max_event_streams_per_person=2))
    other = create_app(app_settings(max_event_streams_per_person=2))
    async with serving(one) as base, serving(other) as other_base, AsyncExitStack() as stack:
        await listening(one)
        await listening(other)
        pair = await asyncio.gather(
            *(stack.enter_async_context(EventReader(base, ann.api_key)) for _ in range(2))
        )
        for stream in pair:
            await stream.next()
        async with httpx.AsyncClient() as http:
            refused(
                await http.get(f"{other_base}/api/events", headers=ann.headers),
                429,
                "TooManyRequests",
            )


async def test_a_stream_counts_once_against_the_rate_limit_and_holds_no_connection(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    application = create_app(app_settings(rate_limit_reads_per_minute=3))
    ann = await make_person("Ann")
    async with (
        serving(application) as base,
        EventReader(base, ann.api_key) as stream,
        httpx.AsyncClient(base_url=base, headers=ann.headers) as http,
    ):
        await stream.next("unread_count")
        pool = application.state.engine.sync_engine.pool
        await eventually_async(
            lambda: _none_lent(pool), what="the stream's request to give its connection back"
        )
        # The stream was one read; open, it spends no more.
        for _ in range(2):
            assert (await http.get("/api/notifications")).status_code == 200
        refused(await http.get("/api/notifications"), 429)


async def _none_lent(pool: Any) -> bool:
    return int(pool.checkedout()) == 0


async def _listeners(session: AsyncSession) -> int:
    """LISTEN connections of live updates on the test database, now."""
    await session.rollback()  # a fresh snapshot of pg_stat_activity
    found = await session.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = :name AND datname = current_database()"
        ),
        {"name": APPLICATION_NAME},
    )
    return int(found or 0)


async def test_streams_share_their_process_listener_and_hold_no_session(
    app_settings: Callable[..., Settings], make_person: MakePerson, session: AsyncSession
) -> None:
    # With a budget, the rate limit looks the key up, in the session the request uses.
    application = create_app(app_settings(rate_limit_reads_per_minute=1000))
    people = [await make_person(f"Person {n}") for n in range(3)]
    async with serving(application) as base:
        await listening(application)
        await _three_streams(base, people, session)


async def _three_streams(base: str, people: list[Person], session: AsyncSession) -> None:
    before = await _listeners(session)
    assert before >= 1  # this app's (and the `app` fixture's, if it runs)
    sessions = _sessions()
    async with (
        EventReader(base, people[0].api_key) as one,
        EventReader(base, people[1].api_key) as two,
        EventReader(base, people[2].api_key) as three,
    ):
        for stream in (one, two, three):
            await stream.next("unread_count")
        assert await _listeners(session) == before
        # Nor does a stream keep its request's session (app/web/rate_limit.py).
        await eventually_async(
            lambda: _no_more_sessions(sessions), what="the streams' sessions to be let go"
        )


def _sessions() -> int:
    """Database sessions in this process now."""
    gc.collect()
    return sum(isinstance(thing, AsyncSession) for thing in gc.get_objects())


async def _no_more_sessions(than: int) -> bool:
    return _sessions() <= than


async def test_a_heartbeat_comes_while_nothing_happens(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    application = create_app(app_settings(event_stream_heartbeat_seconds=0.2))
    ann = await make_person("Ann")
    async with serving(application) as base, EventReader(base, ann.api_key) as stream:
        await stream.next("unread_count")

        async def pinged() -> bool:
            await stream.ends_within(0.3)
            return "ping" in stream.comments

        await eventually_async(pinged, what="a heartbeat")


async def test_nothing_is_lost_while_the_listener_is_away(
    served: tuple[FastAPI, str],
    api: Api,
    make_person: MakePerson,
    session: AsyncSession,
    server_url: str,
) -> None:
    application, base = served
    ann, bob = await make_person("Ann"), await make_person("Bob")
    tweet = await api.tweet(ann)
    database = await session.scalar(text("SELECT current_database()"))
    await session.commit()
    # From another database: a database's own connections cannot close it.
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with EventReader(base, ann.api_key) as stream, admin.connect() as server:
        await stream.next("unread_count")
        listener = application.state.live.listener
        assert listener.connects == 1
        # No new connection to the database can be made; the listener's is cut.
        await server.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false'))
        try:
            await server.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = :database"
                ),
                {"name": APPLICATION_NAME, "database": database},
            )
            await eventually_async(
                lambda: _not_listening(application), what="the listener to notice"
            )
            # Said while nobody here listens.
            await _likes(session, tweet, [bob])
        finally:
            await server.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true'))
        event = await stream.next("notification")
        assert (event.json["type"], event.json["actor"]["id"]) == ("like", bob.id)
        assert (await stream.next("unread_count")).json == {"unread_count": 1}
        assert listener.connects >= 2
        # And it listens again.
        await api.follow(bob, ann)
        assert (await stream.next("notification")).json["type"] == "follow"
    await admin.dispose()


async def _not_listening(application: FastAPI) -> bool:
    return not application.state.live.listener.listening.is_set()


def _serve_settings(database: str, images: RunningImageSaver, data: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database,
        "IMAGE_SAVER_URL": images.url,
        "IMAGE_SAVER_TOKEN": images.token,
        "DATA_DIR": str(data),
    }


@pytest.mark.processes
async def test_an_event_handled_by_one_process_reaches_a_stream_held_by_another(
    tmp_path: Path,
    database_url: str,
    image_saver: RunningImageSaver,
    make_person: MakePerson,
) -> None:
    settings = _serve_settings(database_url, image_saver, tmp_path / "data")
    # Two workers: whichever holds the stream, its shutdown must end it too.
    holder, holder_base = start_serve(tmp_path / "holder.log", "--workers", "2", settings=settings)
    try:
        poster, poster_base = start_serve(tmp_path / "poster.log", settings=settings)
        try:
            ann, bob = await make_person("Ann"), await make_person("Bob")
            with ServiceApi(poster_base) as other:
                other.follow(ann, bob)
                tweet = other.tweet(ann)
                async with EventReader(holder_base, ann.api_key) as stream:
                    await stream.next("unread_count")
                    other.like(bob, tweet)
                    liked = await stream.next("notification")
                    assert (liked.json["actor"]["id"], liked.json["tweet_id"]) == (bob.id, tweet)
                    started = other.tweet(bob, "Posted through the other process")
                    feed = await stream.next("feed")
                    assert feed.json["tweet_id"] == started

                    # The server shuts down with the stream open: it ends the stream
                    # cleanly and exits well within its grace period (25 s).
                    began = time.monotonic()
                    holder.send_signal(signal.SIGTERM)
                    await stream.until_end(within=GRACE_SECONDS)
                    assert holder.wait(timeout=GRACE_SECONDS) == 0
                    assert time.monotonic() - began < GRACE_SECONDS
        finally:
            stop_serve(poster)
    finally:
        stop_serve(holder)


@pytest.mark.processes
async def test_a_stream_survives_a_postgresql_restart(tmp_path: Path) -> None:
    with postgres_server() as pg:
        images = ImageSaverProcess(tmp_path / "images")
        images.start(MAX_UPLOAD_BYTES)
        log = tmp_path / "app.log"
        app, base = start_serve(log, settings=settings_for(pg, images, tmp_path / "data"))
        try:
            with ServiceApi(base) as api:
                admin = printed_admin_key(log)
                ann, bob = api.create_person(admin, "Ann"), api.create_person(admin, "Bob")
                tweet = api.tweet(ann)
                async with EventReader(base, ann.api_key) as stream:
                    await stream.next("unread_count")
                    api.like(bob, tweet)
                    assert (await stream.next("notification")).json["type"] == "like"

                    pg.stop()
                    pg.start()
                    # As soon as the app can write again (the listener may still be
                    # away: then the catch-up brings it).
                    eventually(
                        lambda: api("POST", f"/api/users/{ann.id}/follow", bob.api_key)
                        .status_code == 200,
                        what="the app to write again",
                    )  # fmt: skip
                    follow = await stream.next("notification")
                    assert (follow.json["type"], follow.json["actor"]["id"]) == ("follow", bob.id)
                    assert (await stream.next("unread_count")).json == {"unread_count": 2}
                    # And the listener is back: the next event comes live (after, maybe,
                    # the catch-up's resending of the count so far).
                    api.unlike(bob, tweet)
                    assert set(await stream.count_becomes(1)) <= {2, 1}
                    metrics = api("GET", "/metrics").text
                    assert "microblog_events_listener_reconnects_total 1.0" in metrics
                    assert "microblog_event_streams_open 1.0" in metrics
        finally:
            stop_serve(app)
            images.stop()
        # The outage is logged as warnings, not as a failure.
        assert "Traceback" not in log.read_text(), log.read_text()


async def test_a_stream_opened_with_a_session_ends_when_the_session_does(
    served: tuple[FastAPI, str], make_person: MakePerson, session: AsyncSession
) -> None:
    """Its absolute end: the stream does not outlive the sign-in that opened it."""
    application, base = served
    ann = await make_person("Ann")
    headers = await cookie_headers(application, ann.id)
    async with session.begin():
        await session.execute(
            text("UPDATE web_sessions SET expires_at = now() + interval '2 seconds'")
        )
    async with EventReader(base, None, headers=headers) as stream:
        await stream.next("unread_count")
        await stream.until_end(within=10)
    async with httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/api/events", headers=headers)).status_code == 401
