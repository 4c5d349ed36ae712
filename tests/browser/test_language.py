"""The web app's two languages: the catalogues agree, Russian plurals and dates are
right, the browser's languages choose, and a person's own choice sticks.

Expected texts are spelt out here, not taken from the catalogues, so a wrong form fails.
"""

import json
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, Route, expect

from tests.browser.harness import (
    BrowserErrors,
    LiveService,
    NewPage,
    file_payload,
    shot,
    sign_in,
    tweet,
)
from tests.browser.language import (
    LETTER,
    SLOT,
    assert_speaks,
    catalogues,
    forms,
    tr,
)
from tests.helpers.api import png_picture
from tests.helpers.cli import ROOT

JS = ROOT / "app" / "static" / "js"

# A call of t() with its key written out, also as `t(cond ? "a.b" : "c.d", ...)`.
T_CALL = re.compile(r"\bt\(\s*([^()]*?)[,)]")
KEY = re.compile(r"""["']([a-zA-Z]+\.[a-zA-Z]+)["']""")


# Written the same in every language: names of things, not words to translate.
NAMES_IN_LATIN = {"API", "JPEG", "PNG", "GIF", "WebP", "Enter"}


def source_files() -> list[Path]:
    return [path for path in JS.rglob("*.js") if path.parent.name != "messages"]


async def test_catalogues_have_the_same_messages_in_every_language(page: Page) -> None:
    await page.goto("/")
    every = await catalogues(page)
    assert set(every) == {"en", "ru"}
    keys = {code: set(catalogue) for code, catalogue in every.items()}
    assert keys["ru"] == keys["en"], (
        f"only English: {keys['en'] - keys['ru']}; only Russian: {keys['ru'] - keys['en']}"
    )

    for code, catalogue in every.items():
        categories: list[str] = await page.evaluate(
            "code => new Intl.PluralRules(code).resolvedOptions().pluralCategories", code
        )
        for key, message in catalogue.items():
            english = every["en"][key]
            # The same slots, so no language drops a name or a reason.
            slots = {frozenset(SLOT.findall(text)) for text in forms(message)}
            assert slots == {frozenset(SLOT.findall(text)) for text in forms(english)}, (code, key)
            # A plural message has exactly the forms the language's rules choose from.
            if isinstance(english, dict):
                assert isinstance(message, dict), (code, key)
                assert sorted(message) == sorted(categories), (code, key)
            else:
                assert isinstance(message, str), (code, key)
            # Words are translated: only the languages' own names, and messages with no
            # words, read the same in both; a Russian sentence is in Cyrillic letters.
            if code != "en" and not key.startswith("language."):
                for text in forms(message):
                    if not LETTER.search(SLOT.sub("", text)):
                        continue
                    assert text not in forms(english), (code, key, text)
                    latin = set(re.findall(r"[A-Za-z]+", SLOT.sub("", text)))
                    assert latin <= NAMES_IN_LATIN, (code, key, text)

    # Every t("key") in the code has a message, and every message is used.
    used: set[str] = set()
    for path in source_files():
        for call in T_CALL.findall(path.read_text()):
            used.update(KEY.findall(call))
    assert used - keys["en"] == set(), "t() keys with no message"
    names = {f"language.{code}" for code in every}  # t(`language.${code}`) in language.js
    unused = keys["en"] - used - names - {"language.label"}
    sources = "\n".join(path.read_text() for path in source_files())
    assert {key for key in unused if f'"{key}"' not in sources} == set(), "messages never used"


