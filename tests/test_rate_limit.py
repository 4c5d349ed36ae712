"""Rate limits: budgets per api key (per address without one) for reads, writes and
uploads; 429 in the envelope with Retry-After; nothing done for a refused request;
shared by every process through a real Redis, per process without it."""

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.rate_limit import RedisLimiter
from app.main import create_app
from tests.cli_helpers import run_app, start_serve, stop_serve
from tests.conftest import MakePerson, png_picture
from tests.redis_server import RedisServer


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


@pytest.fixture
async def limited_client(app_settings: Callable[..., Settings]) -> AsyncIterator[AsyncClient]:
    app = _limited(app_settings)
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


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
    limited_client: AsyncClient,
) -> None:
    for _ in range(5):
        assert (await limited_client.get("/api/limits")).status_code == 200
    assert_refused(await limited_client.get("/api/limits"), 5)
    # A wrong key is a caller of its own, and still only a 401.
    assert (await limited_client.get("/api/limits", headers={"api-key": "nope"})).status_code == 200
    # The web app, health and metrics are never limited.
    for path in ("/health", "/", "/metrics", "/docs"):
        for _ in range(6):
            assert (await limited_client.get(path)).status_code == 200, path


async def test_the_budget_refills_as_retry_after_says(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    app = _limited(app_settings, reads=120)  # one more every half second
    ann = await make_person("Ann")
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        statuses = [
            (await client.get("/api/users/me", headers=ann.headers)).status_code for _ in range(125)
        ]
        assert statuses.count(200) >= 120
        assert statuses[-1] == 429
        refused = await client.get("/api/users/me", headers=ann.headers)
        await asyncio.sleep(int(refused.headers["retry-after"]))
        assert (await client.get("/api/users/me", headers=ann.headers)).status_code == 200


async def test_redis_counts_for_every_process(redis_server: RedisServer) -> None:
    first, second = RedisLimiter(redis_server.url), RedisLimiter(redis_server.url)
    try:
        verdicts = [await (first if n % 2 else second).hit("reads:key:x", 4) for n in range(6)]
        assert [v.allowed for v in verdicts] == [True, True, True, True, False, False]
        assert 14 < verdicts[-1].retry_after <= 15  # 60 s / 4: the next one in 15 s
        assert (await first.hit("reads:key:y", 4)).allowed
    finally:
        await first.aclose()
        await second.aclose()


def test_two_workers_share_one_budget_through_redis(
    redis_server: RedisServer, database_url: str, tmp_path: Path
) -> None:
    """`serve --workers 2` with REDIS_URL: twenty requests by one person over fresh
    connections (so both workers answer) get exactly ten yeses. Redis going away
    does not take the service down: it answers, without limits, meanwhile."""
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
        statuses = []
        for _ in range(20):
            # A new connection each time; the access log says which worker answered.
            response = httpx.get(
                f"{base}/api/users/me", headers={"api-key": key, "connection": "close"}
            )
            statuses.append(response.status_code)
        assert statuses.count(200) == 10, statuses
        assert statuses.count(429) == 10, statuses
        pids = {json.loads(line)["pid"] for line in _access_lines(tmp_path)}
        assert len(pids) == 2, "both workers should have answered"

        redis_server.stop()
        try:
            response = httpx.get(f"{base}/api/users/me", headers={"api-key": key})
            assert response.status_code == 200
            assert "rate limits not applied" in (tmp_path / "serve.log").read_text()
        finally:
            redis_server.start()
    finally:
        stop_serve(process)


def _access_lines(tmp_path: Path) -> list[str]:
    return [
        line
        for line in (tmp_path / "serve.log").read_text().splitlines()
        if '"app.access"' in line and "/api/users/me" in line
    ]
