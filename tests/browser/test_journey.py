"""Two colleagues use the web app in Chromium, against the real service, in English
and in Russian (the browser's language chooses).

Ann signs in, finds Boris, follows him, likes his post, posts a picture and
deletes it, unfollows him; then a bad key and a phone-sized screen. At each screen
every text on the page must come from the catalogue of the browser's language.
Screenshots of the main screens land in test-artifacts/screenshots/.
"""

import re
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.browser.harness import (
    BrowserErrors,
    LiveService,
    NewPage,
    file_payload,
    picture_loads,
    shot,
    sign_in,
    tweet,
)
from tests.browser.language import LOCALES, assert_speaks, catalogues, tr
from tests.helpers.api import png_picture


async def layout_fits(page: Page) -> None:
    """Nothing sticks out sideways, and no link or button label breaks over two lines."""
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url}: content {widths[0]}px in a {widths[1]}px window"
    wrapped = await page.evaluate(
        "[...document.querySelectorAll('.brand, .nav-link, .profile-tab, .button')]"
        ".filter(el => el.getClientRects().length > 1 || el.getBoundingClientRect().height > 50)"
        ".map(el => el.textContent)"
    )
    assert wrapped == [], f"{page.url}: labels broken over lines: {wrapped}"


@dataclass(frozen=True)
class Story:
    """What the people write in one language, and a few things a reader of it must see,
    spelt out here rather than taken from the catalogue, so a wrong plural form fails."""

    ann: str  # long, as some names are: the header must still fit
    boris: str
    search: str  # part of Boris's name, in other letter case
    first: str  # Boris's first post: markup that must stay text, and an address
    again: str
    lunch: str  # Ann's post with a picture
    home: str
    one_like: str
    no_followers: str
    one_follower: str
    two_posts: str
    fresh: str  # how a post of a moment ago is dated
    refused: str  # the sentence around the API's own error_message


STORIES = {
    "en-US": Story(
        ann="Ann Journey-Featherstonehaugh",
        boris="Boris Journey",
        search="boris jour",
        first="Boris's <b>first</b> post: https://example.com/wiki",
        again="Boris again",
        lunch="Lunch view from the 5th floor",
        home="Home",
        one_like="1 like",
        no_followers="0 followers",
        one_follower="1 follower",
        two_posts="2 posts",
        fresh="^(just now|1 minute ago)$",
        refused="Could not attach fake.png: ",
    ),
    "ru-RU": Story(
        ann="Анастасия Константинопольская-Долгорукова",
        boris="Борис Путешественник",
        search="борис ПУТ",
        first="Первый <b>твит</b> Бориса: https://example.com/wiki",
        again="Борис снова здесь",
        lunch="Вид из столовой на 5-м этаже",
        home="Лента",
        one_like="1 лайк",
        no_followers="0 подписчиков",
        one_follower="1 подписчик",
        two_posts="2 твита",
        fresh="^(только что|1 минуту назад)$",
        refused="Не удалось прикрепить fake.png: ",
    ),
}


