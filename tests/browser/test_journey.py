"""Two colleagues use the web app in Chromium, against the real service.

Ann signs in, finds Boris, follows him, likes his post, posts a picture and
deletes it, unfollows him; then a bad key and a phone-sized screen. Screenshots of
the main screens land in test-artifacts/screenshots/.
"""

import re

from playwright.async_api import Page, expect

from tests.browser.harness import (
    BrowserErrors,
    LiveService,
    NewPage,
    file_payload,
    shot,
    sign_in,
    tweet,
)
from tests.conftest import png_picture


async def picture_loads(page: Page, selector: str) -> None:
    """Wait until the first <img> matching `selector` has loaded real pixels."""
    await page.wait_for_function(
        "selector => { const img = document.querySelector(selector);"
        " return img !== null && img.complete && img.naturalWidth > 0; }",
        arg=selector,
    )


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


async def test_two_colleagues_journey(
    page: Page, new_page: NewPage, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    # A long name, as some people have: the header must still fit.
    ann = live_service.create_person("Ann Journey-Featherstonehaugh")
    boris = live_service.create_person("Boris Journey")
    for text in ("Boris's <b>first</b> post: https://example.com/wiki", "Boris again"):
        live_service.post_tweet(boris, text)

    # Sign in: an empty feed explains itself and points at the directory.
    await sign_in(page, ann)
    await expect(page.locator("[data-role=account-name]")).to_have_text(ann.name)
    empty = page.locator("[data-role=empty-feed]")
    await expect(empty).to_be_visible()
    await layout_fits(page)
    await shot(page, "feed-empty")
    await empty.get_by_role("link").click()
    await expect(page).to_have_url(re.compile(r"/people$"))

    # Find Boris and follow him from the directory.
    await page.get_by_label("Search by name").fill("boris jour")
    row = page.locator("li.person", has_text="Boris Journey")
    await expect(row).to_have_count(1)
    await expect(page.locator("li.person")).to_have_count(1)
    await expect(row).to_contain_text("0 followers")
    await shot(page, "people")
    await row.get_by_role("button", name="Follow Boris Journey").click()
    await expect(row.get_by_role("button", name="Unfollow Boris Journey")).to_be_visible()
    following = live_service.api("GET", "/api/users/me", key=ann.api_key).json()["user"][
        "following"
    ]
    assert [p["id"] for p in following] == [boris.id]

    # His posts are in the feed; the text is text (no markup), the address a link.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    first = tweet(page, "first")
    await expect(first).to_be_visible()
    await expect(page.locator("article.tweet")).to_have_count(2)
    await expect(first.locator(".tweet-text")).to_have_text(
        "Boris's <b>first</b> post: https://example.com/wiki"
    )
    assert await first.locator(".tweet-text b").count() == 0
    link = first.get_by_role("link", name="https://example.com/wiki")
    await expect(link).to_have_attribute("href", "https://example.com/wiki")
    await expect(first.locator("time")).to_have_text(re.compile("just now|minute"))
    assert await first.get_by_role("button", name="Delete post").count() == 0

    # Like it: the count moves at once and is still there after a reload.
    like = first.get_by_role("button", name="Like", exact=True)
    await expect(like).to_have_attribute("aria-pressed", "false")
    await like.click()
    await expect(like).to_have_attribute("aria-pressed", "true")
    await expect(first.locator(".likes-count")).to_have_text("1 like")
    await page.reload()
    first = tweet(page, "first")
    await expect(first.locator(".likes-count")).to_have_text("1 like")
    await expect(first.get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await first.get_by_role("button", name="1 like").click()
    likers = page.get_by_role("dialog", name="Liked by")
    await expect(likers.locator("li.person")).to_have_text("AJ" + ann.name)
    await page.keyboard.press("Escape")
    await expect(likers).to_have_count(0)

    # Post a picture with a few words; it shows at once and the picture loads.
    composer = page.locator("form.composer")
    await composer.get_by_label("Write a post").fill("Lunch view from the 5th floor")
    await expect(composer.locator(".composer-counter")).to_have_text("29 / 280")
    await composer.locator("input[type=file]").set_input_files(
        files=[file_payload("view.png", png_picture(64, 48), "image/png")]
    )
    await expect(composer.locator(".preview")).to_have_count(1)
    await expect(composer.locator(".preview.is-uploading")).to_have_count(0)
    await composer.get_by_role("button", name="Post").click()
    mine = tweet(page, "Lunch view")
    await expect(mine).to_be_visible()
    await expect(page.locator("article.tweet").first).to_contain_text("Lunch view")
    await expect(composer.get_by_label("Write a post")).to_have_value("")
    await expect(composer.locator(".preview")).to_have_count(0)
    await expect(mine.locator(".tweet-media img")).to_have_count(1)
    await picture_loads(page, "article.tweet .tweet-media img")
    await shot(page, "feed")

    # The picture opens at full size and Esc closes it.
    await mine.get_by_role("button", name="Open picture 1 of 1").click()
    lightbox = page.locator("dialog.lightbox")
    await expect(lightbox).to_be_visible()
    await picture_loads(page, "dialog.lightbox img")
    await page.keyboard.press("Escape")
    await expect(lightbox).to_have_count(0)

    # Delete it, after saying yes.
    mine_ids = [
        t["id"]
        for t in live_service.api("GET", f"/api/users/{ann.id}/tweets", key=ann.api_key).json()[
            "tweets"
        ]
    ]
    assert len(mine_ids) == 1
    await mine.get_by_role("button", name="Delete post").click()
    confirm = page.get_by_role("dialog", name="Delete this post?")
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(mine).to_be_visible()
    await mine.get_by_role("button", name="Delete post").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(mine).to_have_count(0)
    await expect(page.locator(".notice")).to_contain_text("Post deleted")
    gone = live_service.api("DELETE", f"/api/tweets/{mine_ids[0]}", key=ann.api_key)
    assert gone.status_code == 404

    # Boris's profile: follow state is right, and unfollowing updates his count.
    await first.get_by_role("link", name="Boris Journey").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Boris Journey")
    await expect(page.locator("[data-section=followers]")).to_have_text("1 follower")
    await expect(page.locator("article.tweet")).to_have_count(2)
    await expect(page.locator("article.tweet").first).to_contain_text("Boris again")
    await shot(page, "profile")
    await page.get_by_role("button", name="Unfollow Boris Journey").click()
    await expect(page.get_by_role("button", name="Follow Boris Journey")).to_be_visible()
    await expect(page.locator("[data-section=followers]")).to_have_text("0 followers")
    me = live_service.api("GET", "/api/users/me", key=ann.api_key).json()["user"]
    assert me["following"] == []

    # Sign out; a wrong key gets a clear message, not a blank page. (Chromium logs
    # the refused request as a console error; that one is expected.)
    browser_errors.allow(r"status of 401 .*/api/users/me")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_label("Your api key")).to_be_visible()
    assert await page.evaluate("localStorage.length") == 0
    await page.reload()  # the key is forgotten: still signed out
    await expect(page.get_by_label("Your api key")).to_be_visible()
    await sign_in(page, "not-a-real-key")
    error = page.locator("[data-role=signin-error]")
    await expect(error).to_contain_text("This api key is not valid")
    await expect(page.get_by_label("Your api key")).to_be_visible()
    await shot(page, "signin-error")

    # A phone-sized screen: everything fits the width.
    phone = await new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    await sign_in(phone, ann)
    await expect(phone.locator("[data-role=empty-feed]")).to_be_visible()
    await phone.get_by_label("Write a post").fill("y" * 300)  # the counter's longest form
    await layout_fits(phone)
    await shot(phone, "phone-feed")
    await phone.get_by_label("Write a post").fill("")
    await phone.goto(f"/users/{boris.id}")
    await expect(phone.locator("article.tweet")).to_have_count(2)
    await layout_fits(phone)
    await shot(phone, "phone-profile")
    await phone.goto("/people")
    await expect(phone.locator("li.person").first).to_be_visible()
    await layout_fits(phone)
    await shot(phone, "phone-people")
