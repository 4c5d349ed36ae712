"""What operators get: request ids, one JSON log line per request (never an api key),
and Prometheus metrics."""

import asyncio
import json
import logging
import re
from collections.abc import Callable

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.logs import JsonLines
from app.core.models import Media
from app.main import create_app
from tests.helpers.api import Api, MakePerson, refused
from tests.helpers.app import lent_connections, running


async def test_a_request_id_is_kept_or_made_and_sent_back(
    client: AsyncClient, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    given = await client.get("/api/users/me", headers={**ann.headers, "X-Request-ID": "lb-42.a:b"})
    assert given.headers["x-request-id"] == "lb-42.a:b"

    made = [(await client.get("/health")).headers["x-request-id"] for _ in range(2)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in made)
    assert made[0] != made[1]

    # An id that could smuggle text into logs or headers is replaced, not echoed.
    for hostile in (b"x" * 129, b"two words", b"a\xc3\xa9b", b"<script>"):
        answer = await client.get("/health", headers=[(b"X-Request-ID", hostile)])
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"]), hostile

    # Errors carry it too, so a person's report can be found in the log.
    refused = await client.get("/api/users/me", headers={"X-Request-ID": "report-7"})
    assert refused.status_code == 401
    assert refused.json()["result"] is False
    assert refused.headers["x-request-id"] == "report-7"


async def test_one_json_line_per_request_without_the_key(
    client: AsyncClient, api: Api, make_person: MakePerson, caplog: pytest.LogCaptureFixture
) -> None:
    ann = await make_person("Ann")
    tweet_id = await api.tweet(ann, "hello")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app"):
        liked = await client.post(
            f"/api/tweets/{tweet_id}/likes",
            headers={**ann.headers, "X-Request-ID": "like-1"},
        )
        assert liked.status_code == 200
        refused = await client.get("/api/users/me", headers={"api-key": "not-a-real-key"})
        assert refused.status_code == 401

    lines = [json.loads(JsonLines().format(r)) for r in caplog.records if r.name == "app.access"]
    assert len(lines) == 2
    like, bad_key = lines
    assert like["request_id"] == "like-1"
    assert {k: like[k] for k in ("method", "route", "status", "level")} == {
        "method": "POST",
        "route": "/api/tweets/{tweet_id}/likes",
        "status": 200,
        "level": "info",
    }
    assert isinstance(like["duration_ms"], float)
    assert like["duration_ms"] >= 0
    assert bad_key["status"] == 401
    assert bad_key["route"] == "/api/users/me"
    assert re.fullmatch(r"[0-9a-f]{32}", bad_key["request_id"])
    everything = "\n".join(JsonLines().format(record) for record in caplog.records)
    assert ann.api_key not in everything
    assert "not-a-real-key" not in everything


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        found = re.fullmatch(r"(\w+)(?:\{(.*)\})?", series)
        if found and found[1] == name:
            got = ",".join(sorted((found[2] or "").split(","))) if found[2] else ""
            if got == wanted:
                return float(value)
    return 0.0


async def test_metrics_count_requests_by_route_and_status(
    client: AsyncClient, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    route = {"method": "GET", "route": "/api/users/{user_id}"}
    before = (await client.get("/metrics")).text
    for user_id in (ann.id, ann.id, 999_999):
        await client.get(f"/api/users/{user_id}", headers=ann.headers)
    after = await client.get("/metrics")
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain")
    total = "microblog_http_requests_total"
    for status, count in (("200", 2), ("404", 1)):
        grew = sample(after.text, total, **route, status=status) - sample(
            before, total, **route, status=status
        )
        assert grew == count, status
    # One series per route template, not per id.
    assert "/api/users/999999" not in after.text
    latency = "microblog_http_request_duration_seconds_count"
    for status, count in (("200", 2), ("404", 1)):
        timed = sample(after.text, latency, **route, status=status)
        assert timed - sample(before, latency, **route, status=status) == count, status
    # Connections: open ones stay for the next request, none is left lent out.
    assert sample(after.text, "microblog_db_pool_connections_open") >= 1
    assert sample(after.text, "microblog_db_pool_connections_in_use") == 0


async def test_metrics_count_stored_pictures(
    app_settings: Callable[..., Settings], make_person: MakePerson, session: AsyncSession, api: Api
) -> None:
    ann = await make_person("Ann")
    for _ in range(2):
        await api.upload(ann)
    stored_bytes = await session.scalar(select(func.sum(Media.size)))
    # An app of its own: the count is kept for a minute, and this one has none yet.
    app = create_app(app_settings())
    async with running(app) as (_, http):
        text = (await http.get("/metrics")).text
    assert sample(text, "microblog_images_stored") == 2
    assert stored_bytes
    assert sample(text, "microblog_images_stored_bytes") == stored_bytes


async def test_concurrent_scrapes_count_the_stored_pictures_once(
    app_settings: Callable[..., Settings], make_person: MakePerson, api: Api
) -> None:
    await api.upload(await make_person("Ann"))
    # An app of its own: nothing counted yet, as when the minute's count runs out.
    async with running(app_settings()) as (app, http):
        with lent_connections(app) as lent:
            scrapes = await asyncio.gather(*(http.get("/metrics") for _ in range(10)))

    assert len(lent) == 1
    assert all(sample(scrape.text, "microblog_images_stored") == 1 for scrape in scrapes)


async def test_a_flood_of_readiness_probes_costs_one_check(
    app_settings: Callable[..., Settings],
) -> None:
    async with running(app_settings()) as (app, http):
        with lent_connections(app) as lent:
            probes = await asyncio.gather(*(http.get("/ready") for _ in range(20)))

    assert {probe.status_code for probe in probes} == {200}
    assert len(lent) == 1


async def test_metrics_answer_only_the_token_when_one_is_set(
    app_settings: Callable[..., Settings],
) -> None:
    token = "metrics-token-0123456789"
    async with running(app_settings(metrics_token=token)) as (_, http):
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": f"Bearer {token}x"})
        bare = await http.get("/metrics", headers={"Authorization": token})
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        health = await http.get("/health")

    for answer in (missing, wrong, bare):
        refused(answer, 401, "Unauthorized")
        assert "microblog_" not in answer.text
    assert right.status_code == 200
    assert "microblog_http_requests_total" in right.text
    assert health.status_code == 200
