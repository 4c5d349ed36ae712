"""Read replicas on real streaming replication: a primary and a hot standby made from
it with pg_basebackup (app/core/embedded_replica.py), both started by the test.
Which server answered a read is told by /metrics' `microblog_db_reads{server}`."""

import asyncio
import re
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from app.core import migrations
from app.core.config import Settings
from app.core.embedded_images import RunningImageSaver
from app.core.embedded_replica import StreamingReplica, libpq_url
from app.core.reads import LSN_COOKIE
from app.handlers.users.actions import create_user
from tests.helpers.api import Api, Person
from tests.helpers.app import make_settings, running
from tests.helpers.live import listening
from tests.helpers.polling import eventually_async
from tests.helpers.topology import PostgresServer, postgres_server

# Starts a PostgreSQL primary and a streaming replica of it.
pytestmark = pytest.mark.processes

REPLICA = "replica-1"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[PostgresServer, StreamingReplica]]:
    with postgres_server() as primary:
        migrations.upgrade(_asyncpg_url(primary.url()))
        replica = StreamingReplica(
            Path(tempfile.mkdtemp(prefix="microblog-replica-")), primary.url()
        )
        replica.create()
        try:
            yield primary, replica
        finally:
            replica.remove()


def _asyncpg_url(url: str) -> str:
    normalised = Settings(database_url=url, _env_file=None).database_url
    assert normalised is not None
    return normalised


@pytest.fixture
def settings_with_replica(
    servers: tuple[PostgresServer, StreamingReplica],
    image_saver: RunningImageSaver,
    tmp_path: Path,
) -> Any:
    primary, replica = servers

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {"database_replica_urls": [replica.url]}
        return make_settings(
            _asyncpg_url(primary.url()), tmp_path, image_saver, **values | overrides
        )

    return make


@asynccontextmanager
async def replica_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """An app reading from the replica, listening on the live channel, the replica
    caught up and usable."""
    async with running(settings) as (app, client):
        await listening(app)
        await eventually_async(lambda: _usable(client), what="the replica to take reads")
        yield app, client


async def _usable(client: AsyncClient) -> bool:
    body = (await client.get("/ready")).json()
    return bool(body.get("replicas")) and body["status"] == "ok"


async def _person(app: FastAPI, name: str) -> Person:
    async with app.state.sessionmaker() as session, session.begin():
        user, key = await create_user(session, name)
    return Person(user.id, user.name, key)


async def _reads(client: AsyncClient) -> dict[str, float]:
    """Reads given to each server so far (this test process's counter, all apps)."""
    text = (await client.get("/metrics")).text
    found = re.findall(r'^microblog_db_reads_total\{server="([^"]+)"\} (\S+)$', text, re.M)
    return {server: float(value) for server, value in found}


async def _answered_by(client: AsyncClient, before: dict[str, float]) -> set[str]:
    now = await _reads(client)
    return {server for server, value in now.items() if value > before.get(server, 0)}


@asynccontextmanager
async def replay_paused(replica: StreamingReplica) -> AsyncIterator[None]:
    """The replica stops applying the WAL it receives: it falls behind on purpose."""
    connection = await asyncpg.connect(libpq_url(replica.url))
    try:
        await connection.execute("SELECT pg_wal_replay_pause()")
        yield
    finally:
        await connection.execute("SELECT pg_wal_replay_resume()")
        await connection.close()


