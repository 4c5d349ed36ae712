"""Search in the web app, in Chromium against the real service: the header's field
(results as one types, the words found marked, an older answer never over a newer one),
the results' own address with Back and Forward, refusals and nothing found said in
both languages, hashtags and mentions as links, a hashtag's page, what is trending
under an empty feed (Russian plurals too), and marked words that stay text.

Expected texts are spelt out here, not taken from the catalogues, so a wrong form fails.
Tests of this module share its service, so each uses words and hashtags of its own.
"""

import asyncio
import re
from urllib.parse import quote

import pytest
from playwright.async_api import Locator, Page, Route, expect

from tests.browser.harness import BrowserErrors, LiveService, NewPage, shot, sign_in, tweet
from tests.browser.language import LOCALES, assert_speaks

SEARCH_LABEL = {"en-US": "Search posts", "ru-RU": "Поиск по твитам"}


def search_box(page: Page, locale: str = "en-US") -> Locator:
    return page.get_by_role("searchbox", name=SEARCH_LABEL[locale])


def results(page: Page, title: str) -> Locator:
    """The cards of the results list named `title` ("Results for “…”")."""
    return page.get_by_role("feed", name=title).locator("article.tweet")


def at(path: str) -> re.Pattern[str]:
    """The page's address ends with `path` (its query %-encoded as the app writes it)."""
    return re.compile(re.escape(path) + "$")


async def test_typing_searches_and_marks_the_words_found(
    new_page: NewPage, live_service: LiveService
) -> None:
    ira = live_service.create_person("Ира Ищущая")
    kim = live_service.create_person("Ким Релизный")
    live_service.api.tweet(kim, "Релиз завтра, готовимся")
    live_service.api.tweet(kim, "Обед в полдень")
    page = await new_page(locale="ru-RU")
    await sign_in(page, ira)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/search/" in r.url else None)

    # Another form of the word finds the post, with the word as written there marked.
    box = search_box(page, "ru-RU")
    await box.press_sequentially("релизы", delay=30)
    await expect(page).to_have_url(at("/search?q=" + quote("релизы")))
    found = results(page, "Результаты по запросу «релизы»")
    await expect(found).to_have_count(1)
    await expect(found.locator(".tweet-text")).to_have_text("Релиз завтра, готовимся")
    await expect(found.locator("mark")).to_have_text(["Релиз"])
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Результаты по запросу «релизы»"
    )
    await expect(page).to_have_title("Результаты по запросу «релизы» · Микроблог")
    await expect(box).to_be_focused()  # the person types on
    # Asked after a pause in typing, not at every key.
    assert asked[-1].endswith("q=" + quote("релизы") + "&offset=0&limit=20"), asked
    assert len(asked) < len("релизы"), asked
    await assert_speaks(page, "ru", typed=[ira.name, kim.name, "Релиз завтра, готовимся", "релизы"])
    await shot(page, "search-ru")

    # An answer that comes late, to a query typed over since, never shows.
    held = asyncio.Event()

    async def hold(route: Route) -> None:
        if "q=" + quote("релиз") + "&" in route.request.url:
            await held.wait()
        await route.continue_()

    await page.route(re.compile(r"/api/search/tweets\?"), hold)
    await page.evaluate(
        """() => {
            window.shown = [];
            new MutationObserver((records) => {
                for (const record of records)
                    for (const node of record.addedNodes)
                        if (node.nodeType === 1 && document.contains(node))
                            window.shown.push(node.textContent);
            }).observe(document.querySelector('main'), { childList: true, subtree: true });
        }"""
    )
    async with page.expect_request(lambda r: "q=" + quote("релиз") + "&" in r.url):
        await box.fill("релиз")
    await box.fill("обед")
    lunch = results(page, "Результаты по запросу «обед»")
    await expect(lunch).to_have_count(1)
    await expect(lunch.locator("mark")).to_have_text(["Обед"])
    async with page.expect_response(lambda r: "q=" + quote("релиз") + "&" in r.url) as late:
        held.set()
    await (await late.value).finished()
    # A later query's answer shows after the late one arrived: by then it was handled.
    await box.fill("полдень")
    await expect(results(page, "Результаты по запросу «полдень»")).to_have_count(1)
    await expect(page).to_have_url(at("/search?q=" + quote("полдень")))
    shown: list[str] = await page.evaluate("window.shown")
    assert not [text for text in shown if "Релиз завтра" in text], shown