PLURALS = {
    "ru-RU": {
        ("likes.count", 0): "0 лайков",
        ("likes.count", 1): "1 лайк",
        ("likes.count", 2): "2 лайка",
        ("likes.count", 4): "4 лайка",
        ("likes.count", 5): "5 лайков",
        ("likes.count", 11): "11 лайков",
        ("likes.count", 21): "21 лайк",
        ("likes.count", 22): "22 лайка",
        ("likes.count", 111): "111 лайков",
        ("likes.count", 12345): "12\u00a0345 лайков",
        ("profile.tweetsCount", 1): "1 твит",
        ("profile.tweetsCount", 2): "2 твита",
        ("profile.tweetsCount", 5): "5 твитов",
        ("profile.tweetsCount", 101): "101 твит",
        ("profile.followersCount", 3): "3 подписчика",
        ("profile.followersCount", 7): "7 подписчиков",
        ("profile.followingCount", 1): "1 подписка",
        ("profile.followingCount", 24): "24 подписки",
        ("profile.followingCount", 15): "15 подписок",
        ("composer.tooMany", 1): "Можно прикрепить не больше 1 картинки.",
        ("composer.tooLong", 1): "Текст длиннее допустимого на 1 символ (максимум — 280).",
        ("composer.tooLong", 5): "Текст длиннее допустимого на 5 символов (максимум — 280).",
        ("composer.tooLong", 21): "Текст длиннее допустимого на 21 символ (максимум — 280).",
        ("composer.tooLong", 33): "Текст длиннее допустимого на 33 символа (максимум — 280).",
        ("composer.tooMany", 4): "Можно прикрепить не больше 4 картинок.",
        ("trending.posts", 1): "1 твит",
        ("trending.posts", 3): "3 твита",
        ("trending.posts", 12): "12 твитов",
        ("trending.posts", 21): "21 твит",
        ("trending.people", 1): "1 человек",
        ("trending.people", 2): "2 человека",
        ("trending.people", 5): "5 человек",
        ("trending.people", 21): "21 человек",
        ("trending.people", 24): "24 человека",
        ("announcements.dismissed", 1): "Закрыл 1 человек",
        ("announcements.dismissed", 3): "Закрыли 3 человека",
        ("announcements.dismissed", 11): "Закрыли 11 человек",
        ("announcements.dismissed", 21): "Закрыл 21 человек",
        ("admin.openReports", 1): "1 открытая жалоба",
        ("admin.openReports", 2): "2 открытые жалобы",
        ("admin.openReports", 5): "5 открытых жалоб",
        ("text.tooLong", 1): "Текст длиннее допустимого на 1 символ (максимум — 280).",
        ("text.tooLong", 3): "Текст длиннее допустимого на 3 символа (максимум — 280).",
    },
    "en-US": {
        ("likes.count", 0): "0 likes",
        ("likes.count", 1): "1 like",
        ("likes.count", 2): "2 likes",
        ("likes.count", 12345): "12,345 likes",
        ("profile.tweetsCount", 1): "1 post",
        ("profile.tweetsCount", 21): "21 posts",
        ("profile.followersCount", 1): "1 follower",
        ("composer.tooMany", 4): "You can attach up to 4 pictures.",
        ("composer.tooLong", 1): "1 character too many: posts can be up to 280 characters.",
        ("trending.posts", 1): "1 post",
        ("trending.posts", 2): "2 posts",
        ("trending.people", 1): "1 person",
        ("trending.people", 7): "7 people",
        ("announcements.dismissed", 1): "1 person dismissed it",
        ("announcements.dismissed", 2): "2 people dismissed it",
        ("admin.openReports", 1): "1 open report",
        ("admin.openReports", 3): "3 open reports",
    },
}

# relativeTime(date, now) for a fixed now, Thursday 26 November 2026, 12:00 local time;
# dates as JavaScript's Date(year, month from 0, day, hours, minutes, seconds).
RELATIVE: dict[str, dict[tuple[int, ...], str]] = {
    "ru-RU": {
        (2026, 10, 26, 11, 59, 40): "только что",
        (2026, 10, 26, 11, 55): "5 минут назад",
        (2026, 10, 26, 9, 0): "3 часа назад",
        (2026, 10, 25, 12, 0): "вчера",
        (2026, 10, 25, 0, 0): "вчера",  # 36 hours ago, but the calendar says yesterday
        (2026, 10, 24, 12, 0): "позавчера",
        (2026, 10, 21, 12, 0): "5 дней назад",
        (2026, 10, 16, 9, 30): "16 нояб.",
        (2025, 2, 14, 9, 30): "14 мар. 2025 г.",
    },
    "en-US": {
        (2026, 10, 26, 11, 55): "5 minutes ago",
        (2026, 10, 25, 12, 0): "yesterday",
        (2026, 10, 25, 0, 0): "yesterday",
        (2026, 10, 23, 23, 0): "3 days ago",
        (2026, 10, 16, 9, 30): "Nov 16",
        (2025, 2, 14, 9, 30): "Mar 14, 2025",
    },
}

FULL_DATE = {
    "ru-RU": ["четверг", "26 ноября 2026", "12:05"],
    "en-US": ["Thursday", "November 26, 2026", "12:05"],
}
SIZES = {"ru-RU": ["10 МБ", "1,5 МБ"], "en-US": ["10 MB", "1.5 MB"]}