@pytest.mark.parametrize("locale", list(STORIES))
async def test_two_colleagues_journey(
    page: Page,
    new_page: NewPage,
    live_service: LiveService,
    browser_errors: BrowserErrors,
    locale: str,
) -> None:
    story = STORIES[locale]
    language = LOCALES[locale]
    ann = live_service.create_person(story.ann)
    boris = live_service.create_person(story.boris)
    for text in (story.first, story.again):
        live_service.api.tweet(boris, text)
    typed = [story.search, story.first, story.again, story.lunch, "fake.png", "view.png"]
    # Everybody's name (the administrator's, earlier tests' people) is data, not ours.
    everybody = live_service.api("GET", "/api/users", key=ann.api_key, params={"limit": 100})
    typed += [person["name"] for person in everybody.json()["users"]]

    said: list[str] = []  # the API's own words the page may show

    async def speaks(screen: Page) -> None:
        await assert_speaks(screen, language, typed=typed, api_said=said, every=every)

    # Sign in: the page is in the browser's language; an empty feed explains itself
    # and points at the directory.
    await sign_in(page, ann)
    every = await catalogues(page)
    await expect(page.locator("[data-role=account-name]")).to_have_text(ann.name)
    await expect(page.get_by_role("heading", level=1)).to_have_text(story.home)
    empty = page.locator("[data-role=empty-feed]")
    await expect(empty).to_be_visible()
    await layout_fits(page)
    await speaks(page)
    await shot(page, f"feed-empty-{locale}")
    await empty.get_by_role("link").click()
    await expect(page).to_have_url(re.compile(r"/people$"))

    # Find Boris and follow him from the directory.
    await page.get_by_label(await tr(page, "people.searchLabel")).fill(story.search)
    row = page.locator("li.person", has_text=boris.name)
    await expect(row).to_have_count(1)
    await expect(page.locator("li.person")).to_have_count(1)
    await expect(row).to_contain_text(story.no_followers)
    await speaks(page)
    await shot(page, f"people-{locale}")
    await row.get_by_role(
        "button", name=await tr(page, "follow.followName", name=boris.name)
    ).click()
    unfollow_boris = await tr(page, "follow.unfollowName", name=boris.name)
    await expect(row.get_by_role("button", name=unfollow_boris)).to_be_visible()
    following = live_service.api.profile(ann)["following"]
    assert [p["id"] for p in following] == [boris.id]

    # His posts are in the feed; the text is text (no markup), the address a link.
    nav = page.get_by_role("navigation", name=await tr(page, "nav.label"))
    await nav.get_by_role("link", name=story.home).click()
    first = tweet(page, "example.com/wiki")
    await expect(first).to_be_visible()
    await expect(page.locator("article.tweet")).to_have_count(2)
    await expect(first.locator(".tweet-text")).to_have_text(story.first)
    assert await first.locator(".tweet-text b").count() == 0
    link = first.get_by_role("link", name="https://example.com/wiki")
    await expect(link).to_have_attribute("href", "https://example.com/wiki")
    await expect(first.locator("time")).to_have_text(re.compile(story.fresh))
    assert await first.get_by_role("button", name=await tr(page, "tweet.delete")).count() == 0

    # Like it: the count moves at once and is still there after a reload.
    like_name = await tr(page, "likes.like")
    like = first.get_by_role("button", name=like_name, exact=True)
    await expect(like).to_have_attribute("aria-pressed", "false")
    await like.click()
    await expect(like).to_have_attribute("aria-pressed", "true")
    await expect(first.locator(".likes-count")).to_have_text(story.one_like)
    # The count moves before the server answers; reload only once it has.
    await expect(like).not_to_have_attribute("aria-busy", "true")
    await page.reload()
    first = tweet(page, "example.com/wiki")
    await expect(first.locator(".likes-count")).to_have_text(story.one_like)
    await expect(first.get_by_role("button", name=like_name, exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await speaks(page)
    await first.get_by_role("button", name=story.one_like).click()
    likers = page.get_by_role("dialog", name=await tr(page, "likes.title"))
    await expect(likers.locator("li.person")).to_contain_text(ann.name)
    await expect(likers.locator("li.person")).to_have_count(1)
    await speaks(page)
    await page.keyboard.press("Escape")
    await expect(likers).to_have_count(0)

    # A file the service refuses: its own error_message, inside a sentence of ours.
    composer = page.locator("form.composer")
    box = composer.get_by_label(await tr(page, "composer.label"))
    await box.fill(story.lunch)
    await expect(composer.locator(".composer-counter")).to_have_text(f"{len(story.lunch)} / 280")
    fake = b"not a picture at all"
    refusal = live_service.api(
        "POST", "/api/medias", key=ann.api_key, files={"file": ("fake.png", fake, "image/png")}
    )
    assert refusal.status_code == 415
    said.append(refusal.json()["error_message"])
    browser_errors.allow(r"status of 415 .*/api/medias")
    pick = composer.locator("input[type=file]")
    await pick.set_input_files(files=[file_payload("fake.png", fake, "image/png")])
    await expect(composer.locator(".composer-error")).to_have_text(
        story.refused + refusal.json()["error_message"]
    )
    await speaks(page)

    # Post a picture with a few words; it shows at once and the picture loads.
    await pick.set_input_files(files=[file_payload("view.png", png_picture(64, 48), "image/png")])
    await expect(composer.locator(".preview")).to_have_count(1)
    await expect(composer.locator(".preview.is-uploading")).to_have_count(0)
    await composer.get_by_role("button", name=await tr(page, "composer.post")).click()
    mine = tweet(page, story.lunch)
    await expect(mine).to_be_visible()
    await expect(page.locator("article.tweet").first).to_contain_text(story.lunch)
    await expect(box).to_have_value("")
    await expect(composer.locator(".preview")).to_have_count(0)
    await expect(mine.locator(".tweet-media img")).to_have_count(1)
    await picture_loads(page, "article.tweet .tweet-media img")
    await speaks(page)
    await shot(page, f"feed-{locale}")

    # The picture opens at full size and Esc closes it.
    await mine.get_by_role(
        "button", name=await tr(page, "tweet.openPicture", number=1, count=1)
    ).click()
    lightbox = page.locator("dialog.lightbox")
    await expect(lightbox).to_be_visible()
    await picture_loads(page, "dialog.lightbox img")
    await speaks(page)
    await page.keyboard.press("Escape")
    await expect(lightbox).to_have_count(0)

    # Delete it, after saying yes.
    mine_ids = [t["id"] for t in live_service.api.tweets_of(ann, ann)]
    assert len(mine_ids) == 1
    delete_post = await tr(page, "tweet.delete")
    await mine.get_by_role("button", name=delete_post).click()
    confirm = page.get_by_role("dialog", name=await tr(page, "tweet.deleteTitle"))
    await speaks(page)
    await confirm.get_by_role("button", name=await tr(page, "action.cancel")).click()
    await expect(mine).to_be_visible()
    await mine.get_by_role("button", name=delete_post).click()
    await confirm.get_by_role("button", name=await tr(page, "tweet.deleteConfirm")).click()
    await expect(mine).to_have_count(0)
    await expect(page.locator(".notice")).to_have_text(await tr(page, "tweet.deleted"))
    await speaks(page)
    gone = live_service.api("DELETE", f"/api/tweets/{mine_ids[0]}", key=ann.api_key)
    assert gone.status_code == 404

    # Boris's profile: his counts, the follow state, and unfollowing updates his count.
    await first.get_by_role("link", name=boris.name).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(boris.name)
    await expect(page.locator("[data-section=tweets]")).to_have_text(story.two_posts)
    await expect(page.locator("[data-section=followers]")).to_have_text(story.one_follower)
    await expect(page.locator("article.tweet")).to_have_count(2)
    await expect(page.locator("article.tweet").first).to_contain_text(story.again)
    await speaks(page)
    await shot(page, f"profile-{locale}")
    await page.get_by_role("button", name=unfollow_boris).click()
    follow_boris = await tr(page, "follow.followName", name=boris.name)
    await expect(page.get_by_role("button", name=follow_boris)).to_be_visible()
    await expect(page.locator("[data-section=followers]")).to_have_text(story.no_followers)
    me = live_service.api.profile(ann)
    assert me["following"] == []

    # Sign out; a wrong key gets a clear message, not a blank page. (Chromium logs
    # the refused request as a console error; that one is expected.)
    browser_errors.allow(r"status of 401 .*/api/users/me")
    key_label = await tr(page, "signin.keyLabel")
    await page.get_by_role("button", name=await tr(page, "nav.signOut")).click()
    await expect(page.get_by_label(key_label)).to_be_visible()
    assert await page.evaluate("localStorage.length") == 0
    await page.reload()  # the key is forgotten: still signed out
    await expect(page.get_by_label(key_label)).to_be_visible()
    await sign_in(page, "not-a-real-key")
    error = page.locator("[data-role=signin-error]")
    await expect(error).to_have_text(await tr(page, "signin.invalid"))
    await expect(page.get_by_label(key_label)).to_be_visible()
    await speaks(page)
    await shot(page, f"signin-error-{locale}")

    # A phone-sized screen: everything fits the width, in the same language.
    phone = await new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    await sign_in(phone, ann)
    await expect(phone.locator("[data-role=empty-feed]")).to_be_visible()
    await phone.get_by_label(await tr(phone, "composer.label")).fill("y" * 300)  # longest counter
    await expect(phone.locator(".composer-too-long")).not_to_be_empty()
    await layout_fits(phone)
    await speaks(phone)
    await shot(phone, f"phone-feed-{locale}")
    await phone.get_by_label(await tr(phone, "composer.label")).fill("")
    await phone.goto(f"/users/{boris.id}")
    await expect(phone.locator("article.tweet")).to_have_count(2)
    await layout_fits(phone)
    await speaks(phone)
    await shot(phone, f"phone-profile-{locale}")
    await phone.goto("/people")
    await expect(phone.locator("li.person").first).to_be_visible()
    await layout_fits(phone)
    await speaks(phone)
    await shot(phone, f"phone-people-{locale}")
