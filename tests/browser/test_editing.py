"""Editing one's posts in place, the "edited" marker and its history, a former member's
name marked, and downloading one's data; in English and in Russian.

Expected texts are spelt out here, not taken from the catalogues, so a wrong word in
either language fails.
"""

import io
import json
import re
import zipfile
from dataclasses import dataclass

import pytest
from playwright.async_api import expect

from tests.browser.harness import BrowserErrors, LiveService, NewPage, shot, sign_in, tweet
from tests.browser.language import LOCALES, assert_speaks


@dataclass(frozen=True)
class Words:
    edit: str
    label: str
    save: str
    cancel: str
    saved: str
    edited: str
    history: str
    now: str
    not_changed: str
    too_long: str
    former: str
    download: str


WORDS = {
    "en-US": Words(
        edit="Edit post",
        label="Edit your post",
        save="Save",
        cancel="Cancel",
        saved="Post updated.",
        edited="edited",
        history="Earlier versions",
        now="Now",
        not_changed="Your post was not changed:",
        too_long="1 character too many: posts can be up to 280 characters.",
        former="former member",
        download="Download my data",
    ),
    "ru-RU": Words(
        edit="Изменить твит",
        label="Измените твит",
        save="Сохранить",
        cancel="Отмена",
        saved="Твит изменён.",
        edited="изменено",
        history="Прежние версии",
        now="Сейчас",
        not_changed="Твит не изменён:",
        too_long="Текст длиннее допустимого на 1 символ (максимум — 280).",
        former="бывший сотрудник",
        download="Скачать мои данные",
    ),
}


@pytest.mark.parametrize("locale", list(WORDS))
async def test_editing_in_place_with_the_edited_marker_and_the_history(
    new_page: NewPage, live_service: LiveService, browser_errors: BrowserErrors, locale: str
) -> None:
    words = WORDS[locale]
    ann = live_service.create_person(f"Ann Editor {locale}")
    bob = live_service.create_person(f"Bob Mentioned {locale}")
    bob_handle = live_service.handle(bob)
    first = live_service.api.tweet(ann, "Lunch at noon")
    doomed = live_service.api.tweet(ann, "Soon to be deleted")
    page = await new_page(locale=locale)
    await sign_in(page, ann)

    card = tweet(page, "Lunch at noon")
    await expect(card.locator("[data-action=history]")).to_have_count(0)
    edit = card.get_by_role("button", name=words.edit, exact=True)
    await edit.click()
    box = card.get_by_label(words.label)
    await expect(box).to_be_focused()
    await expect(box).to_have_value("Lunch at noon")
    # The composer's limits: 281 characters cannot be saved, and it says why.
    await box.fill("x" * 281)
    await expect(card.locator(".composer-counter")).to_have_text("281 / 280")
    await expect(card.locator(".composer-too-long")).to_have_text(words.too_long)
    save = card.get_by_role("button", name=words.save, exact=True)
    await expect(save).to_be_disabled()
    new_text = f"Lunch at one, @{bob_handle}?"
    await box.fill(new_text)
    await expect(save).to_be_enabled()
    await save.click()

    card = tweet(page, "Lunch at one")
    await expect(card.locator(".tweet-text")).to_have_text(new_text)
    await expect(card.locator("textarea")).to_have_count(0)
    await expect(card.locator("a.mention")).to_have_text(f"@{bob_handle}")
    marker = card.locator("[data-action=history]")
    await expect(marker).to_have_text(words.edited)
    await expect(page.locator(".notice")).to_contain_text(words.saved)
    await expect(card.get_by_role("button", name=words.edit, exact=True)).to_be_focused()
    shown = live_service.api("GET", f"/api/tweets/{first}", key=ann.api_key).json()["tweet"]
    assert shown["content"] == new_text
    assert shown["edited_at"] is not None

    # The history: the text now, then the earlier one, each with its time.
    await marker.click()
    dialog = page.get_by_role("dialog", name=words.history)
    entries = dialog.locator(".history-entry")
    await expect(entries).to_have_count(2)
    await expect(entries.nth(0).locator(".history-text")).to_have_text(new_text)
    await expect(entries.nth(0).locator(".history-when")).to_contain_text(words.now)
    await expect(entries.nth(1).locator(".history-text")).to_have_text("Lunch at noon")
    await expect(entries.locator("time")).to_have_count(2)
    await expect(dialog.locator("[data-action=more-versions]")).to_be_hidden()
    typed = [ann.name, bob.name, "Lunch at noon", new_text, "Soon to be deleted"]
    await assert_speaks(page, LOCALES[locale], typed=typed)
    await shot(page, f"editing-history-{locale}")
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)

    # Cancel (and Esc) leave the text as it was.
    await card.get_by_role("button", name=words.edit, exact=True).click()
    await card.get_by_label(words.label).fill("Never saved")
    await card.get_by_role("button", name=words.cancel, exact=True).click()
    await expect(card.locator(".tweet-text")).to_have_text(new_text)
    await card.get_by_role("button", name=words.edit, exact=True).click()
    await card.get_by_label(words.label).fill("Never saved either")
    await page.keyboard.press("Escape")
    await expect(card.locator(".tweet-text")).to_have_text(new_text)
    history = live_service.api("GET", f"/api/tweets/{first}/history", key=ann.api_key)
    assert len(history.json()["versions"]) == 1

    # A refusal is said in the person's language, with what they typed kept.
    gone = tweet(page, "Soon to be deleted")
    await gone.get_by_role("button", name=words.edit, exact=True).click()
    live_service.api.delete_tweet(ann, doomed)
    browser_errors.allow(rf"status of 404 .*/api/tweets/{doomed}")
    await gone.get_by_label(words.label).fill("Too late")
    await gone.get_by_role("button", name=words.save, exact=True).click()
    await expect(gone.locator(".composer-error")).to_have_text(
        re.compile(rf"^{re.escape(words.not_changed)} Tweet {doomed} does not exist")
    )
    await expect(gone.get_by_label(words.label)).to_have_value("Too late")
    await assert_speaks(
        page,
        LOCALES[locale],
        typed=[*typed, "Too late"],
        api_said=[f"Tweet {doomed} does not exist"],
    )

    # After a reload the marker comes from the service.
    await page.reload()
    await expect(tweet(page, "Lunch at one").locator("[data-action=history]")).to_have_text(
        words.edited
    )


