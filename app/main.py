"""The FastAPI application: routers, error handlers and the resources it owns."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from functools import partial

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.core import logs
from app.core.config import Settings, load_settings
from app.core.database import create_engine, create_sessionmaker
from app.core.image_service import ImageService
from app.core.owners import Owners
from app.core.raw_pool import connect_arguments, create_raw_pool
from app.core.reads import DatabaseServer, Reads
from app.core.recent import Recent
from app.handlers.admin.router import router as admin_router
from app.handlers.announcements.router import router as announcements_router
from app.handlers.auth.provider import OidcProvider
from app.handlers.auth.router import router as auth_router
from app.handlers.export.router import router as export_router
from app.handlers.fast.router import FastReads
from app.handlers.hashtags.router import router as hashtags_router
from app.handlers.health.actions import READY_FOR_SECONDS, check_ready
from app.handlers.health.router import router as health_router
from app.handlers.limits.router import router as limits_router
from app.handlers.media.router import router as media_router
from app.handlers.notifications.router import router as notifications_router
from app.handlers.reports.router import router as reports_router
from app.handlers.search.router import router as search_router
from app.handlers.sessions.router import router as sessions_router
from app.handlers.tweets.router import router as tweets_router
from app.handlers.users.router import router as users_router
from app.live.hub import Live
from app.live.listener import CHANNEL
from app.observability import (
    COUNT_RETRY_SECONDS,
    STORED_FOR_SECONDS,
    Telemetry,
    count_stored_pictures,
    watch_pool,
)
from app.observability import router as metrics_router
from app.web import frontend
from app.web.docs import add_docs
from app.web.errors import register_error_handlers
from app.web.middleware import BodyLimit, CatchAll, SafetyHeaders
from app.web.picture_downloads import PictureDownloads
from app.web.rate_counters import create_limiter
from app.web.rate_limit import RateLimit
from app.web.replica_reads import ReplicaReads
from app.workers.media_janitor import MediaJanitor

# Room for the multipart framing around an uploaded file.
UPLOAD_FRAMING_BYTES = 64 * 1024

DESCRIPTION = """
A corporate microblog: post short texts with pictures, follow colleagues, like
posts and read a feed of what the people you follow post, most liked first.

Every request of a person carries their personal key in the `api-key` header:
press **Authorize** and paste it. Errors always answer
`{"result": false, "error_type": ..., "error_message": ...}`.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # The one HTTP client to image_saver, shared by every request.
    app.state.images = images = ImageService.connect(settings)
    # The identity provider's client, with its discovery document and keys once fetched.
    app.state.oidc = oidc = OidcProvider(settings) if settings.oidc_issuer else None
    engine = create_engine(settings)
    watch_pool(engine)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    pool = await create_raw_pool(settings, engine)
    replicas = [
        await _server(settings, f"replica-{number}", url)
        for number, url in enumerate(settings.database_replica_urls, start=1)
    ]
    app.state.reads = reads = Reads(
        DatabaseServer("primary", engine, app.state.sessionmaker, pool),
        replicas,
        settings.replica_max_lag_seconds,
        CHANNEL,
    )
    app.state.janitor = janitor = MediaJanitor(app.state.sessionmaker, images, settings)
    app.state.readiness = Recent(partial(check_ready, engine, images), READY_FOR_SECONDS)
    app.state.stored_pictures = Recent(
        partial(count_stored_pictures, app.state.sessionmaker),
        STORED_FOR_SECONDS,
        failed_for=COUNT_RETRY_SECONDS,
    )
    app.state.limiter = limiter = create_limiter(settings.redis_url)
    # Its own connection, to the engine's database (not one of the pool's).
    app.state.live = live = Live(
        app.state.sessionmaker,
        connect_arguments(engine),
        per_person=settings.max_event_streams_per_person,
        queue_size=settings.event_stream_queue_size,
    )
    # Whose each api key is, remembered while the live-updates channel is heard.
    app.state.owners = owners = Owners(
        app.state.reads.primary, live.listener, timedelta(minutes=settings.session_idle_minutes)
    )
    live.on_credentials_changed.append(owners.forget_user)
    live.on_write_position = reads.heard
    reads.channel = live.listener
    await live.start()
    await reads.start()
    cleanup = None
    if settings.media_cleanup_interval_seconds:
        cleanup = asyncio.create_task(
            janitor.run_periodically(settings.media_cleanup_interval_seconds),
            name="media-cleanup",
        )
    # Everything made so far (modules, the app, its schemas and statements) lives as long
    # as the process: out of the collector's sight, so that a full collection does not
    # walk it again each time. With 2,000 event streams open such a pass took 0.4 s, all
    # of this worker's requests and events waiting on it.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        await live.stop()  # first: the streams end before what they use goes
        await reads.stop()
        if cleanup is not None:
            cleanup.cancel()
            with suppress(asyncio.CancelledError):
                await cleanup
        await images.aclose()
        if oidc is not None:
            await oidc.aclose()
        await limiter.aclose()
        for replica in replicas:
            await replica.pool.close()
            await replica.engine.dispose()
        await pool.close()
        await engine.dispose()


async def _server(settings: Settings, name: str, url: str) -> DatabaseServer:
    """A read replica's engine, sessions and raw pool."""
    engine = create_engine(settings, url)
    return DatabaseServer(
        name, engine, create_sessionmaker(engine), await create_raw_pool(settings, engine)
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    logs.configure(settings.log_level)
    app = FastAPI(
        title="Microblog",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # /docs is served by app.web.docs from local files, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    register_error_handlers(app)
    # Outermost last: CatchAll sees every error the app itself did not answer.
    if settings.database_replica_urls:
        # Innermost of all, around the routes only (the fast reads retry on their own):
        # a replica read's error answer is held back before anything sees it.
        app.add_middleware(ReplicaReads, settings=settings)
    # Innermost: served after every other layer has had its say (rate limit, telemetry).
    app.add_middleware(
        FastReads,
        likers_per_tweet=settings.likers_per_tweet,
        idle_minutes=settings.session_idle_minutes,
        enabled=settings.fast_reads,
    )
    upload_limit = settings.max_upload_bytes + UPLOAD_FRAMING_BYTES
    app.add_middleware(
        BodyLimit,
        limit=settings.max_request_bytes,
        larger={
            "/api/medias": (
                upload_limit,
                f"The file is larger than {settings.max_upload_bytes:,} bytes",
            )
        },
    )
    app.add_middleware(PictureDownloads, per_address=settings.max_picture_downloads_per_address)
    # Before any body is read: a caller over budget costs us nothing more.
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(CatchAll)
    # Outside CatchAll: its id, log line and metrics cover the 500s CatchAll writes too.
    app.add_middleware(Telemetry)
    app.add_middleware(SafetyHeaders)  # on every answer, the 500s and 429s included
    if settings.cors_origins:
        # Off unless configured: a page of another site may not call the API.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["api-key", "content-type"],
            max_age=600,
        )
    app.include_router(tweets_router)
    app.include_router(export_router)  # before the users': /me/export is not a person
    app.include_router(users_router)
    app.include_router(media_router)
    app.include_router(notifications_router)
    app.include_router(search_router)
    app.include_router(hashtags_router)
    app.include_router(reports_router)
    app.include_router(admin_router)
    app.include_router(announcements_router)
    app.include_router(limits_router)
    app.include_router(sessions_router)
    app.include_router(auth_router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    add_docs(app)
    # Last: it answers every GET path the routes above do not.
    app.include_router(frontend.router)
    return app