@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
async def test_plurals_times_and_numbers(page: Page, locale: str) -> None:
    await page.goto("/")
    for (key, count), expected in PLURALS[locale].items():
        assert await tr(page, key, count=count, max=280) == expected, (key, count)
    times = await page.evaluate(
        """async (dates) => {
            const { relativeTime } = await import('/js/i18n.js');
            const now = new Date(2026, 10, 26, 12, 0);
            return dates.map((parts) => relativeTime(new Date(...parts), now));
        }""",
        list(RELATIVE[locale]),
    )
    assert dict(zip(RELATIVE[locale], times, strict=True)) == RELATIVE[locale]
    full, sizes = await page.evaluate(
        """async () => {
            const { fullDate, fileSize } = await import('/js/i18n.js');
            const sizes = [10, 1.5].map((mebibytes) => fileSize(mebibytes * 1048576));
            return [fullDate(new Date(2026, 10, 26, 12, 5)), sizes];
        }"""
    )
    for part in FULL_DATE[locale]:
        assert part in full, full
    assert sizes == SIZES[locale]


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("ru-RU", "ru"),
        ("ru", "ru"),
        ("ru-KZ", "ru"),
        ("en-GB", "en"),
        ("de-DE", "en"),
        ("uk-UA", "en"),
    ],
)
async def test_the_browser_language_chooses(new_page: NewPage, locale: str, language: str) -> None:
    page = await new_page(locale=locale)
    await page.goto("/")
    heading = {"ru": "Вход", "en": "Sign in"}[language]
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.get_by_label({"ru": "Язык", "en": "Language"}[language])).to_have_value(
        language
    )
    await assert_speaks(page, language)


@pytest.mark.parametrize(
    ("preferred", "language"),
    [(["de-DE", "ru-RU", "en-US"], "ru"), (["en-US", "ru-RU"], "en"), (["fr", "de"], "en")],
)
async def test_the_first_language_we_have_of_the_browser_list_wins(
    new_page: NewPage, preferred: list[str], language: str
) -> None:
    page = await new_page(locale=preferred[0])
    # The whole list, as a browser set to several languages reports it.
    listed = json.dumps(preferred)
    await page.add_init_script(
        f"Object.defineProperty(navigator, 'languages', {{ get: () => {listed} }});"
    )
    await page.goto("/")
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await assert_speaks(page, language)


async def test_a_chosen_language_is_kept_in_place_and_remembered(
    new_page: NewPage, live_service: LiveService
) -> None:
    lena = live_service.create_person("Лена Языкова")
    notes = [f"Заметка номер {n}" for n in range(1, 46)]
    for note in notes:
        live_service.api.tweet(lena, note)
    page = await new_page(locale="ru-RU")
    await sign_in(page, lena)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Лента")

    # A post being written, with its picture, waits at the top of the feed.
    await page.get_by_label("Новый твит").fill("Черновик с картинкой")
    await page.locator("form.composer input[type=file]").set_input_files(
        files=[file_payload("plan.png", png_picture(40, 30, "navy"), "image/png")]
    )
    await expect(page.locator("form.composer .preview")).to_have_count(1)
    await expect(page.locator("form.composer .preview.is-uploading")).to_have_count(0)

    # A notice in Russian goes when the language changes (its words would not).
    newest = tweet(page, "Заметка номер 45")
    await newest.get_by_role("button", name="Удалить твит").click()
    await page.get_by_role("dialog").get_by_role("button", name="Удалить", exact=True).click()
    await expect(page.locator(".notice")).to_have_text("Твит удалён.")

    # Far down the feed, English is picked: the same posts, in the same place.
    deep = tweet(page, "Заметка номер 30")  # newest first: the 16th post of the feed
    await deep.scroll_into_view_if_needed()
    await expect(deep).to_be_in_viewport()
    before = await page.evaluate("window.scrollY")
    assert before > 1000
    await page.get_by_label("Язык", exact=True).select_option("en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    await expect(page).to_have_title("Home · Microblog")
    await expect(page.get_by_label("Language", exact=True)).to_be_focused()
    await expect(page.locator(".notice")).to_have_count(0)
    await expect(deep).to_be_in_viewport()
    await expect(deep.locator(".likes-count")).to_have_text("0 likes")
    assert abs(await page.evaluate("window.scrollY") - before) < 200
    await assert_speaks(page, "en", typed=[lena.name, *notes, "Черновик с картинкой", "plan.png"])
    await shot(page, "language-switched")

    # The draft came through with its picture, and posts with it.
    await expect(page.get_by_label("Write a post")).to_have_value("Черновик с картинкой")
    await page.get_by_role("button", name="Post", exact=True).click()
    posted = tweet(page, "Черновик с картинкой")
    await expect(posted.locator(".tweet-media img")).to_have_count(1)
    await expect(page.locator("form.composer .preview")).to_have_count(0)

    # Remembered over a reload and a sign-out, whatever the browser says.
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    stored = await page.evaluate("Object.keys(localStorage)")
    assert stored == ["microblog.language"]  # the api key is gone, the language stays

    # A new tab of this (Russian) browser opens in the chosen English.
    other = await page.context.new_page()
    await other.goto("/")
    await expect(other.get_by_role("heading", level=1)).to_have_text("Sign in")

    # Russian picked on the sign-in page, with a key half typed and a problem shown:
    # both stay, in the new language, and the open tab follows the choice.
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("[data-role=signin-error]")).to_have_text("Paste your api key first.")
    await page.get_by_label("Your api key").fill("half-typed")
    await page.get_by_label("Language", exact=True).select_option("ru")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Вход")
    await expect(page.get_by_label("Язык", exact=True)).to_be_focused()
    await expect(page.locator("[data-role=signin-error]")).to_have_text(
        "Сначала вставьте API-ключ."
    )
    await expect(page.get_by_label("Ваш API-ключ")).to_have_value("half-typed")
    await assert_speaks(page, "ru")
    await expect(other.get_by_role("heading", level=1)).to_have_text("Вход")
    await expect(other.locator("html")).to_have_attribute("lang", "ru")
    await other.close()


