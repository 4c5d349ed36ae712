"""Test fixtures: a real PostgreSQL, a real image_saver, a clean slate per test.

The database server is TEST_DATABASE_URL when given, otherwise an embedded
PostgreSQL that this test session starts and deletes. Either way the tests run in
a database of their own, created here and dropped at the end, with the schema
built by Alembic. image_saver runs as its own process, storing in a temporary
folder, as `python -m app serve` runs it.
"""

import asyncio
import io
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.core import migrations
from app.core.config import Settings
from app.core.embedded_db import UNICODE_LOCALE, ensure_database, start_server
from app.core.embedded_images import RunningImageSaver, start_image_saver, stop
from app.core.models import Base
from app.handlers.users.actions import create_user
from app.main import create_app

ROOT = Path(__file__).resolve().parents[1]


def _server_url() -> Iterator[str]:
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        url = Settings(database_url=given, _env_file=None).database_url
        assert url is not None
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="microblog-test-pg-") as tmp:
        server = start_server(Path(tmp) / "pg", cleanup_mode="delete")
        yield ensure_database(server, "postgres")
        server.cleanup()


async def _admin(url: str, statement: str) -> Any:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    yield from _server_url()


@pytest.fixture(scope="session")
def make_database(server_url: str) -> Iterator[Callable[[], str]]:
    """Create empty databases on the test server; all are dropped at the end."""
    created: list[str] = []

    # As the app's embedded database is made, where the server can (PostgreSQL 17+).
    version = int(asyncio.run(_admin(server_url, "SHOW server_version_num")))
    options = UNICODE_LOCALE if version >= 170000 else ""

    def make() -> str:
        name = f"microblog_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}" {options}'))
        created.append(name)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(make_database: Callable[[], str]) -> str:
    url = make_database()
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
def images_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="microblog-test-images-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def image_saver(images_dir: Path) -> Iterator[RunningImageSaver]:
    running = start_image_saver(images_dir, max_upload_bytes=MAX_UPLOAD_BYTES)
    yield running
    stop(running.process)


MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def make_settings(
    database_url: str, image_saver: RunningImageSaver | None = None, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "data_dir": Path(tempfile.gettempdir()) / "microblog-test-data",
        "max_tweet_length": 280,
        "max_upload_bytes": MAX_UPLOAD_BYTES,
        # Tests run the cleanup themselves, when they mean to.
        "media_cleanup_interval_seconds": 0,
        # Tests make many requests as one person; tests/test_rate_limit.py turns these on.
        "rate_limit_reads_per_minute": 0,
        "rate_limit_writes_per_minute": 0,
        "rate_limit_uploads_per_minute": 0,
    }
    if image_saver is not None:
        values |= {"image_saver_url": image_saver.url, "image_saver_token": image_saver.token}
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def app_settings(database_url: str, image_saver: RunningImageSaver) -> Callable[..., Settings]:
    """Settings for an app of a test's own, on the test database and image_saver."""

    def make(**overrides: object) -> Settings:
        url = str(overrides.pop("database_url", database_url))
        return make_settings(url, image_saver, **overrides)

    return make


@pytest.fixture(scope="session")
async def app(database_url: str, image_saver: RunningImageSaver) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url, image_saver))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from empty tables with ids from 1."""
    yield
    if "database_url" not in request.fixturenames:
        return
    url = request.getfixturevalue("database_url")
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    await _admin(url, f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@asynccontextmanager
async def running(app: FastAPI | Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """An app of a test's own (or one made from `app` settings), its lifespan running,
    with a client; a crash comes back as the 500 envelope."""
    application = app if isinstance(app, FastAPI) else create_app(app)
    transport = ASGITransport(app=application, raise_app_exceptions=False)
    async with (
        application.router.lifespan_context(application),
        AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield application, http


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    # raise_app_exceptions=False: a crash must come back as the 500 envelope.
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session straight on the test database, for arranging and checking rows."""
    async with app.state.sessionmaker() as db_session:
        yield db_session


@dataclass
class Person:
    id: int
    name: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"api-key": self.api_key}


MakePerson = Callable[..., Awaitable[Person]]


@pytest.fixture
def make_person(app: FastAPI) -> MakePerson:
    async def make(name: str = "Ann", *, admin: bool = False) -> Person:
        async with app.state.sessionmaker() as db_session, db_session.begin():
            user, key = await create_user(db_session, name, is_admin=admin)
        return Person(user.id, user.name, key)

    return make


MakeMedia = Callable[..., Awaitable[int]]


@pytest.fixture
def make_media(client: AsyncClient) -> MakeMedia:
    """Upload a picture through the API, as a person would; returns its media id."""

    async def make(owner: Person, data: bytes | None = None) -> int:
        picture = data if data is not None else png_picture()
        response = await client.post(
            "/api/medias", files={"file": ("picture.png", picture)}, headers=owner.headers
        )
        assert response.status_code == 201, response.text
        media_id: int = response.json()["media_id"]
        return media_id

    return make


def stored_files(images_dir: Path) -> set[str]:
    """Names of the pictures image_saver keeps under `images_dir` (staged files aside)."""
    return {p.name for p in images_dir.rglob("*") if p.is_file() and ".staging" not in p.parts}


async def count_rows(session: AsyncSession, model: type[Base]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def png_picture(width: int = 32, height: int = 24, colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def json_or_raw(body: object, headers: dict[str, str]) -> dict[str, Any]:
    """httpx arguments for a JSON body; a str is sent as raw JSON text."""
    if isinstance(body, str):
        raw_headers = headers | {"content-type": "application/json"}
        return {"content": body.encode(), "headers": raw_headers}
    return {"json": body, "headers": headers}
