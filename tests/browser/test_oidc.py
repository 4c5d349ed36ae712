"""Signing in with the company account in Chromium, against a real OpenID provider
(tests/helpers/oidc.py) and `serve` configured for it: the button, the provider's
page, landing signed in by the cookie alone (posting, live updates), the sessions
page, signing out, and the refusals explained in both languages."""

from collections.abc import Callable, Iterator

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from app.core.embedded_images import free_port
from tests.browser.harness import LiveService, NewPage, serving
from tests.browser.language import tr
from tests.helpers.oidc import Provider


@pytest.fixture(scope="module")
def live_service(
    make_database: Callable[[], str],
    tmp_path_factory: pytest.TempPathFactory,
    oidc_provider: Provider,
) -> Iterator[LiveService]:
    """`serve` signing people in at the test provider, making them on first sign-in."""
    port = free_port()
    settings = oidc_provider.env(f"http://127.0.0.1:{port}", oidc_auto_create=True)
    folder = tmp_path_factory.mktemp("oidc-service")
    with serving(make_database(), folder, port=port, **settings) as service:
        yield service


async def _no_stylesheet(route: Route) -> None:
    await route.fulfill(status=200, content_type="text/css", body="")


async def reach_provider(context: BrowserContext, provider: Provider) -> None:
    """Let the pages reach the provider as well as the service (its login page's
    stylesheet from the internet is answered empty, here: nothing leaves the machine)."""
    await context.route(f"{provider.url}/**", lambda route: route.continue_())
    await context.route("https://cdn.jsdelivr.net/**", _no_stylesheet)


async def sign_in_at_provider(page: Page, provider: Provider, email: str) -> None:
    """From the sign-in page: the button, then the provider's login page as `email`."""
    button = page.get_by_role("link", name=await tr(page, "signin.oidc", provider="Test SSO"))
    await button.click()
    await page.wait_for_url(f"{provider.url}/**")
    await page.get_by_placeholder("sub").fill(email)
    await page.get_by_role("button", name="Authorize").click()


async def test_signing_in_with_the_company_account(
    page: Page, live_service: LiveService, oidc_provider: Provider
) -> None:
    oidc_provider.person("anna.flow@example.com", name="Anna Flow")
    await reach_provider(page.context, oidc_provider)
    # Signed out, on a page of the app: the sign-in page offers the company account.
    await page.goto("/people")
    await expect(page.get_by_role("link", name="Sign in with Test SSO")).to_be_visible()
    await sign_in_at_provider(page, oidc_provider, "anna.flow@example.com")

    # Back where she was, signed in by the cookie alone: no key in the browser.
    await page.wait_for_url(f"{live_service.base_url}/people")
    await expect(page.locator("[data-role=account-name]")).to_have_text("Anna Flow")
    assert await page.evaluate("localStorage.getItem('microblog.apiKey')") is None
    cookies = await page.context.cookies()
    assert [c["name"] for c in cookies] == ["microblog_session"]
    assert cookies[0]["httpOnly"]
    assert cookies[0]["sameSite"] == "Lax"

    # She posts (a write: the cookie and X-Requested-With).
    await page.get_by_role("link", name=await tr(page, "nav.home")).click()
    composer = page.locator("form.composer")
    await composer.get_by_label(await tr(page, "composer.label")).fill("Hello from SSO")
    await composer.get_by_role("button", name=await tr(page, "composer.post")).click()
    await expect(page.locator(".tweet", has_text="Hello from SSO")).to_be_visible()

    # Live updates reach her stream too: a colleague with a key mentions her.
    bob = live_service.create_person("Bob")
    anna = live_service.api("GET", "/api/users?q=anna", key=bob.api_key).json()["users"][0]
    live_service.api(
        "POST", "/api/tweets", key=bob.api_key, json={"tweet_data": f"hi @{anna['handle']}"}
    )
    bell = page.locator("[data-role=bell]")
    await expect(bell).to_have_attribute("aria-label", "1 unread notification")

    # Reload: still signed in (the server says the cookie opens a session).
    await page.reload()
    await expect(page.locator("[data-role=account-name]")).to_have_text("Anna Flow")

    # Her sessions, from her profile.
    await page.get_by_role("link", name=await tr(page, "nav.profile")).click()
    await page.get_by_role("link", name=await tr(page, "sessions.link")).click()
    await page.wait_for_url("**/sessions")
    rows = page.locator("[data-role=sessions] li")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(await tr(page, "sessions.current"))
    await expect(rows.first).to_contain_text("Chrome")

    # Signing out ends the session at the server: a reload stays signed out.
    await page.get_by_role("button", name=await tr(page, "nav.signOut"), exact=True).click()
    await expect(page.get_by_label(await tr(page, "signin.keyLabel"))).to_be_visible()
    assert await page.context.cookies() == []
    await page.reload()
    await expect(page.get_by_role("link", name="Sign in with Test SSO")).to_be_visible()


async def test_ending_sessions_from_another_browser(
    new_page: NewPage, live_service: LiveService, oidc_provider: Provider
) -> None:
    oidc_provider.person("two.browsers@example.com", name="Two Browsers")
    laptop, phone = await new_page(), await new_page()
    for page in (laptop, phone):
        await reach_provider(page.context, oidc_provider)
        await page.goto("/")
        await sign_in_at_provider(page, oidc_provider, "two.browsers@example.com")
        await expect(page.locator("[data-role=account-name]")).to_have_text("Two Browsers")

    await laptop.goto("/sessions")
    rows = laptop.locator("[data-role=sessions] li")
    await expect(rows).to_have_count(2)
    other = laptop.locator("[data-role=sessions] li[data-current=no]")
    await other.get_by_role("button", name=await tr(laptop, "sessions.end")).click()
    await expect(rows).to_have_count(1)
    # The phone finds out at its next request.
    await phone.reload()
    await expect(phone.get_by_label(await tr(phone, "signin.keyLabel"))).to_be_visible()

    # Signing out everywhere signs the laptop out too.
    await laptop.get_by_role("button", name=await tr(laptop, "sessions.endAll")).click()
    await expect(laptop.get_by_label(await tr(laptop, "signin.keyLabel"))).to_be_visible()
    await laptop.reload()
    await expect(laptop.get_by_label(await tr(laptop, "signin.keyLabel"))).to_be_visible()


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
async def test_a_refusal_is_explained_in_the_persons_language(
    page: Page, live_service: LiveService, oidc_provider: Provider, locale: str
) -> None:
    oidc_provider.person("unverified@example.com", verified=False)
    await reach_provider(page.context, oidc_provider)
    await page.goto("/")
    label = "Войти через Test SSO" if locale == "ru-RU" else "Sign in with Test SSO"
    await expect(page.get_by_role("link", name=label)).to_be_visible()
    await sign_in_at_provider(page, oidc_provider, "unverified@example.com")
    error = page.locator("[data-role=signin-error]")
    await expect(error).to_have_text(await tr(page, "signin.error.unverified_email"))
    assert ("почты" in await error.inner_text()) == (locale == "ru-RU")
    # The address forgets the code, so a reload does not say it again.
    await expect(page).to_have_url(f"{live_service.base_url}/")
    assert await page.context.cookies() == []
