"""The web app's live updates client (js/live.js, js/sse.js) in Chromium, against the
real service: the stream is read with the api key in a header, never in the address;
a connection gone silent is dropped and opened again with Last-Event-ID, and what was
missed meanwhile arrives; signing out closes it for good. (The bell, the feed's bar
and an open conversation, which listen to it, are in test_conversations.py.)

The page's clock is Playwright's: the test moves it past the client's silence limit
and its back-off instead of waiting for them."""

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, Request, expect

from tests.browser.harness import LiveService, sign_in
from tests.helpers.polling import eventually_async, poll_async


async def test_the_stream_resumes_where_it_was_and_stops_on_sign_out(
    page: Page, live_service: LiveService
) -> None:
    rita = live_service.create_person("Rita Reconnect")
    sam = live_service.create_person("Sam Liker")
    post = live_service.api.tweet(rita, "Like me")
    opened: list[Request] = []
    ended: list[Request] = []

    def note(into: list[Request]) -> Callable[[Request], None]:
        def noted(request: Request) -> None:
            if request.url.split("?")[0].endswith("/api/events"):
                into.append(request)

        return noted

    page.on("request", note(opened))
    page.on("requestfailed", note(ended))

    async def streams_ended(count: int) -> None:
        async def check() -> bool:
            return len(ended) == count

        await eventually_async(check, what=f"{count} streams ended")

    async def silence_past_the_limit() -> None:
        """Move the page's clock 50 s on, again if a byte that came meanwhile (the
        service's heartbeat keeps real time) started the page's silence watch over:
        under a loaded machine that happened often enough to fail CI."""
        for _ in range(3):
            await page.clock.fast_forward("00:50")

            async def dropped() -> bool:
                return len(ended) == 1

            if await poll_async(dropped, within=5, every=0.1):
                return
        await streams_ended(1)

    await page.clock.install()
    await sign_in(page, rita)
    bell = page.locator("[data-role=bell]")
    live_service.api.like(sam, post)
    await expect(bell).to_have_attribute("aria-label", "1 unread notification")

    # One stream, its key in the header; nothing of the key in the address.
    assert len(opened) == 1
    first: dict[str, Any] = await opened[0].all_headers()
    assert first["api-key"] == rita.api_key
    assert rita.api_key not in opened[0].url
    assert "last-event-id" not in first

    # 50 s without a byte (the service's 15 s heartbeat never came, as far as the page's
    # clock knows): the connection counts as dead and is dropped.
    await silence_past_the_limit()
    # Meanwhile Sam follows her; the back-off passes, the stream opens again where it
    # was, and the service replays what she missed.
    live_service.api.follow(sam, rita)
    await page.clock.fast_forward("00:02")
    await expect(bell).to_have_attribute("aria-label", "2 unread notifications")
    assert len(opened) == 2
    again: dict[str, Any] = await opened[1].all_headers()
    assert again["api-key"] == rita.api_key
    assert again["last-event-id"].isdigit()

    # Signing out closes it, and no back-off opens it again.
    await page.get_by_role("button", name="Sign out").click()
    await streams_ended(2)
    await page.clock.fast_forward("01:00")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert len(opened) == 2
