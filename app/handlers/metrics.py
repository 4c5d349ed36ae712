"""GET /metrics: Prometheus text format. Request counts and latencies come from
app.handlers.telemetry, database connections from the pool's events; the stored
pictures are counted when scraped. With several worker processes, set
PROMETHEUS_MULTIPROC_DIR (`serve --workers` does) and every worker answers for all."""

import logging
import os
import time

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.models import Media

logger = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

# Summing every picture's size is a scan of the media table: once a minute is enough.
STORED_FOR_SECONDS = 60.0

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


async def _stored_pictures(request: Request) -> tuple[int, int] | None:
    """(pictures, bytes) in the database, at most a minute old; None if it does not answer."""
    state = request.app.state
    cached: tuple[float, tuple[int, int]] | None = getattr(state, "stored_pictures", None)
    if cached is not None and time.monotonic() - cached[0] < STORED_FOR_SECONDS:
        return cached[1]
    try:
        async with state.sessionmaker() as session:
            row = (
                await session.execute(select(func.count(), func.coalesce(func.sum(Media.size), 0)))
            ).one()
    except Exception as error:  # metrics must answer even while the database is away
        logger.warning("cannot count stored pictures: %r", error)
        return None
    stored = (int(row[0]), int(row[1]))
    state.stored_pictures = (time.monotonic(), stored)
    return stored


class _ReadNow:
    """Values read at this scrape (the same for every worker), as metric families:
    Gauge objects made per scrape would, in multiprocess mode, each write a file."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self.families


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics: requests by route and status, latency, database "
    "connections, stored pictures",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics(request: Request) -> Response:
    families = []
    stored = await _stored_pictures(request)
    if stored is not None:
        families.append(
            GaugeMetricFamily("microblog_images_stored", "Pictures stored", value=stored[0])
        )
        families.append(
            GaugeMetricFamily(
                "microblog_images_stored_bytes", "Bytes of pictures stored", value=stored[1]
            )
        )
    now = CollectorRegistry()
    now.register(_ReadNow(families))
    body = generate_latest(_requests_registry()) + generate_latest(now)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
