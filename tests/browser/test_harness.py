"""The browser harness works end to end: Chromium, the live service, the API helper."""

from playwright.async_api import Page, expect

from tests.browser.harness import LiveService, shot


async def test_the_live_service_serves_the_web_app_to_chromium(
    page: Page, live_service: LiveService
) -> None:
    response = await page.goto("/")
    assert response is not None
    assert response.status == 200
    # The title is set by the app's script: it ran, modules and all.
    await expect(page).to_have_title("Sign in · Microblog")
    assert (await shot(page, "harness-home")).stat().st_size > 0


def test_the_api_helper_acts_as_the_person_whose_key_it_sends(live_service: LiveService) -> None:
    ann = live_service.create_person("Ann Lee")

    me = live_service.api("GET", "/api/users/me", key=ann.api_key)

    assert me.status_code == 200, me.text
    assert me.json()["user"]["id"] == ann.id
    assert me.json()["user"]["name"] == ann.name == "Ann Lee"
