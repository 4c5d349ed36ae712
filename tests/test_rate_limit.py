"""Rate limits: budgets per api key (per address without one) for reads, writes and
uploads; 429 in the envelope with Retry-After; nothing done for a refused request;
shared by every process through a real Redis, per process without it."""

import asyncio
import math
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.embedded_images import free_port
from app.main import create_app
from app.web.rate_counters import RedisLimiter
from tests.helpers.api import Api, MakePerson, png_picture, refused
from tests.helpers.app import count_statements, lent_connections, listening, running
from tests.helpers.cli import answering_pids, run_app, start_serve, stop_serve
from tests.helpers.redis import RedisServer


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="microblog-test-redis-") as folder:
        server = RedisServer(Path(folder))
        server.start()
        yield server
        server.stop()


def _limited(
    app_settings: Callable[..., Settings],
    reads: int = 5,
    writes: int = 3,
    uploads: int = 2,
    **extra: object,
) -> FastAPI:
    return create_app(
        app_settings(
            rate_limit_reads_per_minute=reads,
            rate_limit_writes_per_minute=writes,
            rate_limit_uploads_per_minute=uploads,
            **extra,
        )
    )


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.processes)])
def redis_url(request: pytest.FixtureRequest) -> str | None:
    """Where the budgets are counted: in the process (no REDIS_URL), or in a real
    Redis (emptied first), which must count the same."""
    if request.param == "memory":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return server.url


@pytest.fixture
async def limited_app(
    app_settings: Callable[..., Settings], redis_url: str | None
) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    async with running(_limited(app_settings, redis_url=redis_url)) as running_app:
        yield running_app


@pytest.fixture
def limited_client(limited_app: tuple[FastAPI, AsyncClient]) -> AsyncClient:
    return limited_app[1]


def _refilled(started: float, per_minute: int) -> int:
    """How many requests a budget of `per_minute` gave back since `started`."""
    return math.ceil((time.monotonic() - started) * per_minute / 60)


