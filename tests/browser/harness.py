"""What browser tests use besides fixtures: finding Chromium, the live service, screenshots."""

import os
import re
import shutil
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import ConsoleMessage, Error, FilePayload, Locator, Page, Route, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser.language import tr
from tests.helpers.api import Person, ServiceApi
from tests.helpers.cli import (
    SCREENSHOTS,
    image_saver_url,
    printed_admin_key,
    start_serve,
    stop_serve,
    stops_answering,
)

# The `new_page` fixture: `await new_page(locale="ru-RU", **other_new_context_options)`.
NewPage = Callable[..., Awaitable[Page]]

# Headless Chromium as root in a container: no sandbox, no GPU, nothing fetched from outside.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

NO_CHROMIUM = "Chromium not found (install it: apt-get install -y chromium, or set CHROMIUM_PATH)"


def find_chromium() -> str | None:
    """CHROMIUM_PATH when set (None if it is not an executable), else the usual places."""
    given = os.environ.get("CHROMIUM_PATH")
    if given:
        return given if os.path.isfile(given) and os.access(given, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class LiveService:
    """`python -m app serve` running as its own process, with its own image_saver.

    `api` makes any request (`api("GET", path, key)`) and the common moves
    (`api.tweet(person, text)`, `api.follow(person, followee)`, `api.like`, ...)."""

    base_url: str
    admin_key: str
    image_saver_url: str
    data_dir: Path
    log: Path
    api: ServiceApi = field(repr=False)
    # Its database, for arranging what the API cannot (yet) do.
    database_url: str = field(default="", repr=False)

    async def execute(self, statement: str, **params: object) -> None:
        """Run one SQL statement on the service's database, committed."""
        engine = create_async_engine(self.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(statement), params)
        finally:
            await engine.dispose()

    def create_person(self, name: str = "Ann", *, admin: bool = False) -> Person:
        """Create a person with `POST /api/users` as the administrator."""
        return self.api.create_person(self.admin_key, name, is_admin=admin)

    def handle(self, person: Person) -> str:
        """The person's handle (`alee`), as every user shape has it."""
        answer = self.api("GET", f"/api/users/{person.id}", key=person.api_key)
        assert answer.status_code == 200, answer.text
        handle: str = answer.json()["user"]["handle"]
        return handle

    def reply(self, author: Person, parent_id: int, text: str) -> int:
        """Post `text` as a reply to tweet `parent_id`; its id."""
        body = {"tweet_data": text, "reply_to": parent_id}
        answer = self.api("POST", "/api/tweets", key=author.api_key, json=body)
        assert answer.status_code == 201, answer.text
        tweet_id: int = answer.json()["tweet_id"]
        return tweet_id

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(
    database_url: str, folder: Path, *, port: int | None = None, **more: str
) -> Iterator[LiveService]:
    """`python -m app serve` on `database_url` (a fresh one), with the image_saver it
    starts itself, its data and log under `folder`; `more` settings (environment
    variables) on top; on `port`, else a free one."""
    log = folder / "serve.log"
    settings = {
        # serve applies the migrations itself.
        "DATABASE_URL": database_url,
        # No IMAGE_SAVER_URL: serve starts image_saver, storing under DATA_DIR/images.
        "DATA_DIR": str(folder / "data"),
        # Its administrator creates every person of a module, faster than anyone would;
        # the other budgets stay as shipped.
        "RATE_LIMIT_WRITES_PER_MINUTE": "100000",
    } | more
    process, base_url = start_serve(log, settings=settings, port=port)
    try:
        admin_key = printed_admin_key(log)
        images = image_saver_url(log)
        api = ServiceApi(base_url)
        try:
            yield LiveService(base_url, admin_key, images, folder / "data", log, api, database_url)
        finally:
            api.close()
    finally:
        stop_serve(process)
    assert process.returncode == 0, log.read_text()
    assert stops_answering(images), f"image_saver at {images} outlived serve"


@dataclass
class BrowserErrors:
    """Console errors, uncaught exceptions and requests to other hosts of a test's pages.

    The `page` fixture fails the test at teardown if any appeared, unless it matches a
    pattern given to `allow` (for an error the test provokes on purpose).
    """

    seen: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.allowed)]

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    async def refuse(self, route: Route) -> None:
        """A route handler for requests that must not leave the service: noted, aborted."""
        self.seen.append(f"request outside the service: {route.request.url}")
        await route.abort()

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            self.seen.append(
                f"console.error: {message.text} "
                f"({where.get('url')}:{where.get('lineNumber')}:{where.get('columnNumber')})"
            )

    def _on_page_error(self, error: Error) -> None:
        self.seen.append(f"pageerror: {error.message}\n{error.stack or ''}".rstrip())


def screenshot_path(name: str) -> Path:
    safe = re.sub(r"[^\w.-]+", "_", name).strip("_") or "screenshot"
    return SCREENSHOTS / f"{safe}.png"


async def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as test-artifacts/screenshots/<name>.png; return its path."""
    path = screenshot_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path, full_page=full_page)
    return path


def file_payload(name: str, data: bytes, mime_type: str = "image/png") -> FilePayload:
    """A file for `set_input_files`, as if the person picked it on their disk."""
    return {"name": name, "mimeType": mime_type, "buffer": data}


async def sign_in(page: Page, person: Person | str) -> None:
    """Sign in on the sign-in page, in whatever language it speaks; with a person, wait
    until the app shows them in."""
    key = person if isinstance(person, str) else person.api_key
    await page.goto("/")
    await page.get_by_label(await tr(page, "signin.keyLabel")).fill(key)
    await page.get_by_role("button", name=await tr(page, "signin.submit")).click()
    if isinstance(person, Person):
        await expect(page.locator("[data-role=account-name]")).to_have_text(person.name)


async def picture_loads(page: Page, selector: str) -> None:
    """Wait until the first <img> matching `selector` has loaded real pixels."""
    await page.wait_for_function(
        "selector => { const img = document.querySelector(selector);"
        " return img !== null && img.complete && img.naturalWidth > 0; }",
        arg=selector,
    )


def tweet(page: Page, text: str) -> Locator:
    """The post card whose text includes `text`."""
    return page.locator("article.tweet", has_text=text)
