"""The FastAPI application: routers, error handlers and the resources it owns."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.core.config import Settings, load_settings
from app.core.database import create_engine, create_sessionmaker
from app.handlers import frontend, health
from app.handlers.errors import register_error_handlers
from app.handlers.middleware import BodyLimit, CatchAll
from app.handlers.tweets.router import router as tweets_router
from app.handlers.users.router import router as users_router

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
    engine = create_engine(settings)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    try:
        yield
    finally:
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    logging.getLogger("app").setLevel(settings.log_level.upper())
    app = FastAPI(
        title="Microblog",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    register_error_handlers(app)
    # Outermost last: CatchAll sees every error the app itself did not answer.
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(CatchAll)
    app.include_router(tweets_router)
    app.include_router(users_router)
    app.include_router(health.router)
    # Last: it answers every GET path the routes above do not.
    app.include_router(frontend.router)
    return app