async def test_every_kind_of_screen_speaks_russian(
    new_page: NewPage, live_service: LiveService
) -> None:
    mira = live_service.create_person("Мира Пустова")
    page = await new_page(locale="ru-RU")
    await sign_in(page, mira)
    everybody = live_service.api("GET", "/api/users", key=mira.api_key, params={"limit": 100})
    typed = [person["name"] for person in everybody.json()["users"]]
    every = await catalogues(page)

    async def speaks(*more: str) -> None:
        await assert_speaks(page, "ru", typed=[*typed, *more], every=every)

    # The composer's refusals, with their numbers and sizes in Russian.
    composer = page.locator("form.composer")
    box = composer.get_by_label("Новый твит")
    await box.fill("ы" * 282)
    await expect(composer.locator(".composer-too-long")).to_have_text(
        "Текст длиннее допустимого на 2 символа (максимум — 280)."
    )
    await speaks()
    await box.fill("Пять картинок")
    big = file_payload("huge.png", b"\x89PNG" + bytes(10 * 1024 * 1024), "image/png")
    await composer.locator("input[type=file]").set_input_files(files=[big])
    await expect(composer.locator(".composer-error")).to_have_text(
        "Файл huge.png слишком большой: картинка может весить не больше 10 МБ."
    )
    await speaks("huge.png")
    five = [file_payload(f"p{n}.png", png_picture(8, 8), "image/png") for n in range(5)]
    await composer.locator("input[type=file]").set_input_files(files=five)
    await expect(composer.locator(".composer-error")).to_have_text(
        "Можно прикрепить не больше 4 картинок."
    )
    await expect(composer.locator(".preview.is-uploading")).to_have_count(0)
    await speaks(*(f"p{n}.png" for n in range(5)))

    # Her own empty profile and lists, someone else's missing one, nobody found.
    await page.goto(f"/users/{mira.id}")
    await expect(page.locator("[data-section=tweets]")).to_have_text("0 твитов")
    await expect(page.locator("[data-role=no-tweets]")).to_contain_text(
        "Вы пока ничего не написали."
    )
    await speaks()
    await page.goto(f"/users/{mira.id}/followers")
    await expect(page.get_by_text("Подписчиков пока нет.")).to_be_visible()
    await speaks()
    await page.goto("/users/0")
    await expect(page.get_by_role("alert")).to_have_text(
        "Такого профиля нет: возможно, его удалили или в адресе ошибка."
    )
    await speaks()
    await page.goto("/people?q=щщщ")
    await expect(page.locator("[data-role=no-people]")).to_have_text(
        "Никого не нашлось по запросу «щщщ»."
    )
    await speaks("щщщ")
    await page.goto("/nowhere/at/all")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Страница не найдена")
    await speaks()


async def test_the_service_not_answering_is_said_in_either_language(
    new_page: NewPage, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    oleg = live_service.create_person("Олег Терпеливый")
    page = await new_page(locale="ru-RU")
    await sign_in(page, oleg)

    # The wire to the API is cut (in the browser): the app says so in Russian.
    browser_errors.allow(r"net::ERR_FAILED")
    asked: list[str] = []

    async def cut(route: Route) -> None:
        asked.append(route.request.url)
        await route.abort()

    await page.route("**/api/users/me", cut)
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Сервис не отвечает")
    await expect(page.get_by_role("alert")).to_have_text(
        "Не удалось связаться с микроблогом: Сервис недоступен."
    )
    await assert_speaks(page, "ru")

    # Switching language redraws the page in English without trying again.
    tries = len(asked)
    await page.get_by_label("Язык", exact=True).select_option("en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("The service is not answering")
    await expect(page.get_by_role("alert")).to_have_text(
        "Could not reach the microblog: The service could not be reached."
    )
    await expect(page.get_by_label("Language", exact=True)).to_be_focused()
    await assert_speaks(page, "en")
    assert len(asked) == tries

    # Back on the wire, "Try again" signs in.
    await page.unroute("**/api/users/me", cut)
    await page.get_by_role("button", name="Try again").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Home")
