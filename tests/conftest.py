"""Test fixtures: a real PostgreSQL, a real image_saver, a clean slate per test.

The database server is TEST_DATABASE_URL when given, otherwise an embedded
PostgreSQL that this test session starts and deletes. Either way the tests run in
a database of their own, created here and dropped at the end, with the schema
built by Alembic. image_saver runs as its own process, storing in a temporary
folder, as `python -m app serve` runs it.

Only fixtures live here; what tests share besides them is in tests/helpers/.
Session fixtures are per pytest session: under pytest-xdist each worker has its own
database server, image_saver and folders.
"""

import asyncio
import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark.expression import Expression
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from app.core import migrations
from app.core.config import Settings
from app.core.embedded_db import UNICODE_LOCALE, ensure_database, start_server
from app.core.embedded_images import RunningImageSaver, start_image_saver, stop
from app.core.models import Base
from app.handlers.users.actions import create_user
from app.main import create_app
from image_saver.tests.seaweed import S3Server, seaweedfs_in_temp_folder
from tests.helpers.api import Api, MakePerson, Person
from tests.helpers.app import MAX_UPLOAD_BYTES, make_settings
from tests.helpers.cli import SCREENSHOTS
from tests.helpers.live import listening, serving
from tests.helpers.oidc import Provider, running_provider

# The slow kinds (pyproject.toml): a test file says its kind in a module-level
# `pytestmark = pytest.mark.<kind>`; everything under tests/browser/ is `browser`.
SLOW_KINDS = {"browser", "processes", "bench"}
_MODULE_KIND = re.compile(r"^pytestmark = pytest\.mark\.(\w+)$", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Files of a slow kind that `-m` leaves out (`dev.py test --quick`) are not even
    imported. Their tests would all be deselected anyway; importing them (Playwright,
    schemathesis, the benchmark) in each xdist worker, under coverage, took a fifth of
    a quick run. Only for -m expressions of the kinds alone, which no other mark of a
    test can change."""
    markexpr = str(config.getoption("markexpr") or "")
    names = set(re.findall(r"\w+", markexpr))
    if not names or not names <= SLOW_KINDS | {"and", "or", "not"}:
        return None
    kind: str | None = None
    if collection_path == Path(__file__).parent / "browser":
        kind = "browser"
    elif collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        found = _MODULE_KIND.search(collection_path.read_text())
        kind = found.group(1) if found else None
    if kind is None or Expression.compile(markexpr).evaluate(_Is(kind)):
        return None
    return True


class _Is:
    """An -m expression's matcher for a test that has the one mark `kind`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, name: str, /, **kwargs: str | int | bool | None) -> bool:
        return name == self.kind


def pytest_configure(config: pytest.Config) -> None:
    """Once a run, before any test (in the xdist controller, not in each worker, where
    it would delete what another worker's failed test had just saved): remove the
    failure screenshots of an earlier run."""
    if not hasattr(config, "workerinput"):
        for stale in SCREENSHOTS.glob("FAILED-*.png"):
            stale.unlink()


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


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real SeaweedFS S3 server, for tests of the app on an S3 image store."""
    with seaweedfs_in_temp_folder("microblog-test-s3-") as server:
        yield server


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """A real OpenID provider on a free local port (tests/helpers/oidc.py)."""
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DATA_DIR of the test session's apps (each xdist worker has a session of its own)."""
    return tmp_path_factory.mktemp("app-data")


@pytest.fixture
def app_settings(
    database_url: str, data_dir: Path, image_saver: RunningImageSaver
) -> Callable[..., Settings]:
    """Settings for an app of a test's own, on the test database and image_saver."""

    def make(**overrides: object) -> Settings:
        url = str(overrides.pop("database_url", database_url))
        return make_settings(url, data_dir, image_saver, **overrides)

    return make


@pytest.fixture(scope="session")
async def app(
    database_url: str, data_dir: Path, image_saver: RunningImageSaver
) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url, data_dir, image_saver))
    async with application.router.lifespan_context(application):
        yield application


# Empties every table and starts every id from 1 again. A few rows are deleted (a
# millisecond; children first, the queue the media trigger fills last); a test that
# made many is truncated (some 20 ms whatever the size, but 20 ms for every test of
# the suite would be many seconds).
_EMPTY_TABLES = f"""DO $$ BEGIN
IF EXISTS (SELECT FROM pg_sequences
           WHERE schemaname = current_schema() AND last_value > 1000) THEN
    TRUNCATE {", ".join(t.name for t in Base.metadata.sorted_tables)} RESTART IDENTITY CASCADE;
ELSE
    {" ".join(f"DELETE FROM {t.name};" for t in reversed(Base.metadata.sorted_tables))}
    PERFORM setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
    FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL;
END IF;
END $$"""


class _TableCleaner:
    """One connection for emptying the tables after each test, made at first use."""

    def __init__(self) -> None:
        self.engine: AsyncEngine | None = None

    async def empty(self, url: str) -> None:
        if self.engine is None:
            self.engine = create_async_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
        async with self.engine.connect() as connection:
            await connection.execute(text(_EMPTY_TABLES))

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()


@pytest.fixture(scope="session")
async def _table_cleaner() -> AsyncIterator[_TableCleaner]:
    cleaner = _TableCleaner()
    yield cleaner
    await cleaner.close()


@pytest.fixture(autouse=True)
async def _clean_tables(
    request: pytest.FixtureRequest, _table_cleaner: _TableCleaner
) -> AsyncIterator[None]:
    """Every test starts from empty tables with ids from 1."""
    yield
    if "database_url" not in request.fixturenames:
        return
    await _table_cleaner.empty(request.getfixturevalue("database_url"))


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


@pytest.fixture
def make_person(app: FastAPI) -> MakePerson:
    async def make(name: str = "Ann", *, admin: bool = False) -> Person:
        async with app.state.sessionmaker() as db_session, db_session.begin():
            user, key = await create_user(db_session, name, is_admin=admin)
        return Person(user.id, user.name, key)

    return make


@pytest.fixture
async def served(app_settings: Callable[..., Settings]) -> AsyncIterator[tuple[FastAPI, str]]:
    """An app of the test's own behind uvicorn, listening for live updates; (the app,
    its base URL)."""
    application = create_app(app_settings())
    async with serving(application) as base:
        await listening(application)
        yield application, base


@pytest.fixture
def api(client: AsyncClient) -> Api:
    """The common moves (post, upload, follow, like, read the feed, ...) through `client`."""
    return Api(client)
