"""When the picture service is down, the web app says so next to the composer and
keeps the text; the rest of the app goes on working. (Its own module: it stops the
image_saver of its live service.)"""

import os
import signal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, expect

from tests.browser.harness import BrowserErrors, LiveService, file_payload, sign_in, tweet
from tests.browser.language import LOCALES, assert_speaks, tr
from tests.helpers.api import png_picture
from tests.helpers.cli import stops_answering


def kill_image_saver(url: str) -> None:
    """SIGKILL the image_saver process listening at `url`, as a crash would (if an
    earlier test has not already)."""
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
    assert stops_answering(url), f"no image_saver process on port {port}, yet it answers"


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en-US", "Could not attach board.png, the picture service is not answering: "),
        ("ru-RU", "Не удалось прикрепить board.png — сервис картинок не отвечает: "),
    ],
)
async def test_pictures_down_is_explained_and_the_text_is_kept(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors, locale: str, said: str
) -> None:
    hana = live_service.create_person(f"Hana Outage {locale}")
    live_service.api.tweet(hana, f"Before the outage {locale}")
    kill_image_saver(live_service.image_saver_url)
    # What the API itself says meanwhile, shown as it is inside the app's sentence.
    refused = live_service.api(
        "POST", "/api/medias", key=hana.api_key, files={"file": ("board.png", png_picture())}
    )
    assert refused.status_code == 503
    reason = refused.json()["error_message"]

    await sign_in(page, hana)
    await expect(tweet(page, f"Before the outage {locale}")).to_be_visible()
    composer = page.locator("form.composer")
    text = composer.get_by_label(await tr(page, "composer.label"))
    words = f"A photo of the whiteboard {locale}"
    await text.fill(words)
    browser_errors.allow(r"status of 503 .*/api/medias")
    await composer.locator("input[type=file]").set_input_files(
        files=[file_payload("board.png", png_picture())]
    )
    await expect(composer.locator(".composer-error")).to_have_text(said + reason)
    await assert_speaks(
        page,
        LOCALES[locale],
        typed=[hana.name, words, f"Before the outage {locale}", "board.png"],
        api_said=[reason],
    )
    await expect(composer.locator(".preview")).to_have_count(0)
    await expect(text).to_have_value(words)
    # Words alone still go out.
    await composer.get_by_role("button", name=await tr(page, "composer.post")).click()
    await expect(tweet(page, words)).to_be_visible()
    await expect(text).to_have_value("")