async def test_the_results_have_their_own_address(page: Page, live_service: LiveService) -> None:
    cleo = live_service.create_person("Cleo Sharer")
    live_service.api.tweet(cleo, "Roadmap review on Friday #planning")
    await sign_in(page, cleo)
    heading = page.get_by_role("heading", level=1)
    box = search_box(page)

    # Opened from its address, as a shared link: the field shows the query.
    await page.goto("/search?q=roadmap")
    await expect(box).to_have_value("roadmap")
    found = results(page, "Results for “roadmap”")
    await expect(found.locator("mark")).to_have_text(["Roadmap"])
    await expect(heading).to_have_text("Results for “roadmap”")

    # A hashtag in a result opens its page; Back comes to the results, Forward goes again.
    await found.get_by_role("link", name="#planning").click()
    await expect(page).to_have_url(at("/hashtags/planning"))
    await expect(heading).to_have_text("#planning")
    await expect(page).to_have_title("#planning · Microblog")
    await expect(box).to_have_value("")
    await page.go_back()
    await expect(page).to_have_url(at("/search?q=roadmap"))
    await expect(box).to_have_value("roadmap")
    await expect(found.locator("mark")).to_have_text(["Roadmap"])
    await page.go_forward()
    await expect(heading).to_have_text("#planning")
    await page.go_back()
    await expect(found).to_have_count(1)

    # A query typed on the results page takes the same history entry: Back leaves search.
    await box.fill("friday")
    await expect(page).to_have_url(at("/search?q=friday"))
    await expect(results(page, "Results for “friday”").locator("mark")).to_have_text(["Friday"])
    await page.go_back()
    await expect(heading).to_have_text("Home")
    await expect(box).to_have_value("")

    # Enter searches at once; the address with no query asks for one.
    await box.fill("review")
    await box.press("Enter")
    await expect(results(page, "Results for “review”")).to_have_count(1)
    await page.goto("/search")
    await expect(heading).to_have_text("Search")
    await expect(page.locator("[data-role=search-hint]")).to_have_text(
        "Type what to look for in the search field at the top of the page."
    )