async def test_reads_land_on_the_replica_and_its_lag_is_reported(
    servers: tuple[PostgresServer, StreamingReplica], settings_with_replica: Any
) -> None:
    _, replica = servers
    async with replica_app(settings_with_replica(replica_max_lag_seconds=1)) as (app, client):
        ann, boris = await _person(app, "Ann"), await _person(app, "Boris")
        api = Api(client)
        await api.follow(boris, ann)
        await api.tweet(ann, "Read from the replica")
        client.cookies.clear()  # the writes' position: Boris reads as a new visitor

        async def boris_sees_it_on_the_replica() -> bool:
            before = await _reads(client)
            feed = [t["content"] for t in await api.feed(boris)]
            answered = await _answered_by(client, before)
            return feed == ["Read from the replica"] and answered == {REPLICA}

        # Once a poll finds the replica has replayed Boris's follow.
        await eventually_async(boris_sees_it_on_the_replica, what="the post on the replica")
        before = await _reads(client)
        for read in ("/api/tweets", f"/api/users/{ann.id}", "/api/users/me", "/api/users"):
            response = await client.get(read, headers=boris.headers)
            assert response.status_code == 200, response.text
        assert await _answered_by(client, before) == {REPLICA}

        ready = (await client.get("/ready")).json()
        assert ready["status"] == "ok"
        (state,) = ready["replicas"]
        assert state["name"] == REPLICA
        assert state["up"] is True
        assert state["usable"] is True

        async def caught_up() -> bool:
            # The primary writes WAL of its own now and then (autovacuum, checkpoints):
            # caught up at the next poll, not necessarily at this one.
            (state,) = (await client.get("/ready")).json()["replicas"]
            metrics = (await client.get("/metrics")).text
            return state["lag_bytes"] == 0 and all(
                f'microblog_db_replica_{name}{{replica="{REPLICA}"}} {value}' in metrics
                for name, value in (("up", "1.0"), ("lag_bytes", "0.0"), ("lag_seconds", "0.0"))
            )

        await eventually_async(caught_up, within=10, what="the replica's lag to show as none")

        # Behind by more than REPLICA_MAX_LAG_SECONDS: reported, and skipped.
        async with replay_paused(replica):
            await api.tweet(ann, "Not replayed yet")

            async def lagging() -> dict[str, Any]:
                body = (await client.get("/ready")).json()
                (lagged,) = body["replicas"]
                behind = (lagged["lag_seconds"] or 0) > 1 and body["status"] == "degraded"
                return lagged if behind else {}

            lagged = await eventually_async(lagging, what="the replica's lag to show")
            assert lagged["lag_bytes"] > 0
            assert lagged["up"] is True
            assert lagged["usable"] is False
            metrics = (await client.get("/metrics")).text
            seconds = re.search(
                rf'^microblog_db_replica_lag_seconds\{{replica="{REPLICA}"\}} (\S+)$',
                metrics,
                re.M,
            )
            assert seconds is not None
            assert float(seconds.group(1)) > 1
            before = await _reads(client)
            feed = [t["content"] for t in await api.feed(boris)]
            assert feed[0] == "Not replayed yet"
            assert await _answered_by(client, before) == {"primary"}
        await eventually_async(lambda: _usable(client), what="the replica to catch up again")


async def test_a_post_is_visible_to_its_author_at_once(
    servers: tuple[PostgresServer, StreamingReplica], settings_with_replica: Any
) -> None:
    _, replica = servers
    settings = settings_with_replica(replica_max_lag_seconds=600)
    async with replica_app(settings) as (app, client), replica_app(settings) as (_, other):
        ann, boris = await _person(app, "Ann"), await _person(app, "Boris")
        api = Api(client)
        async with replay_paused(replica):
            written = await client.post(
                "/api/tweets", json={"tweet_data": "Mine, at once"}, headers=ann.headers
            )
            assert written.status_code == 201, written.text
            assert LSN_COOKIE in written.headers["set-cookie"]
            assert "HttpOnly" in written.headers["set-cookie"]
            tweet_id = written.json()["tweet_id"]

            # Ann, in this process: her own memory of the write sends her to the primary.
            client.cookies.clear()
            before = await _reads(client)
            assert [t["id"] for t in await api.tweets_of(ann, ann)] == [tweet_id]
            assert (await api.one_tweet(ann, tweet_id))["content"] == "Mine, at once"
            assert await _answered_by(client, before) == {"primary"}

            # Ann, in another process: it heard of her write on the live channel.
            before = await _reads(other)
            answer = await other.get(f"/api/users/{ann.id}/tweets", headers=ann.headers)
            assert [t["id"] for t in answer.json()["tweets"]] == [tweet_id]
            assert await _answered_by(other, before) == {"primary"}

            # Boris wrote nothing: the replica, which has not replayed Ann's post yet.
            before = await _reads(client)
            boris_sees = await client.get(f"/api/users/{ann.id}/tweets", headers=boris.headers)
            assert boris_sees.json()["tweets"] == []
            assert await _answered_by(client, before) == {REPLICA}

            # A browser carrying the write's position is sent to the primary too.
            before = await _reads(client)
            carried = await client.get(
                f"/api/users/{ann.id}/tweets",
                headers=boris.headers | {"cookie": f"{LSN_COOKIE}={written.cookies[LSN_COOKIE]}"},
            )
            assert [t["id"] for t in carried.json()["tweets"]] == [tweet_id]
            assert await _answered_by(client, before) == {"primary"}

            # A cookie that is not a WAL position counts for nothing.
            before = await _reads(client)
            junk = await client.get(
                f"/api/users/{ann.id}/tweets",
                headers=boris.headers | {"cookie": f"{LSN_COOKIE}=FFFFFFFFF/0; other=1"},
            )
            assert junk.status_code == 200
            assert await _answered_by(client, before) == {REPLICA}

        # Replayed: Ann reads from the replica again.
        async def from_the_replica() -> bool:
            before = await _reads(client)
            tweets = await api.tweets_of(ann, ann)
            return [t["id"] for t in tweets] == [tweet_id] and await _answered_by(
                client, before
            ) == {REPLICA}

        await eventually_async(from_the_replica, what="Ann's reads to go to the replica")


