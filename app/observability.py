"""What operators see, all in one place.

- Each request: an id (taken from `X-Request-ID` or made up, and sent back), one
  JSON log line, and Prometheus metrics by route template and status (`Telemetry`).
  No header is logged, so api keys never reach the log.
- The database pool's connections, counted by the pool's own events (`watch_pool`).
- Read replicas: each one's lag and whether it answers, as this worker last polled
  them (read at the scrape), and the reads each server was given.
- Live updates: the event streams open and those dropped as too slow (app/live/broker.py),
  and the LISTEN connection's reconnects (app/live/listener.py).
- `GET /metrics` in Prometheus text format, with the stored pictures counted when
  scraped. With several worker processes, set PROMETHEUS_MULTIPROC_DIR (`serve
  --workers` does) and every worker answers for all. With METRICS_TOKEN set, only
  a scraper that sends it is answered.
- The picture count is reused (`app.core.recent.Recent`): a flood of scrapes costs
  each worker one count at a time, not one per request.
"""

import hmac
import logging
import os
import re
import uuid
from time import perf_counter
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import Message, Receive, Scope, Send

from app.core import logs
from app.core.exceptions import Unauthorized
from app.core.models import Media
from app.web.middleware import HttpMiddleware

logger = logging.getLogger(__name__)
access_log = logging.getLogger("app.access")
router = APIRouter(tags=["operations"])

# Series of when each counter was created double the output and say little.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Any other method is counted as "other": a label per made-up method would grow forever.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

# A caller's id is kept only if it is short and plain (it goes into headers and logs).
_GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

REQUESTS = Counter(
    "microblog_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "microblog_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Kept up to date by the pool's own events; "livesum" adds up the live worker processes.
POOL_IN_USE = Gauge(
    "microblog_db_pool_connections_in_use",
    "Database connections lent to requests now, all worker processes together",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "microblog_db_pool_connections_open",
    "Database connections open now, all worker processes together",
    multiprocess_mode="livesum",
)
EVENT_STREAMS_OPEN = Gauge(
    "microblog_event_streams_open",
    "Event streams (GET /api/events) open now, all worker processes together",
    multiprocess_mode="livesum",
)
EVENT_STREAMS_DROPPED = Counter(
    "microblog_event_streams_dropped",
    "Event streams ended because their client read slower than their events came",
)
# Counted only with read replicas configured (app/core/reads.py).
READS = Counter(
    "microblog_db_reads",
    "Reads given to each database server (primary, replica-1, ...)",
    ["server"],
)
LISTENER_RECONNECTS = Counter(
    "microblog_events_listener_reconnects",
    "Times a worker's LISTEN connection for live updates was made again after it was lost",
)

# Summing every picture's size is a scan of the media table: once a minute is enough.
STORED_FOR_SECONDS = 60.0
# After the count failed (the database away), a scrape tries again this much later.
COUNT_RETRY_SECONDS = 5.0


def _route_template(scope: Scope) -> str:
    # The template ("/api/tweets/{tweet_id}"), never the path: ids would make a new
    # series per tweet. A request that matched no route is counted as such.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class Telemetry(HttpMiddleware):
    """The request id, the access log line and the request metrics of every request."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        given_id = given.decode("latin-1")
        request_id = given_id if _GIVEN_ID.fullmatch(given_id) else uuid.uuid4().hex
        token = logs.request_id.set(request_id)
        status = 500  # if no answer starts, the server sends a 500
        started = perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = perf_counter() - started
            route = _route_template(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route, str(status)).observe(seconds)
            access_log.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": (scope.get("client") or ("-",))[0],
                },
            )
            logs.request_id.reset(token)


def watch_pool(engine: AsyncEngine) -> None:
    """Count the engine's connections in the pool gauges."""
    pool = engine.sync_engine.pool
    event.listen(pool, "connect", lambda *_: POOL_OPEN.inc())
    event.listen(pool, "close", lambda *_: POOL_OPEN.dec())
    event.listen(pool, "close_detached", lambda *_: POOL_OPEN.dec())
    event.listen(pool, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: POOL_IN_USE.dec())


def _requests_registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


async def count_stored_pictures(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """(pictures, bytes) in the database."""
    try:
        async with sessionmaker() as session:
            row = (
                await session.execute(select(func.count(), func.coalesce(func.sum(Media.size), 0)))
            ).one()
    except Exception as error:
        logger.warning("cannot count stored pictures: %r", error)
        raise
    return int(row[0]), int(row[1])


async def _scraper(request: Request) -> None:
    """With METRICS_TOKEN set, only a caller sending it may read the metrics."""
    token = request.app.state.settings.metrics_token.get_secret_value()
    given = request.headers.get("authorization", "")
    if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("Send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`")


class _ReadNow:
    """Values read at this scrape (the same for every worker), as metric families:
    Gauge objects made per scrape would, in multiprocess mode, each write a file."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self.families


def _replica_families(replicas: list[dict[str, Any]]) -> list[GaugeMetricFamily]:
    if not replicas:
        return []
    up = GaugeMetricFamily(
        "microblog_db_replica_up", "1 while the read replica answers", labels=["replica"]
    )
    seconds = GaugeMetricFamily(
        "microblog_db_replica_lag_seconds",
        "How long ago the primary had what the read replica has not replayed yet",
        labels=["replica"],
    )
    size = GaugeMetricFamily(
        "microblog_db_replica_lag_bytes",
        "WAL the read replica has yet to replay",
        labels=["replica"],
    )
    for replica in replicas:
        up.add_metric([replica["name"]], 1 if replica["up"] else 0)
        if replica["lag_seconds"] is not None:
            seconds.add_metric([replica["name"]], replica["lag_seconds"])
        if replica["lag_bytes"] is not None:
            size.add_metric([replica["name"]], replica["lag_bytes"])
    return [up, seconds, size]


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics: requests by route and status, latency, database "
    "connections, stored pictures (with METRICS_TOKEN set: `Authorization: Bearer <token>`)",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
    dependencies=[Depends(_scraper)],
)
async def metrics(request: Request) -> Response:
    families = []
    try:
        stored: tuple[int, int] | None = await request.app.state.stored_pictures.get()
    except Exception:  # metrics must answer even while the database is away
        stored = None
    if stored is not None:
        families.append(
            GaugeMetricFamily("microblog_images_stored", "Pictures stored", value=stored[0])
        )
        families.append(
            GaugeMetricFamily(
                "microblog_images_stored_bytes", "Bytes of pictures stored", value=stored[1]
            )
        )
    families += _replica_families(request.app.state.reads.health())
    now = CollectorRegistry()
    now.register(_ReadNow(families))
    body = generate_latest(_requests_registry()) + generate_latest(now)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