NOTHING = {
    "en-US": "No posts match “zqxjvw”.",
    "ru-RU": "Ничего не нашлось по запросу «zqxjvw».",
}
REFUSED = {
    "en-US": "Cannot search for that: ",
    "ru-RU": "По такому запросу искать нельзя: ",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_refused_query_and_no_results_are_said(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors, locale: str
) -> None:
    browser_errors.allow(r"status of 422")  # Chromium logs the answer the test asks for
    language = LOCALES[locale]
    lev = live_service.create_person(f"Lev Refused {language}")
    await sign_in(page, lev)
    box = search_box(page, locale)
    refused = page.locator("[data-role=refused]")

    # The service's reason, in a sentence of the page's language; no "Try again".
    for query in ["the", "-lunch"]:  # only a stop word; only exclusions
        answer = live_service.api("GET", "/api/search/tweets", lev.api_key, params={"q": query})
        assert answer.status_code == 422, answer.text
        reason = answer.json()["error_message"]
        await box.fill(query)
        await expect(refused).to_have_text(REFUSED[locale] + reason)
        await expect(page.locator("[data-action=retry]")).to_have_count(0)
        await assert_speaks(page, language, typed=[lev.name, query], api_said=[reason])

    await box.fill("zqxjvw")
    await expect(page.locator("[data-role=no-results]")).to_have_text(NOTHING[locale])
    await expect(refused).to_have_count(0)
    await assert_speaks(page, language, typed=[lev.name, "zqxjvw"])


async def test_hashtags_and_mentions_are_links(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    dana = live_service.create_person("Dana Tagger")
    eli = live_service.create_person("Eli Mentioned")
    eli_handle = live_service.handle(eli)
    text = (
        f"Shipping #Launch today with @{eli_handle}, not @nobody_at_all;"
        " see https://example.com/notes#launch and a#launch"
    )
    live_service.api.tweet(dana, text)
    live_service.api.tweet(eli, "Second #launch note")
    await sign_in(page, dana)

    # In the feed: the hashtag and the resolved mention are links, the rest stays text.
    card = tweet(page, "Shipping")
    body = card.locator(".tweet-text")
    await expect(body).to_have_text(text)
    await expect(body.get_by_role("link")).to_have_text(
        ["#Launch", f"@{eli_handle}", "https://example.com/notes#launch"]
    )
    await expect(body.get_by_role("link", name=f"@{eli_handle}")).to_have_attribute(
        "href", f"/users/{eli.id}"
    )
    tag = body.get_by_role("link", name="#Launch", exact=True)
    await expect(tag).to_have_attribute("href", "/hashtags/launch")

    # Its page: the tag as the title, its posts newest first.
    await tag.click()
    await expect(page).to_have_url(at("/hashtags/launch"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("#launch")
    posts = page.get_by_role("feed", name="#launch").locator("article.tweet .tweet-text")
    await expect(posts).to_have_text(["Second #launch note", text])
    await expect(page.locator(".pager-end")).to_have_text("That's all of them.")
    await shot(page, "hashtag-en")

    # Searching for the hashtag marks it whole, wherever it is a hashtag.
    await search_box(page).fill("#launch")
    found = results(page, "Results for “#launch”")
    await expect(found).to_have_count(2)
    await expect(found.locator("mark")).to_have_count(2)
    assert sorted(await found.locator("mark").all_text_contents()) == ["#Launch", "#launch"]

    # A tag in other letters has an address of its own; a tag nobody used, an empty page.
    live_service.api.tweet(dana, "Итоги #квартала")
    await page.goto("/hashtags/" + quote("квартала"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("#квартала")
    await expect(page.locator("article.tweet .tweet-text")).to_have_text(["Итоги #квартала"])
    await page.goto("/hashtags/nobodyusesthis")
    await expect(page.locator("[data-role=no-tweets]")).to_have_text("No posts carry this hashtag.")
    # What cannot be a hashtag is refused, in the service's words.
    browser_errors.allow(r"status of 422")
    await page.goto("/hashtags/" + quote("no-such!"))
    await expect(page.locator("[data-role=refused]")).to_contain_text("Cannot show this hashtag: ")


TRENDING = {
    "en-US": ("Trending", "5 posts · 2 people", "2 posts · 1 person"),
    "ru-RU": ("Сейчас обсуждают", "5 твитов · 2 человека", "2 твита · 1 человек"),
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_trending_under_an_empty_feed(
    page: Page, live_service: LiveService, locale: str
) -> None:
    language = LOCALES[locale]
    busy, quiet = f"standup_{language}", f"retro_{language}"
    fay = live_service.create_person(f"Fay Poster {language}")
    gus = live_service.create_person(f"Gus Poster {language}")
    newcomer = live_service.create_person(f"Newcomer {language}")
    for number in range(3):
        live_service.api.tweet(fay, f"Standup {number} #{busy}")
    for number in range(2):
        live_service.api.tweet(gus, f"Standup by Gus {number} #{busy}")
        live_service.api.tweet(fay, f"Retro {number} #{quiet}")
    await sign_in(page, newcomer)

    title, busy_counts, quiet_counts = TRENDING[locale]
    block = page.locator("[data-role=trending]")
    await expect(block.get_by_role("heading")).to_have_text(title)
    tags = block.locator(".trending-item .hashtag")
    # Most people first (the tests of this module share the service: others may be there).
    await expect(tags.filter(has_text=re.compile(f"^#({busy}|{quiet})$"))).to_have_text(
        [f"#{busy}", f"#{quiet}"]
    )
    row = block.locator(".trending-item")
    await expect(row.filter(has_text=f"#{busy}").locator(".trending-counts")).to_have_text(
        busy_counts
    )
    await expect(row.filter(has_text=f"#{quiet}").locator(".trending-counts")).to_have_text(
        quiet_counts
    )
    names = [fay.name, gus.name, newcomer.name]
    shown = [f"#{item['tag']}" for item in live_service.api.trending(newcomer, limit=10)]
    await assert_speaks(page, language, typed=[*names, *shown])
    await shot(page, f"trending-{locale}")

    await tags.filter(has_text=f"#{busy}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"#{busy}")
    await expect(page.locator("article.tweet")).to_have_count(5)

    # A feed with five posts in it has no trending block.
    live_service.api.follow(newcomer, fay)
    await page.goto("/")
    await expect(page.locator("article.tweet")).to_have_count(5)
    await expect(page.locator(".pager-end")).to_be_visible()
    await expect(block).to_be_hidden()


async def test_marked_words_never_make_markup(page: Page, live_service: LiveService) -> None:
    hal = live_service.create_person("Hal Hostile")
    hostile = "<img src=x onerror=alert(1)> onerror <b>bold</b> &amp; done"
    live_service.api.tweet(hal, hostile)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await sign_in(page, hal)

    await page.goto("/search?q=onerror")
    body = results(page, "Results for “onerror”").locator(".tweet-text")
    await expect(body).to_have_text(hostile)
    await expect(body.locator("mark")).to_have_text(["onerror", "onerror"])
    await expect(body.locator("img, b")).to_have_count(0)
    assert await body.evaluate("el => [...el.childNodes].map(n => n.nodeName)") == [
        "#text",
        "MARK",
        "#text",
        "MARK",
        "#text",
    ]
    assert dialogs == []
