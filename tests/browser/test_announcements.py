"""Announcements in Chromium, against the real service: an administrator publishes
one in the web app and it appears at the top of a colleague's open page without a
reload, its address a link and its markup text; dismissed, it stays gone after a
reload; the administrator sees how many dismissed it, in words with the right
plural; withdrawn, it leaves the colleague's page at once; and the audit log has
both. In English and in Russian."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.harness import LiveService, NewPage, shot, sign_in
from tests.browser.language import LOCALES, assert_speaks, tr

LINK = "https://intranet.example.com/news"


@dataclass(frozen=True)
class Story:
    admin: str
    reader: str
    first: str  # with an address, and markup that must stay text
    second: str
    one_dismissed: str  # spelt out here, so a wrong plural form fails
    none_dismissed: str


STORIES = {
    "en-US": Story(
        "Ada Announcer",
        "Rob Reader",
        f"The office is closed on Friday <b>really</b>, see {LINK}.",
        "Lunch is on us today",
        "1 person dismissed it",
        "0 people dismissed it",
    ),
    "ru-RU": Story(
        "Анна Объявляева",
        "Роман Читаев",
        f"В пятницу офис закрыт <b>точно</b>, подробности: {LINK}.",
        "Сегодня обед за наш счёт",
        "Закрыл 1 человек",
        "Закрыли 0 человек",
    ),
}


def withdraw_all(live_service: LiveService) -> None:
    """None showing, whatever the module's other tests published."""
    key = live_service.admin_key
    listed = live_service.api("GET", "/api/admin/announcements?limit=100", key=key)
    assert listed.status_code == 200, listed.text
    for announcement in listed.json()["announcements"]:
        path = f"/api/announcements/{announcement['id']}"
        assert live_service.api("DELETE", path, key=key).status_code == 200


def banner(page: Page, text: str) -> Locator:
    return page.locator("[data-role=announcements] li.announcement", has_text=text)


async def publish(page: Page, text: str, ends_at: datetime | None = None) -> None:
    await page.get_by_role(
        "textbox", name=await tr(page, "announcements.textLabel"), exact=True
    ).fill(text)
    if ends_at is not None:
        ends = page.get_by_label(await tr(page, "announcements.endsLabel"))
        await ends.fill(ends_at.strftime("%Y-%m-%dT%H:%M"))
    await page.locator("[data-action=publish]").click()
    await expect(page.locator(".notice").last).to_have_text(
        await tr(page, "announcements.published")
    )


@pytest.mark.parametrize("locale", list(LOCALES))
async def test_an_announcement_arrives_live_is_dismissed_and_withdrawn(
    new_page: NewPage, live_service: LiveService, locale: str
) -> None:
    story = STORIES[locale]
    language = LOCALES[locale]
    # The audit log shows what the module's every test typed.
    typed = [LINK, "Administrator"]
    typed += [
        text
        for each in STORIES.values()
        for text in (each.admin, each.reader, each.first, each.second)
    ]
    admin = live_service.create_person(story.admin, admin=True)
    reader = live_service.create_person(story.reader)
    withdraw_all(live_service)

    colleague = await new_page()
    await sign_in(colleague, reader)
    await expect(colleague.locator("[data-role=announcements]")).to_be_hidden()

    page = await new_page()
    await sign_in(page, admin)
    await page.goto("/admin/announcements")
    # Nothing written: said so, nothing published.
    await page.locator("[data-action=publish]").click()
    await expect(page.locator("[data-role=publish-error]")).to_have_text(
        await tr(page, "announcements.empty")
    )
    # An end in the past is refused here.
    await page.get_by_role(
        "textbox", name=await tr(page, "announcements.textLabel"), exact=True
    ).fill(story.first)
    await page.get_by_label(await tr(page, "announcements.endsLabel")).fill("2020-01-01T10:00")
    await page.locator("[data-action=publish]").click()
    await expect(page.locator("[data-role=publish-error]")).to_have_text(
        await tr(page, "announcements.endsPast")
    )
    await expect(page.locator("[data-role=counter]")).to_have_text(
        await tr(page, "composer.counter", used=len(story.first), max=1000)
    )
    ends = datetime.now() + timedelta(days=2)  # the browser's zone is this machine's
    await publish(page, story.first, ends)
    listed = page.locator("article.admin-announcement", has_text=story.first.split("<")[0])
    await expect(listed.locator("[data-role=state]")).to_have_text(
        await tr(page, "announcements.active")
    )
    await expect(listed.locator("[data-role=dismissed]")).to_have_text(story.none_dismissed)
    until = await listed.locator(".announcement-end time").get_attribute("datetime")
    assert until is not None
    assert datetime.fromisoformat(until) == ends.replace(second=0, microsecond=0).astimezone()

    # The colleague's page shows it without a reload: the address is a link that
    # opens elsewhere, the markup is text.
    shown = banner(colleague, story.first.split("<")[0])
    await expect(shown).to_be_visible()
    link = shown.locator(f"a[href='{LINK}']")
    await expect(link).to_have_text(LINK)
    await expect(link).to_have_attribute("target", "_blank")
    await expect(shown.locator("b")).to_have_count(0)
    await assert_speaks(colleague, language, typed=typed)
    await shot(colleague, f"announcement-banner-{language}")

    # Dismissed: gone at once.
    await shown.get_by_role("button", name=await tr(colleague, "banner.dismiss")).click()
    await expect(shown).to_have_count(0)

    # A second one comes live; after a reload it is back, and the dismissed one not.
    await publish(page, story.second)
    second = banner(colleague, story.second)
    await expect(second).to_be_visible()
    await colleague.reload()
    await expect(second).to_be_visible()
    await expect(colleague.locator("li.announcement")).to_have_count(1)

    # The administrator sees how many dismissed each, in words.
    await page.reload()
    await expect(listed.locator("[data-role=dismissed]")).to_have_text(story.one_dismissed)
    await assert_speaks(page, language, typed=typed)
    await shot(page, f"admin-announcements-{language}")

    # Withdrawn: it leaves the colleague's page at once.
    withdrawn = page.locator("article.admin-announcement", has_text=story.second)
    await withdrawn.locator("[data-action=withdraw]").click()
    await page.locator("dialog.confirm [data-action=confirm]").click()
    await expect(page.locator(".notice").last).to_have_text(
        await tr(page, "announcements.withdrawn")
    )
    await expect(withdrawn).to_have_count(0)
    await expect(second).to_have_count(0)
    await expect(colleague.locator("[data-role=announcements]")).to_be_hidden()

    await page.locator("[data-section=audit]").click()
    actions = page.locator("li.audit-entry [data-role=action]")
    await expect(actions.nth(0)).to_have_text(await tr(page, "audit.withdrawAnnouncement"))
    await expect(actions.nth(1)).to_have_text(await tr(page, "audit.publishAnnouncement"))
    await expect(page.locator("li.audit-entry").nth(1)).to_contain_text(story.second)
    await assert_speaks(page, language, typed=typed)