@pytest.mark.parametrize("locale", list(WORDS))
async def test_a_former_members_name_is_marked(
    new_page: NewPage, live_service: LiveService, locale: str
) -> None:
    words = WORDS[locale]
    ann = live_service.create_person(f"Ann Reader {locale}")
    leaver = live_service.create_person(f"Lena Leaver {locale}")
    live_service.api.follow(ann, leaver)
    live_service.api.tweet(leaver, f"Goodbye post {locale}")
    live_service.api.tweet(ann, f"Staying post {locale}")
    await live_service.execute("UPDATE users SET active = false WHERE id = :id", id=leaver.id)
    page = await new_page(locale=locale)
    await sign_in(page, ann)

    theirs = tweet(page, f"Goodbye post {locale}")
    await expect(theirs.locator("[data-role=former-member]")).to_have_text(words.former)
    await expect(theirs.locator(".tweet-author")).to_have_class(re.compile(r"\bis-former\b"))
    await expect(theirs.locator(".tweet-author")).to_have_text(leaver.name)
    mine = tweet(page, f"Staying post {locale}")
    await expect(mine.locator("[data-role=former-member]")).to_have_count(0)
    await expect(mine.locator(".tweet-author")).not_to_have_class(re.compile(r"\bis-former\b"))
    await assert_speaks(
        page,
        LOCALES[locale],
        typed=[ann.name, leaver.name, f"Goodbye post {locale}", f"Staying post {locale}"],
    )
    await shot(page, f"former-member-{locale}")


@pytest.mark.parametrize("locale", list(WORDS))
async def test_downloading_ones_data(
    new_page: NewPage, live_service: LiveService, locale: str
) -> None:
    words = WORDS[locale]
    ann = live_service.create_person(f"Ann Leaving {locale}")
    other = live_service.create_person(f"Otto Other {locale}")
    posted = live_service.api.tweet(ann, f"Take me with you {locale}")
    page = await new_page(locale=locale)
    await sign_in(page, ann)
    # Only on one's own profile.
    await page.goto(f"/users/{other.id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(other.name)
    await expect(page.locator("[data-action=export]")).to_have_count(0)

    await page.goto(f"/users/{ann.id}")
    button = page.get_by_role("button", name=words.download, exact=True)
    async with page.expect_download() as downloading:
        await button.click()
    download = await downloading.value
    handle = live_service.handle(ann)
    assert re.fullmatch(
        rf"microblog-{re.escape(handle)}-\d{{4}}-\d{{2}}-\d{{2}}\.zip", download.suggested_filename
    )
    path = await download.path()
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    posts = json.loads(archive.read("posts.json"))
    assert [(p["id"], p["content"]) for p in posts] == [(posted, f"Take me with you {locale}")]
    assert json.loads(archive.read("profile.json"))["handle"] == handle
    await expect(button).to_be_enabled()
    await assert_speaks(page, LOCALES[locale], typed=[ann.name, f"Take me with you {locale}"])
