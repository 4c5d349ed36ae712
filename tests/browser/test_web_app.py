"""The web app's finer points in Chromium: composer errors, paging, rollbacks, keyboard, theme."""

import re
from itertools import pairwise

from playwright.async_api import Locator, Page, expect

from tests.browser.harness import (
    BrowserErrors,
    LiveService,
    file_payload,
    picture_loads,
    shot,
    sign_in,
    tweet,
)
from tests.helpers.api import png_picture


async def test_composer_errors_keep_what_was_typed(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    cleo = live_service.create_person("Cleo Composer")
    await sign_in(page, cleo)
    composer = page.locator("form.composer")
    text = composer.get_by_label("Write a post")
    post = composer.get_by_role("button", name="Post")
    counter = composer.locator(".composer-counter")
    error = composer.locator(".composer-error")

    await expect(post).to_be_disabled()  # nothing typed yet
    await text.fill("x" * 282)
    await expect(counter).to_have_text("282 / 280")
    await expect(counter).to_have_class(re.compile("is-over"))
    await expect(composer.locator(".composer-too-long")).to_have_text(
        "2 characters too many: posts can be up to 280 characters."
    )
    await expect(post).to_be_disabled()
    # Counted as the server counts: one emoji is one character, edges trimmed.
    await text.fill("  🙂🙂  ")
    await expect(counter).to_have_text("2 / 280")
    await expect(composer.locator(".composer-too-long")).to_be_empty()

    await text.fill("A picture that is not one")
    # A type the service never takes is refused before uploading.
    await composer.locator("input[type=file]").set_input_files(
        files=[file_payload("notes.txt", b"hello", "text/plain")]
    )
    await expect(error).to_contain_text("notes.txt is not a picture this service takes")
    await expect(composer.locator(".preview")).to_have_count(0)
    # One that claims to be a PNG is checked by the service, which refuses it (415).
    browser_errors.allow(r"status of 415 .*/api/medias")
    await composer.locator("input[type=file]").set_input_files(
        files=[file_payload("fake.png", b"not a picture at all", "image/png")]
    )
    await expect(error).to_contain_text("Could not attach fake.png")
    await expect(composer.locator(".preview")).to_have_count(0)
    await expect(text).to_have_value("A picture that is not one")

    # No more than four pictures.
    pictures = [
        file_payload(f"p{n}.png", png_picture(8, 8, colour), "image/png")
        for n, colour in enumerate(["red", "green", "blue", "gray", "white"])
    ]
    await composer.locator("input[type=file]").set_input_files(files=pictures)
    await expect(error).to_contain_text("up to 4 pictures")
    await expect(composer.locator(".preview")).to_have_count(4)
    await expect(composer.locator(".preview.is-uploading")).to_have_count(0)
    await expect(composer.get_by_role("button", name="Add pictures")).to_be_disabled()
    await composer.get_by_role("button", name="Remove p0.png").click()
    await expect(composer.locator(".preview")).to_have_count(3)
    await shot(page, "composer-errors")

    # What was refused is gone; the post goes out with the three pictures left.
    await post.click()
    posted = tweet(page, "A picture that is not one")
    await expect(posted.locator(".tweet-media img")).to_have_count(3)
    await expect(text).to_have_value("")
    await expect(text).to_be_focused()  # ready for the next post
    await expect(error).to_be_empty()

    # The viewer moves between the post's pictures with the arrow keys.
    await posted.get_by_role("button", name="Open picture 2 of 3").click()
    viewer = page.locator("dialog.lightbox")
    await expect(viewer.locator(".lightbox-caption")).to_have_text("2 of 3")
    await page.keyboard.press("ArrowRight")
    await expect(viewer.locator(".lightbox-caption")).to_have_text("3 of 3")
    await page.keyboard.press("ArrowRight")
    await expect(viewer.locator(".lightbox-caption")).to_have_text("1 of 3")
    await viewer.get_by_role("button", name="Previous picture").click()
    await expect(viewer.locator(".lightbox-caption")).to_have_text("3 of 3")
    await expect(viewer.locator("img")).to_have_attribute(
        "alt", "Picture 3 of 3 in Cleo Composer's post"
    )
    await page.keyboard.press("Escape")
    await expect(viewer).to_have_count(0)

    # A picture dropped on the composer is attached like a picked one.
    await page.locator("form.composer").evaluate(
        """(form, bytes) => {
            const data = new DataTransfer();
            const picture = new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"});
            data.items.add(picture);
            const init = {dataTransfer: data, bubbles: true, cancelable: true};
            for (const type of ["dragover", "drop"]) form.dispatchEvent(new DragEvent(type, init));
        }""",
        list(png_picture(16, 16, "orange")),
    )
    await expect(composer.locator(".preview img")).to_have_attribute("alt", "dropped.png")
    await expect(composer.locator(".preview.is-uploading")).to_have_count(0)
    # Larger than the service takes: refused here, before a byte is sent.
    too_big = b"\x89PNG" + bytes(10 * 1024 * 1024)
    await composer.locator("input[type=file]").set_input_files(
        files=[file_payload("huge.png", too_big, "image/png")]
    )
    await expect(error).to_have_text("huge.png is too large: pictures can be up to 10 MB.")
    await expect(composer.locator(".preview")).to_have_count(1)


async def test_the_feed_loads_more_as_you_scroll(page: Page, live_service: LiveService) -> None:
    dana = live_service.create_person("Dana Scroll")
    for number in range(1, 26):
        live_service.api.tweet(dana, f"Update number {number}")
    await sign_in(page, dana)
    tweets = page.locator("article.tweet")
    await expect(tweets.first).to_contain_text("Update number 25")  # newest first at 0 likes
    end = page.get_by_text("You're all caught up.")
    await expect(tweets).to_have_count(20)  # one page, until the end comes into view
    await expect(end).to_have_count(0)
    await tweets.nth(19).scroll_into_view_if_needed()
    await expect(tweets).to_have_count(25)
    await expect(end).to_be_visible()
    texts = await page.locator("article.tweet .tweet-text").all_text_contents()
    assert texts == [f"Update number {n}" for n in range(25, 0, -1)]

    # Off to a profile and Back: the same 25 posts, scrolled where they were.
    author = tweets.nth(22).get_by_role("link", name="Dana Scroll")
    await author.scroll_into_view_if_needed()
    where = await page.evaluate("window.scrollY")
    assert where > 1000
    await author.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dana Scroll")
    assert await page.evaluate("window.scrollY") == 0
    await page.go_back()
    await expect(tweets).to_have_count(25)
    await page.wait_for_function("where => Math.abs(window.scrollY - where) < 5", arg=where)


async def test_a_like_on_a_post_deleted_meanwhile_removes_it_with_a_message(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    eve = live_service.create_person("Eve Rollback")
    tweet_id = live_service.api.tweet(eve, "Soon gone")
    await sign_in(page, eve)
    card = tweet(page, "Soon gone")
    await expect(card).to_be_visible()
    # Deleted in another tab while this one still shows it.
    live_service.api.delete_tweet(eve, tweet_id)
    browser_errors.allow(rf"status of 404 .*/api/tweets/{tweet_id}/likes")
    like = card.get_by_role("button", name="Like", exact=True)
    await like.click()
    await expect(page.locator(".notice-error")).to_have_text(
        "This post has been deleted by its author."
    )
    await expect(card).to_have_count(0)


async def test_quick_clicks_on_like_end_as_the_last_click_says(
    page: Page, live_service: LiveService
) -> None:
    kim = live_service.create_person("Kim Clicks")
    tweet_id = live_service.api.tweet(kim, "Click me fast")
    await sign_in(page, kim)
    card = tweet(page, "Click me fast")
    like = card.get_by_role("button", name="Like", exact=True)
    for clicks, liked in ((3, True), (2, True), (1, False)):
        for _ in range(clicks):
            await like.click()
        await expect(like).to_have_attribute("aria-pressed", str(liked).lower())
        await expect(like).not_to_have_attribute("aria-busy", "true")
        server = live_service.api.tweets_of(kim, kim)[0]
        assert server["id"] == tweet_id
        assert server["likes_count"] == int(liked)


async def test_keyboard_alone_signs_in_posts_and_likes(
    page: Page, live_service: LiveService
) -> None:
    finn = live_service.create_person("Finn Keys")
    await page.goto("/")
    await expect(page.get_by_label("Your api key")).to_be_focused()
    await page.keyboard.type(finn.api_key)
    await page.keyboard.press("Enter")
    await expect(page.locator("[data-role=account-name]")).to_have_text("Finn Keys")
    # Signed in, focus is on the page's heading, where a screen reader starts reading.
    await expect(page.get_by_role("heading", name="Home")).to_be_focused()
    await page.keyboard.press("Tab")  # from the heading, the text box is next
    text = page.get_by_label("Write a post")
    await expect(text).to_be_focused()
    await page.keyboard.type("Half a thought")
    # "Skip to content" jumps past the header without redrawing the view.
    await page.get_by_role("link", name="Skip to content").focus()
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    await expect(text).to_be_focused()
    await expect(text).to_have_value("Half a thought")
    # After a reload, the first Tab reaches it.
    await page.reload()
    await expect(page.locator("[data-role=account-name]")).to_have_text("Finn Keys")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    await expect(text).to_be_focused()
    await page.keyboard.type("Half a thought")
    await page.keyboard.type(", finished.")
    await page.keyboard.press("Control+Enter")
    card = tweet(page, "Half a thought, finished.")
    await expect(card).to_be_visible()
    await expect(text).to_be_focused()
    like = card.get_by_role("button", name="Like", exact=True)
    await like.focus()
    # A focused control shows it: the outline is drawn.
    outline = await like.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    await page.keyboard.press("Space")
    await expect(card.locator(".likes-count")).to_have_text("1 like")
    await expect(like).not_to_have_attribute("aria-busy", "true")  # the server has it
    # Deleting by keyboard: focus lands on a neighbour, not lost.
    await card.get_by_role("button", name="Delete post").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("dialog", name="Delete this post?")).to_be_visible()
    await expect(page.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(card).to_have_count(0)
    focused = await page.evaluate("document.activeElement.tagName")
    assert focused != "BODY"


async def test_dark_theme_follows_the_system(page: Page, live_service: LiveService) -> None:
    gus = live_service.create_person("Gus Dark")
    await page.emulate_media(color_scheme="dark")
    await sign_in(page, gus)
    await expect(page.locator("[data-role=empty-feed]")).to_be_visible()
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 18, 24)"
    await shot(page, "feed-dark")
    await page.emulate_media(color_scheme="light")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(244, 246, 249)"


async def scroll_until(page: Page, rows: Locator, count: int) -> None:
    """Scroll to the end of the page until the list shows `count` rows."""
    while (shown := await rows.count()) < count:
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        await expect(rows).not_to_have_count(shown)


async def test_a_long_followers_list_comes_a_page_at_a_time(
    page: Page, live_service: LiveService
) -> None:
    star = live_service.create_person("Star Many")
    fans = [live_service.create_person(f"Fan {n:02d}") for n in range(45)]
    for fan in fans:
        live_service.api.follow(fan, star)
    zed = live_service.create_person("Zed Late")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    await sign_in(page, zed)
    await page.goto(f"/users/{star.id}/followers")
    await expect(page.locator("[data-section=followers]")).to_have_text("45 followers")
    rows = page.locator("ul.people li.person")
    await expect(rows.first).to_contain_text("Fan 00")
    # Scrolling down brings the rest, by name; the profile itself carried nobody.
    await scroll_until(page, rows, 45)
    await expect(rows.locator(".person-link")).to_have_text([fan.name for fan in fans])
    lists = [url for url in asked if f"/api/users/{star.id}/followers?" in url]
    assert len(lists) >= 2, lists
    assert any(url.endswith(f"/api/users/{star.id}?people_limit=0") for url in asked), asked

    # Following her puts Zed in the list, in his place by name, and in the count.
    await page.locator(".profile-header").get_by_role("button", name="Follow Star Many").click()
    await expect(page.locator("[data-section=followers]")).to_have_text("46 followers")
    await scroll_until(page, rows, 46)
    await expect(rows.last).to_contain_text("Zed Late")
    await expect(page.locator(".notice-error")).to_have_count(0)


async def test_unfollowing_on_your_following_tab_skips_nobody_further_down(
    page: Page, live_service: LiveService
) -> None:
    una = live_service.create_person("Una Tidy")
    pals = [live_service.create_person(f"Pal {n:02d}") for n in range(30)]
    for pal in pals:
        live_service.api.follow(una, pal)
    await sign_in(page, una)
    await page.goto(f"/users/{una.id}/following")
    rows = page.locator("ul.people li.person")
    await expect(rows.first).to_contain_text("Pal 00")
    await expect(page.locator("[data-section=following]")).to_have_text("30 following")
    shown = await rows.count()
    assert shown < 30  # the rest comes on scrolling
    # Six unfollows in what is shown: the server's list moves up by six.
    for pal in pals[:6]:
        await page.get_by_role("button", name=f"Unfollow {pal.name}").click()
        await expect(page.get_by_role("button", name=f"Follow {pal.name}")).to_be_visible()
    await expect(page.locator("[data-section=following]")).to_have_text("24 following")
    await scroll_until(page, rows, 30)
    await expect(rows.locator(".person-link")).to_have_text([pal.name for pal in pals])


async def test_counts_stay_exact_when_another_tab_followed_first(
    page: Page, live_service: LiveService
) -> None:
    vic = live_service.create_person("Vic Twotabs")
    wes = live_service.create_person("Wes Followed")
    await sign_in(page, vic)
    await page.goto("/people?q=Wes%20Followed")
    link = page.get_by_role("link", name="Wes Followed")
    await expect(link).to_be_visible()
    # Another tab follows Wes; this one, signed in before, still offers to.
    live_service.api.follow(vic, wes)
    await link.click()
    await expect(page.locator("[data-section=followers]")).to_have_text("1 follower")
    await page.get_by_role("button", name="Follow Wes Followed").click()
    await expect(page.get_by_role("button", name="Unfollow Wes Followed")).to_be_visible()
    await expect(page.locator("[data-section=followers]")).to_have_text("1 follower")
    await page.get_by_role("button", name="Unfollow Wes Followed").click()
    await expect(page.locator("[data-section=followers]")).to_have_text("0 followers")


async def test_own_profile_counts_follow_what_you_do(page: Page, live_service: LiveService) -> None:
    ivy = live_service.create_person("Ivy Self")
    jack = live_service.create_person("Jack Other")
    live_service.api.follow(ivy, jack)
    await sign_in(page, ivy)
    await page.get_by_role("link", name="My profile").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ivy Self")
    await expect(page.get_by_text("This is you")).to_be_visible()
    assert await page.locator(".profile-header .follow-button").count() == 0
    await expect(page.get_by_text("You have not posted anything yet.")).to_be_visible()
    await page.locator("[data-section=following]").click()
    await expect(page).to_have_url(re.compile(rf"/users/{ivy.id}/following$"))
    row = page.locator("li.person", has_text="Jack Other")
    await row.get_by_role("button", name="Unfollow Jack Other").click()
    await expect(row.get_by_role("button", name="Follow Jack Other")).to_be_visible()
    await expect(row.get_by_role("button", name="Follow Jack Other")).to_be_focused()
    await expect(page.locator("[data-section=following]")).to_have_text("0 following")
    # Elsewhere afterwards, following works as usual: the profile left no trace.
    # (Searched for: other tests' people share this service's directory.)
    await page.get_by_role("link", name="People").click()
    await page.get_by_label("Search by name").fill("Jack Other")
    searched = re.compile(r"/people\?q=Jack\+Other$")
    await expect(page).to_have_url(searched)  # the search's own list is shown
    row = page.locator("li.person", has_text="Jack Other")
    await expect(row).to_contain_text("0 followers")
    await row.get_by_role("button", name="Follow Jack Other").click()
    await expect(row.get_by_role("button", name="Unfollow Jack Other")).to_be_visible()
    await expect(row).to_contain_text("1 follower")
    await expect(page).to_have_url(searched)
    await expect(page.locator(".notice-error")).to_have_count(0)
    # The address of a search can be shared: it opens with the search done.
    await page.goto("/people?q=jack%20oth")
    await expect(page.get_by_label("Search by name")).to_have_value("jack oth")
    await expect(page.locator("li.person")).to_have_text(re.compile("Jack Other"))
    await expect(page.locator("li.person")).to_have_count(1)


async def test_addresses_that_lead_nowhere_say_so(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    lena = live_service.create_person("Lena Lost")
    await sign_in(page, lena)
    await page.goto("/no/such/page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    await expect(page).to_have_title("Page not found · Microblog")
    await page.get_by_role("link", name="Go to your feed").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    browser_errors.allow(r"status of 404 .*/api/users/999999")
    missing = "This person does not exist. They may have been removed, or the address is wrong."
    await page.goto("/users/999999")
    await expect(page.get_by_role("alert")).to_have_text(missing)
    # Ids the API never gives name nobody either, rather than showing its 422.
    for impossible in ("0", str(2**63), "99999999999999999999999"):
        await page.goto(f"/users/{impossible}")
        await expect(page.get_by_role("alert")).to_have_text(missing)


async def test_views_forget_nothing_on_the_way(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    mia = live_service.create_person("Mia Wander")
    noah = live_service.create_person("Noah Liker")
    tweet_id = live_service.api.tweet(mia, "Liked by Noah")
    live_service.api.like(noah, tweet_id)

    # Signing in with nothing pasted is explained by the app itself.
    await page.goto("/")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("[data-role=signin-error]")).to_have_text("Paste your api key first.")
    await sign_in(page, mia)

    # A half-written post and its uploaded picture survive going elsewhere and a reload.
    text = page.get_by_label("Write a post")
    await text.fill("Half-written thoughts")
    await page.locator("form.composer input[type=file]").set_input_files(
        files=[file_payload("sketch.png", png_picture(40, 30, "teal"), "image/png")]
    )
    previews = page.locator("form.composer .preview")
    await expect(previews).to_have_count(1)
    await expect(page.locator("form.composer .preview.is-uploading")).to_have_count(0)
    await page.get_by_role("link", name="People").click()
    await page.get_by_role("link", name="Home").click()
    await expect(text).to_have_value("Half-written thoughts")
    await expect(previews).to_have_count(1)
    await page.reload()
    await expect(text).to_have_value("Half-written thoughts")
    await expect(previews.get_by_role("img", name="sketch.png")).to_have_count(1)
    await picture_loads(page, "form.composer .preview img")  # an unposted picture: with the key
    await expect(page.get_by_role("button", name="Remove sketch.png")).to_be_visible()

    # A dialog does not outlive its view: a name in "Liked by" leads to a profile.
    card = tweet(page, "Liked by Noah")
    await card.get_by_role("button", name="1 like").click()
    dialog = page.get_by_role("dialog", name="Liked by")
    await dialog.get_by_role("link", name="Noah Liker").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Noah Liker")
    await expect(page.locator("dialog")).to_have_count(0)
    # Back with a deletion waiting for a yes: it is a no.
    await page.go_back()
    await card.get_by_role("button", name="Delete post").click()
    await expect(page.get_by_role("dialog", name="Delete this post?")).to_be_visible()
    await page.go_back()  # to Noah's profile
    await expect(page.locator("dialog")).to_have_count(0)
    assert live_service.api.tweets_of(mia, mia), "the post was deleted without a yes"

    # "My profile" stays marked on its followers page.
    await page.goto(f"/users/{mia.id}/followers")
    await expect(page.get_by_role("link", name="My profile")).to_have_attribute(
        "aria-current", "page"
    )
    # Signing out forgets the draft with the key.
    await page.get_by_role("button", name="Sign out").click()
    await sign_in(page, mia)
    await expect(page.get_by_label("Write a post")).to_have_value("")
    await expect(previews).to_have_count(0)


async def test_api_docs_work_without_the_internet(page: Page, live_service: LiveService) -> None:
    oscar = live_service.create_person("Oscar Docs")
    # Any request to another host fails the test (see the new_page fixture).
    await page.goto("/docs")
    await expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    await expect(
        page.locator(".opblock-summary-path", has_text="/api/tweets").first
    ).to_be_visible()
    await page.get_by_role("button", name="Authorize").click()
    await page.locator(".auth-container input").fill(oscar.api_key)
    await page.locator(".auth-btn-wrapper .authorize").click()
    await page.locator(".auth-btn-wrapper .btn-done").click()
    # Swagger UI's id of the operation (`/api/users/me/export` holds the path too).
    me = page.locator("#operations-users-me_api_users_me_get")
    await me.locator(".opblock-summary").click()
    await me.get_by_role("button", name="Try it out").click()
    await me.get_by_role("button", name="Execute").click()
    await expect(me.locator(".response .microlight").first).to_contain_text("Oscar Docs")


async def test_likers_of_a_popular_post_come_a_page_at_a_time(
    page: Page, live_service: LiveService
) -> None:
    """A post in the feed carries its first likers only (LIKERS_PER_TWEET); the
    "Liked by" list fetches everyone, a hundred at a time."""
    author = live_service.create_person("Popular Poster")
    tweet_id = live_service.api.tweet(author, "Everyone likes this")
    fans = [live_service.create_person(f"Fan {n:03}") for n in range(104)]
    for fan in [author, *fans]:
        live_service.api.like(fan, tweet_id)

    await sign_in(page, author)
    card = tweet(page, "Everyone likes this")
    await card.get_by_role("button", name="105 likes").click()
    dialog = page.get_by_role("dialog", name="Liked by")
    names = dialog.locator("li.person")
    await expect(names).to_have_count(100)
    await expect(names.first).to_contain_text("Popular Poster")  # in the order they liked
    more = dialog.get_by_role("button", name="Show more")
    await more.click()
    await expect(names).to_have_count(105)
    await expect(names.last).to_contain_text("Fan 103")
    await expect(more).to_be_hidden()


async def test_a_picture_opened_on_its_own_shows(page: Page, live_service: LiveService) -> None:
    """Pictures carry a policy that runs nothing (default-src 'none'; sandbox); the
    browser still shows one opened by its address, as a picture."""
    ann = live_service.create_person("Ann Pictures")
    upload = {"file": ("dot.png", png_picture(30, 20, "navy"), "image/png")}
    created = live_service.api("POST", "/api/medias", key=ann.api_key, files=upload)
    assert created.status_code == 201
    posted = live_service.api(
        "POST",
        "/api/tweets",
        key=ann.api_key,
        json={"tweet_data": "A picture", "tweet_media_ids": [created.json()["media_id"]]},
    )
    assert posted.status_code == 201
    await page.goto(created.json()["url"])
    size = await page.evaluate(
        "[document.images[0].naturalWidth, document.images[0].naturalHeight]"
    )
    assert size == [30, 20]


async def test_script_in_posts_and_names_is_shown_never_run(
    page: Page, live_service: LiveService
) -> None:
    """What people type is text: markup in a post, a name or a liker's name shows
    literally and runs nothing (the policy would block it too; the app never
    builds HTML from people's text in the first place)."""
    payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    mallory = live_service.create_person('<b onmouseover="window.pwned=3">Mallory</b>')
    tweet_id = live_service.api.tweet(mallory, f"Look {payload} javascript:window.pwned=4")
    live_service.api.like(mallory, tweet_id)

    await sign_in(page, mallory)
    card = tweet(page, "Look")
    await expect(card).to_contain_text(payload)
    await expect(card).to_contain_text('<b onmouseover="window.pwned=3">Mallory</b>')
    await card.hover()
    await card.get_by_role("button", name="1 like").click()
    await expect(page.get_by_role("dialog", name="Liked by")).to_contain_text("onmouseover")
    await page.keyboard.press("Escape")
    await page.goto(f"/users/{mallory.id}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Mallory</b>")
    assert await page.evaluate("window.pwned") is None
    # No element came out of people's text.
    assert await page.locator("img[src=x], b[onmouseover]").count() == 0
    assert await page.locator("a[href^='javascript:']").count() == 0


RLO, PDF = "\u202e", "\u202c"  # right-to-left override, and the end of one
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# The left edge of each character of an element's text as drawn, leaving out what
# shows as nothing and what is in a <bdi> (people's text in a sentence).
DRAWN = """(element) => {
    const lefts = [];
    const range = document.createRange();
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('bdi')) continue;
        for (let at = 0; at < node.data.length; at++) {
            range.setStart(node, at);
            range.setEnd(node, at + 1);
            const box = range.getBoundingClientRect();
            if (box.width > 0) lefts.push(box.left);
        }
    }
    return lefts;
}"""


async def reads_left_to_right(element: Locator) -> bool:
    lefts: list[float] = await element.evaluate(DRAWN)
    return len(lefts) > 1 and all(a < b for a, b in pairwise(lefts))


async def isolated(element: Locator) -> bool:
    """Bidi controls inside cannot reach out, nor those around reach in."""
    style: str = await element.evaluate("(element) => getComputedStyle(element).unicodeBidi")
    return style == "isolate"


async def test_bidi_controls_cannot_disguise_links_or_turn_names_round(
    page: Page, live_service: LiveService
) -> None:
    """A right-to-left override (U+202E) draws what follows backwards: "gpj.exe" reads
    "exe.jpg". Posts and names keep such characters as typed, but a link is made
    without them and reads exactly what it opens, and people's texts are isolated,
    so theirs cannot turn the page's own text (or a link next to them) round."""
    eve = live_service.create_person(f"Eve {RLO}Override")
    ida = live_service.create_person(f"Ida {RLO}Silent")
    hebrew = "\u05d0\u05d1/\u05d2"  # right-to-left letters reorder around the "/"
    live_service.api.tweet(
        eve,
        f"see {RLO}https://evil.example/gpj.exe{PDF} or https://evil.example/{RLO}fdp.txt"
        f" and {RLO}https://evil.example/a\u200b\u2066b{PDF} https://evil.example/{hebrew}",
    )

    await sign_in(page, eve)
    card = tweet(page, "see")
    text = card.locator(".tweet-text")
    await expect(text).to_have_attribute("dir", "auto")
    links = text.get_by_role("link")
    shown = [
        "https://evil.example/gpj.exe",
        "https://evil.example/fdp.txt",
        "https://evil.example/ab",
        "https://evil.example/%D7%90%D7%91/%D7%92",
    ]
    await expect(links).to_have_text(shown)
    for link, address in zip(await links.all(), shown, strict=True):
        assert await link.get_attribute("href") == address
        assert await link.text_content() == address
        assert await isolated(link)
        assert await reads_left_to_right(link), address
    assert BIDI_CONTROLS.search(await text.text_content() or "")  # the post's own are kept
    await shot(page, "bidi-links")

    for name in (card.locator(".tweet-author"), page.locator("[data-role=account-name]")):
        await expect(name).to_have_attribute("dir", "auto")
        assert await isolated(name)
    await page.goto(f"/users/{ida.id}")
    await expect(page.locator("[data-role=profile-name]")).to_have_attribute("dir", "auto")
    sentence = page.locator("[data-role=no-tweets] p")
    await expect(sentence).to_have_text(f"Ida {RLO}Silent has not posted anything yet.")
    assert await reads_left_to_right(sentence)
