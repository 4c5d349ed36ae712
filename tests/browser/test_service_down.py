"""When the picture service is down, the web app says so next to the composer and
keeps the text; the rest of the app goes on working. (Its own module: it stops the
image_saver of its live service.)"""

import os
import signal
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Page, expect

from tests.browser.harness import BrowserErrors, LiveService, file_payload, sign_in, tweet
from tests.cli_helpers import stops_answering
from tests.conftest import png_picture


def kill_image_saver(url: str) -> None:
    """SIGKILL the image_saver process listening at `url`, as a crash would."""
    port = str(urlsplit(url).port)
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in args]
        if (
            "image_saver" in words
            and "--port" in words
            and words[words.index("--port") + 1] == port
        ):
            os.kill(int(proc.name), signal.SIGKILL)
            assert stops_answering(url)
            return
    raise AssertionError(f"no image_saver process on port {port}")


async def test_pictures_down_is_explained_and_the_text_is_kept(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    hana = live_service.create_person("Hana Outage")
    live_service.post_tweet(hana, "Before the outage")
    kill_image_saver(live_service.image_saver_url)

    await sign_in(page, hana)
    await expect(tweet(page, "Before the outage")).to_be_visible()
    composer = page.locator("form.composer")
    text = composer.get_by_label("Write a post")
    await text.fill("A photo of the whiteboard")
    browser_errors.allow(r"status of 503 .*/api/medias")
    await composer.locator("input[type=file]").set_input_files(
        files=[file_payload("board.png", png_picture())]
    )
    error = composer.locator(".composer-error")
    await expect(error).to_contain_text(
        "Could not attach board.png, the picture service is not answering"
    )
    await expect(composer.locator(".preview")).to_have_count(0)
    await expect(text).to_have_value("A photo of the whiteboard")
    # Words alone still go out.
    await composer.get_by_role("button", name="Post").click()
    await expect(tweet(page, "A photo of the whiteboard")).to_be_visible()
    await expect(text).to_have_value("")