async def test_several_replicas_take_turns(
    servers: tuple[PostgresServer, StreamingReplica], settings_with_replica: Any
) -> None:
    _, replica = servers
    # The one replica under two names: enough to see the reads spread.
    settings = settings_with_replica(database_replica_urls=[replica.url, replica.url])
    async with running(settings) as (app, client):
        ann = await _person(app, "Ann")
        await eventually_async(lambda: _usable(client), what="the replicas to take reads")
        before = await _reads(client)
        for _ in range(4):
            assert (await client.get("/api/users", headers=ann.headers)).status_code == 200
        reads = await _reads(client)
        assert {server: reads[server] - before.get(server, 0) for server in reads} == {
            "primary": 0,
            "replica-1": 2,
            "replica-2": 2,
        }


# "fast": the server ends its sessions and says so; "immediate": a crash, the
# connections just drop.
@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_a_replica_stopped_mid_load_costs_no_failed_request(
    servers: tuple[PostgresServer, StreamingReplica], settings_with_replica: Any, mode: str
) -> None:
    _, replica = servers
    # With the rate limit on, as in production: it looks the caller up first.
    budgets = {"rate_limit_reads_per_minute": 10**6, "rate_limit_writes_per_minute": 10**6}
    async with replica_app(settings_with_replica(**budgets)) as (app, client):
        people = [await _person(app, f"Reader {n}") for n in range(4)]
        api = Api(client)
        tweet_id = await api.tweet(people[0], "Read all the time")
        for person in people[1:]:
            await api.follow(person, people[0])
        client.cookies.clear()
        await eventually_async(lambda: _usable(client), what="the replica to catch up")
        reads = ["/api/tweets", f"/api/tweets/{tweet_id}/thread", f"/api/users/{people[0].id}"]
        failures: list[str] = []
        answered = 0
        stopped = asyncio.Event()

        async def read_until_stopped(person: Person) -> None:
            nonlocal answered
            while not stopped.is_set():
                for path in reads:
                    response = await client.get(path, headers=person.headers)
                    answered += 1
                    if response.status_code != 200:
                        failures.append(f"{path}: {response.status_code} {response.text}")

        before = await _reads(client)
        loads = [asyncio.create_task(read_until_stopped(person)) for person in people]
        started = time.monotonic()
        await eventually_async(
            lambda: _answered_after(client, before, REPLICA, 20), what="reads on the replica"
        )
        await asyncio.to_thread(replica.stop, mode)
        before_stop_ended = await _reads(client)
        # Reads go on for a while with the replica away, answered by the primary.
        await eventually_async(
            lambda: _answered_after(client, before_stop_ended, "primary", 50),
            what="reads on the primary",
        )
        stopped.set()
        await asyncio.gather(*loads)
        assert failures == []
        # At least the 20 replica and 50 primary reads waited for above.
        assert answered >= 70, (answered, time.monotonic() - started)
        answer = await client.get("/ready")
        assert answer.status_code == 200  # the primary answers the reads meanwhile
        ready = answer.json()
        assert ready["status"] == "degraded"
        assert ready["replicas"][0]["up"] is False
        metrics = (await client.get("/metrics")).text
        assert f'microblog_db_replica_up{{replica="{REPLICA}"}} 0.0' in metrics

        # Started again, it catches up and takes reads again.
        await asyncio.to_thread(replica.start)
        await eventually_async(lambda: _usable(client), what="the replica to come back")
        before = await _reads(client)
        await api.feed(people[1])
        assert await _answered_by(client, before) == {REPLICA}


async def _answered_after(
    client: AsyncClient, before: dict[str, float], server: str, at_least: int
) -> bool:
    return (await _reads(client)).get(server, 0) - before.get(server, 0) >= at_least


async def test_without_replicas_nothing_changes(app: FastAPI, client: AsyncClient) -> None:
    ann = await _person(app, "Ann")
    written = await client.post("/api/tweets", json={"tweet_data": "Hi"}, headers=ann.headers)
    assert written.status_code == 201
    assert "set-cookie" not in written.headers
    assert (await client.get("/ready")).json() == {"result": True, "status": "ok"}
    before = await _reads(client)
    assert (await client.get("/api/tweets", headers=ann.headers)).status_code == 200
    assert await _reads(client) == before
    assert "microblog_db_replica" not in (await client.get("/metrics")).text


def test_replica_urls_are_a_list_or_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "postgres://a@one/db, postgresql://b@two/db")
    assert Settings(_env_file=None).database_replica_urls == [
        "postgresql+asyncpg://a@one/db",
        "postgresql+asyncpg://b@two/db",
    ]
    monkeypatch.setenv("DATABASE_REPLICA_URLS", '["postgresql://a@one/db"]')
    assert Settings(_env_file=None).database_replica_urls == ["postgresql+asyncpg://a@one/db"]
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "")
    assert Settings(_env_file=None).database_replica_urls == []