def assert_refused(response: httpx.Response, budget: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["result"] is False
    assert response.json()["error_type"] == "TooManyRequests"
    assert f"{budget} a minute" in response.json()["error_message"]
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= 60 // budget + 1


async def test_each_key_has_its_own_budgets_for_reads_writes_and_uploads(
    limited_client: AsyncClient, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    for _ in range(5):
        assert (await limited_client.get("/api/users/me", headers=ann.headers)).status_code == 200
    assert_refused(await limited_client.get("/api/tweets", headers=ann.headers), 5)
    # Bob's budget is his own.
    assert (await limited_client.get("/api/users/me", headers=bob.headers)).status_code == 200

    # Writes have a budget of their own, and a refused write does nothing.
    for n in range(3):
        posted = await limited_client.post(
            "/api/tweets", json={"tweet_data": f"post {n}"}, headers=ann.headers
        )
        assert posted.status_code == 201
    refused = await limited_client.post(
        "/api/tweets", json={"tweet_data": "one too many"}, headers=ann.headers
    )
    assert_refused(refused, 3)
    assert await session.scalar(text("SELECT count(*) FROM tweets")) == 3

    # So have uploads; a refused one stores nothing.
    picture = {"file": ("p.png", png_picture(8, 8, "red"), "image/png")}
    for _ in range(2):
        uploaded = await limited_client.post("/api/medias", files=picture, headers=bob.headers)
        assert uploaded.status_code == 201
    assert_refused(await limited_client.post("/api/medias", files=picture, headers=bob.headers), 2)
    assert await session.scalar(text("SELECT count(*) FROM media")) == 2
    # Bob's writes are untouched by his uploads.
    assert (
        await limited_client.post(f"/api/users/{ann.id}/follow", headers=bob.headers)
    ).status_code == 200


async def test_requests_without_a_key_share_their_address_budget(
    limited_client: AsyncClient, make_person: MakePerson, api: Api
) -> None:
    ann = await make_person("Ann")
    for _ in range(5):
        assert (await limited_client.get("/api/limits")).status_code == 200
    assert_refused(await limited_client.get("/api/limits"), 5)
    # Pictures, which browsers load without a key, have a budget of their own (10 x).
    # Uploaded through the app without limits, so as not to spend from the budgets.
    media_id = await api.upload(ann)
    posted = await limited_client.post(
        "/api/tweets", json={"tweet_data": "p", "tweet_media_ids": [media_id]}, headers=ann.headers
    )
    assert posted.status_code == 201
    started = time.monotonic()
    pictures = [
        (await limited_client.get(f"/api/medias/{media_id}")).status_code for _ in range(60)
    ]
    # All 50 at once, then refused but for what refilled meanwhile (one each 1.2 s).
    assert pictures[:50] == [200] * 50
    assert 429 in pictures[50:]
    assert pictures[50:].count(200) <= _refilled(started, 50), pictures
    # The web app, health and metrics are never limited.
    for path in ("/health", "/", "/metrics", "/docs"):
        for _ in range(6):
            assert (await limited_client.get(path)).status_code == 200, path


def assert_wrong_key_refused(response: httpx.Response) -> None:
    assert_refused(response, 3)  # the writes budget
    assert "wrong api key" in response.json()["error_message"]


async def test_wrong_keys_never_lock_out_the_right_ones(
    limited_client: AsyncClient, make_person: MakePerson
) -> None:
    """Each wrong key spends from its address's budget for wrong keys (the writes
    budget, 3 here); past it, wrong keys from there are refused, made-up ones too.
    A whole office may be one address (behind a proxy): a thousand wrong keys from
    it never refuse a right key from it."""
    ann = await make_person("Ann")
    started = time.monotonic()
    statuses = [
        (await limited_client.get("/api/users/me", headers={"api-key": f"guess-{n}"})).status_code
        for n in range(1000)
    ]
    assert statuses[:3] == [401] * 3
    assert set(statuses[3:]) <= {401, 429}
    assert statuses.count(401) <= 3 + _refilled(started, 3), statuses
    assert_wrong_key_refused(
        await limited_client.get("/api/users/me", headers={"api-key": "one-more"})
    )
    assert (await limited_client.get("/api/users/me", headers=ann.headers)).status_code == 200
    # Without a key the address's own read budget applies as before (3 of 5 spent).
    assert (await limited_client.get("/api/limits")).status_code == 200


NEVER_401 = [
    pytest.param("GET", "/api/medias/999", 404, id="picture"),
    pytest.param("GET", "/api/limits", 200, id="limits"),
    pytest.param("GET", "/api/no-such-thing", 404, id="unknown-route"),
    pytest.param("PUT", "/api/tweets", 405, id="wrong-method"),
    pytest.param("POST", "/api/tweets", 422, id="malformed-json"),
]


@pytest.mark.parametrize(("method", "path", "status"), NEVER_401)
async def test_made_up_keys_spend_the_wrong_key_budget_where_no_401_is_answered(
    limited_client: AsyncClient, make_person: MakePerson, method: str, path: str, status: int
) -> None:
    """The key is checked before the budget is chosen, so a fresh made-up key each
    request is counted as its address and as a wrong key, whatever the answer."""
    ann = await make_person("Ann")

    async def ask(key: str) -> httpx.Response:
        headers = {"api-key": key, "content-type": "application/json"}
        return await limited_client.request(method, path, content=b"{not json", headers=headers)

    for _ in range(3):
        assert (await ask(secrets.token_urlsafe(32))).status_code == status
    assert_wrong_key_refused(await ask(secrets.token_urlsafe(32)))
    assert (await ask(ann.api_key)).status_code == status


async def test_a_key_is_looked_up_at_most_once_a_request(
    limited_app: tuple[FastAPI, AsyncClient], make_person: MakePerson, api: Api
) -> None:
    """The rate limit finds whose the key is, from the process's memory of keys after
    the first time (app/core/owners.py). A fast read (app/handlers/fast/) then
    needs one statement (which checks the key again, in its own snapshot) and no ORM
    connection; a route of FastAPI loads the person in its own session: one lookup,
    one connection, as without the limit."""
    app, client = limited_app
    await listening(app)
    ann = await make_person("Ann")
    unposted = await api.upload(ann)  # only its owner sees it, so who asks matters
    assert (await client.get("/api/users/me", headers=ann.headers)).status_code == 200
    for path, statements_sent, orm_connections in (
        ("/api/users/me", 1, 0),
        ("/api/tweets", 1, 0),
        (f"/api/medias/{unposted}", 2, 1),  # the person, then the picture
    ):
        with count_statements(app) as statements, lent_connections(app) as lent:
            assert (await client.get(path, headers=ann.headers)).status_code == 200
        assert len(statements) == statements_sent, (path, statements)
        assert sum("users.api_key_hash = " in sql for sql in statements) == orm_connections
        assert len(lent) == orm_connections, path


async def test_a_database_failure_while_the_key_is_looked_up_answers_503(
    app_settings: Callable[..., Settings],
) -> None:
    """The rate limit looks keys up before the handlers run; the database being away
    then gets the same answer as anywhere else, not a 500."""
    nowhere = f"postgresql://microblog@127.0.0.1:{free_port()}/microblog"
    async with running(_limited(app_settings, database_url=nowhere)) as (_, client):
        refused(await client.get("/api/users/me", headers={"api-key": "k"}), 503)


async def test_the_budget_refills_as_retry_after_says(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    app = _limited(app_settings, reads=120)  # one more every half second
    ann = await make_person("Ann")
    async with running(app) as (_, client):

        async def me() -> httpx.Response:
            return await client.get("/api/users/me", headers=ann.headers)

        allowed = 0
        while (answer := await me()).status_code == 200:
            allowed += 1
            assert allowed < 200, "never refused"
        # The whole budget at once (more if it refilled meanwhile), then refused.
        assert allowed >= 120
        assert answer.headers["retry-after"] == "1"  # half a second, rounded up
        # Waiting as long as Retry-After says is what is under test (however slow the
        # machine, the budget only refills more meanwhile).
        await asyncio.sleep(int(answer.headers["retry-after"]))
        assert (await me()).status_code == 200


@pytest.mark.processes  # a redis-server process
async def test_redis_counts_for_every_process(redis_server: RedisServer) -> None:
    first, second = RedisLimiter(redis_server.url), RedisLimiter(redis_server.url)
    try:
        for budget in (4, 7, 600, 1200):
            bucket = f"reads:key:exact-{budget}"
            started = time.monotonic()
            allowed = [
                (await (first, second)[n % 2].hit(bucket, budget)).allowed
                for n in range(budget + 20)
            ]
            # The whole budget, never one less; beyond it, only what refilled while
            # these ran (one each 60/budget seconds).
            refilled = _refilled(started, budget)
            assert allowed[:budget] == [True] * budget, budget
            assert allowed[budget:].count(True) <= refilled, (budget, refilled)
        # A guard is spent with the bucket, and neither when either is full.
        guard = ("invalid:ip:x", 2)
        assert (await first.hit("reads:ip:x", 1, guard=guard)).allowed
        refused = await second.hit("reads:ip:x", 1, guard=guard)
        assert (refused.allowed, refused.by_guard) == (False, False)
        assert 55 < refused.retry_after <= 60  # sixty seconds, less the time between
        assert (await second.hit("writes:ip:x", 1, guard=guard)).allowed
        refused = await first.hit("uploads:ip:x", 1, guard=guard)
        assert (refused.allowed, refused.by_guard) == (False, True)
        assert 25 < refused.retry_after <= 30
        assert (await first.hit("uploads:ip:x", 1)).allowed
    finally:
        await first.aclose()
        await second.aclose()


async def test_redis_going_away_costs_one_timeout_then_lets_requests_through() -> None:
    """A Redis that takes connections and never answers (stalled, or a firewall
    dropping packets): the first request waits for the timeout and is let through;
    the next ones are let through without asking it again (no new connection)."""
    connections: list[asyncio.StreamWriter] = []

    async def silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limiter = RedisLimiter(f"redis://127.0.0.1:{port}/0")
    try:
        assert (await limiter.hit("reads:key:z", 1)).allowed
        assert len(connections) == 1
        for _ in range(50):
            assert (await limiter.hit("reads:key:z", 1)).allowed
        assert len(connections) == 1, "Redis was asked again while away"
    finally:
        await limiter.aclose()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.processes  # redis-server and serve
def test_two_workers_share_one_budget_through_redis(
    redis_server: RedisServer, database_url: str, tmp_path: Path
) -> None:
    """`serve --workers 2` with REDIS_URL: twenty requests by one person over fresh
    connections (so both workers answer) get exactly ten yeses. Redis going away
    does not take the service down: it answers, without limits, meanwhile."""
    # Budgets are per person id, and ids start again at 1 after each test.
    redis_server.flush()
    created = run_app("users", "create", "Ann", settings={"DATABASE_URL": database_url})
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    settings = {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_server.url,
        "RATE_LIMIT_READS_PER_MINUTE": "10",
    }
    process, base = start_serve(tmp_path / "serve.log", "--workers", "2", settings=settings)
    try:
        # New connections each time, so either worker may answer. Serving starts with
        # the first worker up: the budget is not spent while waiting for the second.
        def fresh(path: str, headers: dict[str, str]) -> int:
            response = httpx.get(f"{base}{path}", headers=headers | {"connection": "close"})
            return response.status_code

        while len(_pids(tmp_path, "/health")) < 2:
            assert fresh("/health", {}) == 200
        statuses: list[int] = []
        started = time.monotonic()
        while len(statuses) < 20 or (len(_pids(tmp_path, "/api/users/me")) < 2):
            statuses.append(fresh("/api/users/me", {"api-key": key}))
            assert len(statuses) < 200, "both workers should have answered"
        # One budget of 10 for both, and what refilled meanwhile (one each 6 s);
        # counted per process, it would have been about 20.
        assert statuses[:10] == [200] * 10, statuses
        assert statuses.count(200) <= 10 + _refilled(started, 10), statuses
        assert set(statuses) == {200, 429}

        redis_server.stop()
        try:
            response = httpx.get(f"{base}/api/users/me", headers={"api-key": key})
            assert response.status_code == 200
            assert "rate limits not applied" in (tmp_path / "serve.log").read_text()
        finally:
            redis_server.start()
    finally:
        stop_serve(process)


def _pids(tmp_path: Path, path: str) -> set[int]:
    """The workers whose access log has answered `path`."""
    return answering_pids(tmp_path / "serve.log", path)
