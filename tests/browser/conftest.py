"""Browser tests: headless Chromium (Playwright) against the real service, run as `serve` runs.

Playwright's ASYNC API, on purpose: its sync API cannot share a thread with
pytest-asyncio. After every sync call it marks its own event loop as the thread's
running loop, so the next async fixture of the suite (`_clean_tables` is autouse)
fails with "Runner.run() cannot be called from a running event loop". So browser
tests are `async def`, run on the session's loop like the rest of the suite:

    async def test_feed(page: Page, live_service: LiveService) -> None:
        ann = live_service.create_person("Ann")
        await page.goto("/")                      # relative to live_service.base_url
        await expect(page.get_by_role("heading")).to_have_text("Microblog")
        await shot(page, "feed")                  # test-artifacts/screenshots/feed.png

(`LiveService`, `BrowserErrors`, `NewPage` and `shot` are in harness.py.)

Chromium is the machine's own (`playwright install` downloads nothing here):
CHROMIUM_PATH, else /usr/bin/chromium, else `chromium` / `chromium-browser` on PATH.
Without it the tests are skipped, and in CI (CI set) they fail.
"""

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from tests.browser.harness import (
    CHROMIUM_ARGS,
    NO_CHROMIUM,
    BrowserErrors,
    LiveService,
    NewPage,
    find_chromium,
    serving,
    shot,
)
from tests.helpers.cli import unavailable

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

# Playwright's 5 s for `expect` is short for a cold page (modules, two API calls,
# uploads through image_saver) on a loaded two-core CI machine; a pass is not slower.
expect.set_options(timeout=15_000)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser is of the slow kind `browser` (pyproject.toml),
    marked here before `-m` chooses, so that no file of this folder can forget it."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test, so that `new_page` can tell a failed test."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session", autouse=True)
def chromium_path() -> str:
    """The Chromium to drive; skips every browser test without one (fails them in CI)."""
    found = find_chromium()
    if found is None:
        unavailable(NO_CHROMIUM, "browser tests")
    return found


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session; each test gets its own context."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture(scope="module")
def live_service(
    make_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveService]:
    """`python -m app serve` on a fresh database, with the image_saver it starts itself.

    One per test module: tests in a module share its data, so each makes its own people.
    """
    with serving(make_database(), tmp_path_factory.mktemp("live-service")) as service:
        yield service


@pytest.fixture
def locale() -> str:
    """The browser's language; override it, or `@pytest.mark.parametrize("locale", [...])`."""
    return "en-US"


@pytest.fixture
def viewport() -> ViewportSize:
    """The window size; override like `locale` (e.g. {"width": 390, "height": 844})."""
    return {"width": 1280, "height": 800}


@pytest.fixture
def context_options() -> dict[str, Any]:
    """More `browser.new_context` options for every page of a test (timezone_id, ...)."""
    return {}


@pytest.fixture
def browser_errors() -> BrowserErrors:
    """Console errors and page errors of the test's pages; `.allow(regex)` expected ones."""
    return BrowserErrors()


@pytest.fixture
async def new_page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_service: LiveService,
    locale: str,
    viewport: ViewportSize,
    context_options: dict[str, Any],
    browser_errors: BrowserErrors,
) -> AsyncIterator[NewPage]:
    """Open a page in a browser context of its own (a second person, say).

    `await new_page(locale="ru-RU", viewport=..., **new_context_options)`; by default
    the test's `locale`, `viewport` and `context_options`. Relative URLs go to the live
    service. At teardown: a screenshot of each page if the test failed, and the test
    fails if a page logged a console error or threw an uncaught exception.
    """
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    async def open_page(**options: Any) -> Page:
        settings = {
            "base_url": live_service.base_url,
            "locale": locale,
            "viewport": viewport,
            **context_options,
            **options,
        }
        context = await browser.new_context(**settings)
        # The page must work with no internet: any request elsewhere fails the test.
        await context.route(
            lambda url: not url.startswith(live_service.base_url), browser_errors.refuse
        )
        contexts.append(context)
        page = await context.new_page()
        browser_errors.watch(page)
        pages.append(page)
        return page

    yield open_page

    reports = request.node.stash.get(_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    errors = browser_errors.unexpected()
    if failed or errors:
        for number, page in enumerate(pages, 1):
            if not page.is_closed():
                name = f"FAILED-{request.node.nodeid}-{number}"
                try:
                    await shot(page, name)
                except Exception as error:  # a broken page must not hide the real failure
                    print(f"no screenshot of page {number}: {error}")
    for context in contexts:
        await context.close()
    if errors:
        pytest.fail(
            "the page logged errors:\n" + "\n".join(f"  - {e}" for e in errors), pytrace=False
        )


@pytest.fixture
async def page(new_page: NewPage) -> Page:
    """A fresh page in a fresh browser context (see `new_page`)."""
    return await new_page()
