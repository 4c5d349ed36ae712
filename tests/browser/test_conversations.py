"""Conversations in the web app, in Chromium against the real service: replying and the
thread view, @handle completion by keyboard, the live bell and the notifications view
(likes of a post grouped), the feed's "new posts" bar; in English and in Russian.

Expected texts are spelt out here, not taken from the catalogues, so a wrong plural
form fails (1, 2 and 5 of each count: Russian has a form for each).
"""

import re
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.browser.harness import BrowserErrors, LiveService, NewPage, shot, sign_in, tweet
from tests.browser.language import LOCALES, assert_speaks
from tests.helpers.api import Person
from tests.helpers.polling import eventually_async


def everybody(live_service: LiveService, viewer: Person) -> list[str]:
    """Every person's name: data the page may show, not text of the app's own."""
    answer = live_service.api("GET", "/api/users", key=viewer.api_key, params={"limit": 100})
    return [person["name"] for person in answer.json()["users"]]


async def test_replying_and_the_thread_view(
    page: Page, live_service: LiveService, browser_errors: BrowserErrors
) -> None:
    ann = live_service.create_person("Ann Replyer")
    boris = live_service.create_person("Boris Threadwell")
    live_service.api.follow(ann, boris)
    lunch = live_service.api.tweet(boris, "Lunch at noon?")
    await sign_in(page, ann)

    # The card names its author's handle and counts its replies.
    card = tweet(page, "Lunch at noon?")
    await expect(card.locator(".handle")).to_have_text(f"@{live_service.handle(boris)}")
    await expect(card.locator("[data-role=replies-count]")).to_have_text("0 replies")

    # Reply from the feed: a dialog with the post and a composer.
    await card.get_by_role("button", name="Reply", exact=True).click()
    dialog = page.get_by_role("dialog", name="Reply to Boris Threadwell")
    await expect(dialog.locator("blockquote")).to_contain_text("Lunch at noon?")
    box = dialog.get_by_label("Your reply")
    await expect(box).to_be_focused()
    await box.fill("Count me in")
    await dialog.get_by_role("button", name="Reply", exact=True).click()
    await expect(dialog).to_have_count(0)
    await expect(card.locator("[data-role=replies-count]")).to_have_text("1 reply")
    await expect(page.locator(".notice")).to_contain_text("Reply posted.")
    # A reply is no post of the feed: the feed holds conversations' starts.
    await expect(page.locator("article.tweet")).to_have_count(1)
    replies = live_service.api("GET", f"/api/tweets/{lunch}/replies", key=ann.api_key)
    [mine] = replies.json()["tweets"]
    assert mine["content"] == "Count me in"
    assert mine["reply_to"] == lunch

    # The count leads to the conversation: the post highlighted, its replies under it.
    await card.locator("[data-role=replies-count]").click()
    await expect(page).to_have_url(re.compile(rf"/tweets/{lunch}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Conversation")
    focused = page.locator("article.tweet.is-focused")
    await expect(focused).to_contain_text("Lunch at noon?")
    await expect(focused).to_have_attribute("aria-current", "true")
    answers = page.get_by_role("feed", name="Replies")
    await expect(answers.locator("article.tweet")).to_have_count(1)
    await expect(answers).to_contain_text("Count me in")
    await expect(page.locator("[data-action=more-replies]")).to_be_hidden()

    # The thread's own reply box; its Reply button on the post goes there.
    await focused.get_by_role("button", name="Reply", exact=True).click()
    own_box = page.locator("form.composer").get_by_label("Your reply")
    await expect(own_box).to_be_focused()
    await own_box.fill("See you there")
    await page.locator("form.composer").get_by_role("button", name="Reply", exact=True).click()
    await expect(answers.locator("article.tweet")).to_have_count(2)
    await expect(answers.locator("article.tweet").last).to_contain_text("See you there")
    await expect(own_box).to_have_value("")
    typed = [*everybody(live_service, ann), "Lunch at noon?", "Count me in", "See you there"]
    await assert_speaks(page, "en", typed=typed)
    await shot(page, "thread-en")

    # More replies than the first page: "Show more replies" brings the rest.
    for number in range(21):
        live_service.reply(boris, lunch, f"Boris adds {number}")
    await page.reload()
    await expect(answers.locator("article.tweet")).to_have_count(20)
    more = page.get_by_role("button", name="Show more replies")
    await more.click()
    await expect(answers.locator("article.tweet")).to_have_count(23)
    await expect(more).to_be_hidden()
    # Someone else answers Boris while Ann reads: she is neither the post's author nor
    # mentioned, and the reply still appears, told by the stream that watches this thread.
    cyril = live_service.create_person("Cyril Latecomer")
    live_service.reply(cyril, lunch, "Cyril joins live")
    await expect(answers.locator("article.tweet")).to_have_count(24)
    await expect(answers.locator("article.tweet").last).to_contain_text("Cyril joins live")

    # Ann's reply in its own conversation: what it answers above it; once that post is
    # deleted, a note stands in its place.
    await page.goto(f"/tweets/{mine['id']}")
    earlier = page.get_by_role("region", name="Earlier in the conversation")
    await expect(earlier.locator("article.tweet")).to_contain_text("Lunch at noon?")
    await expect(page.locator("article.tweet.is-focused")).to_contain_text("Count me in")
    live_service.api.delete_tweet(boris, lunch)
    await page.reload()
    await expect(page.locator("[data-role=parent-gone]")).to_have_text(
        "The post this answers was deleted."
    )
    await expect(page.locator("article.tweet.is-focused")).to_contain_text("Count me in")
    await expect(page.locator("article.tweet", has_text="Lunch at noon?")).to_have_count(0)

    # Her posts mark it as a reply, linking to its conversation.
    await page.goto(f"/users/{ann.id}")
    marked = tweet(page, "Count me in").get_by_role("link", name="In reply to a post")
    await expect(marked).to_have_attribute("href", f"/tweets/{mine['id']}")
    await expect(tweet(page, "See you there").locator("[data-role=in-reply]")).to_have_count(1)

    # A conversation that does not exist says so (Chromium logs the 404 it answers).
    browser_errors.allow(r"status of 404 .*/api/tweets/999999999/thread")
    await page.goto("/tweets/999999999")
    await expect(page.get_by_role("alert")).to_have_text(
        "This post does not exist. It may have been deleted, or the address is wrong."
    )


async def test_replying_in_russian(new_page: NewPage, live_service: LiveService) -> None:
    vera = live_service.create_person("Вера Отвечающая")
    gleb = live_service.create_person("Глеб Спрашивающий")
    live_service.api.follow(vera, gleb)
    question = live_service.api.tweet(gleb, "Кто идёт на обед?")
    page = await new_page(locale="ru-RU")
    await sign_in(page, vera)
    card = tweet(page, "Кто идёт на обед?")
    count = card.locator("[data-role=replies-count]")
    await expect(count).to_have_text("0 ответов")

    await card.get_by_role("button", name="Ответить", exact=True).click()
    dialog = page.get_by_role("dialog", name="Ответ на твит автора: Глеб Спрашивающий")
    await dialog.get_by_label("Ваш ответ").fill("Я иду")
    typed = [*everybody(live_service, vera), "Кто идёт на обед?", "Я иду"]
    await assert_speaks(page, "ru", typed=typed)
    await dialog.get_by_role("button", name="Ответить", exact=True).click()
    await expect(count).to_have_text("1 ответ")
    await expect(page.locator(".notice")).to_contain_text("Ответ опубликован.")

    # The count's plural forms, as more answers come (read again on a reload).
    for more, expected in ((1, "2 ответа"), (3, "5 ответов")):
        for _ in range(more):
            live_service.reply(gleb, question, "Ещё ответ")
        await page.reload()
        await expect(count).to_have_text(expected)

    # The conversation, and the note for a deleted post, in Russian.
    mine = live_service.api.tweets_of(vera, vera)[0]["id"]
    live_service.api.delete_tweet(gleb, question)
    await page.goto(f"/tweets/{mine}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Разговор")
    await expect(page.locator("[data-role=parent-gone]")).to_have_text(
        "Твит, на который это ответ, удалён."
    )
    await expect(page.locator("[data-role=no-replies]")).to_have_text("Ответов пока нет.")
    await assert_speaks(page, "ru", typed=typed)


async def test_mention_completion_by_keyboard(new_page: NewPage, live_service: LiveService) -> None:
    lida = live_service.create_person("Лида Упоминающая")
    claudia = live_service.create_person("Ефросинья Клавдиева")
    keys = live_service.create_person("Ефросинья Клавишная")
    arrows = live_service.create_person("Ефросинья Стрелкина")
    others = [live_service.create_person(f"Ефросинья {name}") for name in ("Третья", "Пятая")]
    handles = {
        person.id: live_service.handle(person) for person in [claudia, keys, arrows, *others]
    }
    page = await new_page(locale="ru-RU")
    await sign_in(page, lida)
    box = page.get_by_label("Новый твит")
    suggestions = page.get_by_role("listbox", name="Кого упомянуть")
    options = suggestions.get_by_role("option")
    said = page.locator(".mention-complete [role=status]")

    # "@" and part of a name lists who it matches; the list is the text box's, which
    # keeps the focus, with the highlighted person as its active descendant.
    await box.press_sequentially("Коллеги, @ефросинья")
    await expect(options).to_have_count(5)
    await expect(said).to_have_text(
        "5 человек, кого можно упомянуть: выберите стрелками вверх и вниз и нажмите Enter."
    )
    await expect(box).to_be_focused()
    await expect(box).to_have_attribute(
        "aria-controls", await suggestions.get_attribute("id") or ""
    )
    first_option = options.first
    await expect(first_option).to_have_attribute("aria-selected", "true")
    await expect(box).to_have_attribute(
        "aria-activedescendant", await first_option.get_attribute("id") or ""
    )
    typed = [*everybody(live_service, lida), "Коллеги,", "@ефросинья", "@клав", "@стрел"]
    await assert_speaks(page, "ru", typed=typed)
    await shot(page, "mention-completion-ru")
    # Escape closes the list and leaves the text as it was.
    await box.press("Escape")
    await expect(suggestions).to_be_hidden()
    await expect(box).to_have_value("Коллеги, @ефросинья")

    # Two matches: Down moves to the second (by name: Клавдиева, Клавишная), Enter takes it.
    await box.fill("Коллеги, ")
    await box.press_sequentially("@клав")
    await expect(options).to_have_count(2)
    await expect(said).to_have_text(
        "2 человека, кого можно упомянуть: выберите стрелками вверх и вниз и нажмите Enter."
    )
    await box.press("ArrowDown")
    second = options.nth(1)
    await expect(second).to_have_attribute("aria-selected", "true")
    await expect(box).to_have_attribute(
        "aria-activedescendant", await second.get_attribute("id") or ""
    )
    await expect(second).to_contain_text(keys.name)
    await box.press("ArrowUp")
    await box.press("ArrowUp")  # round to the last again
    await expect(second).to_have_attribute("aria-selected", "true")
    await box.press("Enter")
    await expect(suggestions).to_be_hidden()
    await expect(box).to_have_value(f"Коллеги, @{handles[keys.id]} ")

    # One match, taken with Tab; then the mouse picks one.
    await box.press_sequentially("и @стрел")
    await expect(options).to_have_count(1)
    await expect(said).to_have_text(
        "1 человек, кого можно упомянуть: выберите стрелками вверх и вниз и нажмите Enter."
    )
    await box.press("Tab")
    await expect(box).to_be_focused()
    await box.press_sequentially("и @клав")
    await options.filter(has_text=claudia.name).click()
    text = f"Коллеги, @{handles[keys.id]} и @{handles[arrows.id]} и @{handles[claudia.id]} "
    await expect(box).to_have_value(text)
    await expect(box).to_be_focused()

    # Posted, each mention is a link to the person's profile (by id, from the tweet's
    # mentions), the words around it text.
    await page.get_by_role("button", name="Опубликовать").click()
    posted = tweet(page, "Коллеги,")
    for person in (keys, arrows, claudia):
        link = posted.get_by_role("link", name=f"@{handles[person.id]}", exact=True)
        await expect(link).to_have_attribute("href", f"/users/{person.id}")
    await expect(posted.locator(".tweet-text")).to_have_text(text.strip())

    # The profile says the handle under the name; /@handle finds the same person.
    await posted.get_by_role("link", name=f"@{handles[arrows.id]}", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(arrows.name)
    await expect(page.locator("[data-role=profile-handle]")).to_have_text(f"@{handles[arrows.id]}")
    # A handle with a dot is a page, not a missing file.
    await page.goto(f"/@{handles[claudia.id]}")
    await expect(page).to_have_url(re.compile(rf"/users/{claudia.id}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(claudia.name)
    # The people list shows handles, and finds people by them (written as mentioned).
    await page.goto(f"/people?q=@{handles[arrows.id]}")
    row = page.locator("li.person", has_text=arrows.name)
    await expect(row.locator(".handle")).to_have_text(f"@{handles[arrows.id]}")
    await assert_speaks(page, "ru", typed=[*typed, handles[arrows.id]])


@dataclass(frozen=True)
class Bell:
    """What the bell and the notifications say in one language, spelt out."""

    none: str
    one: str
    two: str
    five: str
    liked_one_other: str  # {name} and 1 other
    liked_two_others: str
    liked_five_others: str
    replied: str
    mentioned: str
    followed: str
    one_new: str  # the bar on the open notifications view


BELLS = {
    "en-US": Bell(
        none="Notifications",
        one="1 unread notification",
        two="2 unread notifications",
        five="5 unread notifications",
        liked_one_other="{name} and 1 other liked your post",
        liked_two_others="{name} and 2 others liked your post",
        liked_five_others="{name} and 5 others liked your post",
        replied="{name} replied to your post",
        mentioned="{name} mentioned you",
        followed="{name} followed you",
        one_new="1 new notification — show",
    ),
    "ru-RU": Bell(
        none="Уведомления",
        one="1 непрочитанное уведомление",
        two="2 непрочитанных уведомления",
        five="5 непрочитанных уведомлений",
        liked_one_other="{name} и ещё 1 человек оценили ваш твит",
        liked_two_others="{name} и ещё 2 человека оценили ваш твит",
        liked_five_others="{name} и ещё 5 человек оценили ваш твит",
        replied="Ответ на ваш твит: {name}",
        mentioned="Вас упомянули: {name}",
        followed="Новый подписчик: {name}",
        one_new="1 новое уведомление — показать",
    ),
}


@pytest.mark.parametrize("locale", list(BELLS))
async def test_the_live_bell_and_grouped_notifications(
    page: Page, live_service: LiveService, locale: str
) -> None:
    words = BELLS[locale]
    language = LOCALES[locale]
    nora = live_service.create_person(f"Nora Bell {language}")
    likers = [live_service.create_person(f"Liker {n} {language}") for n in range(1, 7)]
    carl = live_service.create_person(f"Carl Answer {language}")
    first, second, third = (live_service.api.tweet(nora, f"Post {n} {language}") for n in "ABC")
    await sign_in(page, nora)
    bell = page.locator("[data-role=bell]")
    await expect(bell).to_have_attribute("aria-label", words.none)
    await expect(bell.locator(".bell-badge")).to_be_hidden()

    # Others act through the API; the bell counts without a reload (1, 2, 5: each form).
    counts = {1: words.one, 2: words.two, 5: words.five}
    plan = [(first, likers[:2]), (second, likers[:3]), (third, likers)]
    done = 0
    for post, people in plan:
        for person in people:
            live_service.api.like(person, post)
            done += 1
            if done in counts:
                await expect(bell).to_have_attribute("aria-label", counts[done])
                await expect(bell.locator(".bell-badge")).to_have_text(str(done))
    reply = live_service.reply(carl, first, f"Carl's answer {language}")
    live_service.api.follow(carl, nora)
    calling = f"Calling @{live_service.handle(nora)} {language}"
    mention = live_service.api.tweet(carl, calling)
    # 11 likes, a reply, a follow, a mention
    await expect(bell.locator(".bell-badge")).to_have_text("14")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("/")  # never reloaded or moved

    # The notifications: newest first, likes of each post together, the newest liker named.
    await bell.click()
    await expect(page).to_have_url(re.compile(r"/notifications$"))
    entries = page.locator("li.notification")
    await expect(entries).to_have_count(6)
    texts = [
        words.mentioned.format(name=carl.name),
        words.followed.format(name=carl.name),
        words.replied.format(name=carl.name),
        words.liked_five_others.format(name=likers[5].name),
        words.liked_two_others.format(name=likers[2].name),
        words.liked_one_other.format(name=likers[1].name),
    ]
    for number, text in enumerate(texts):
        await expect(entries.nth(number).locator(".notification-text")).to_have_text(text)
        await expect(entries.nth(number)).to_have_class(re.compile("is-unread"))
    # Opening them marks them read: the bell empties, the entries stay marked this visit.
    await expect(bell).to_have_attribute("aria-label", words.none)
    await expect(bell.locator(".bell-badge")).to_be_hidden()

    async def all_read() -> bool:
        answer = live_service.api("GET", "/api/notifications/unread_count", key=nora.api_key)
        count: int = answer.json()["unread_count"]
        return count == 0

    await eventually_async(all_read, what="the notifications marked read")
    typed = [*everybody(live_service, nora), f"Carl's answer {language}", calling]
    await assert_speaks(page, language, typed=typed)
    await shot(page, f"notifications-{locale}")

    # One more while the list is open: offered in a bar, and the bell counts it.
    live_service.api.follow(likers[0], nora)
    bar = page.locator(".new-items")
    await expect(bar.get_by_role("button")).to_have_text(words.one_new)
    await expect(bell).to_have_attribute("aria-label", words.one)
    await bar.get_by_role("button").click()
    await expect(entries).to_have_count(7)
    await expect(entries.first.locator(".notification-text")).to_have_text(
        words.followed.format(name=likers[0].name)
    )
    await expect(bell).to_have_attribute("aria-label", words.none)

    # A reload: all read now. Each entry leads to the post or the person.
    await page.reload()
    await expect(entries).to_have_count(7)
    await expect(page.locator("li.notification.is-unread")).to_have_count(0)
    await expect(entries.first.get_by_role("link")).to_have_attribute(
        "href", f"/users/{likers[0].id}"
    )
    await expect(entries.nth(1).get_by_role("link")).to_have_attribute("href", f"/tweets/{mention}")
    await expect(entries.nth(4).get_by_role("link")).to_have_attribute("href", f"/tweets/{third}")
    await entries.nth(3).get_by_role("link").click()
    await expect(page).to_have_url(re.compile(rf"/tweets/{reply}$"))
    await expect(page.locator("article.tweet.is-focused")).to_contain_text(
        f"Carl's answer {language}"
    )

    # Her open conversation shows a reply to her post as it arrives.
    await page.goto(f"/tweets/{first}")
    answers = page.locator(".thread-replies article.tweet")
    await expect(answers).to_have_count(1)
    live_service.reply(carl, first, f"Carl again {language}")
    await expect(answers).to_have_count(2)
    await expect(answers.last).to_contain_text(f"Carl again {language}")
    posts = [f"Post {n} {language}" for n in "ABC"]
    await assert_speaks(page, language, typed=[*typed, *posts, f"Carl again {language}"])
    await shot(page, f"thread-live-{locale}")


NEW_POSTS = {
    "en-US": ["1 new post — show", "2 new posts — show", "5 new posts — show"],
    "ru-RU": ["1 новый твит — показать", "2 новых твита — показать", "5 новых твитов — показать"],
}


@pytest.mark.parametrize("locale", list(NEW_POSTS))
async def test_new_posts_wait_in_a_bar(page: Page, live_service: LiveService, locale: str) -> None:
    one, two, five = NEW_POSTS[locale]
    language = LOCALES[locale]
    olga = live_service.create_person(f"Olga Reader {language}")
    pavel = live_service.create_person(f"Pavel Poster {language}")
    live_service.api.follow(olga, pavel)
    there = live_service.api.tweet(pavel, f"Already there {language}")
    await sign_in(page, olga)
    cards = page.locator("article.tweet")
    await expect(cards).to_have_count(1)
    bar = page.locator(".new-items").get_by_role("button")

    # New posts of people she follows are announced, not slid under her.
    live_service.api.tweet(pavel, f"New 1 {language}")
    await expect(bar).to_have_text(one)
    live_service.api.tweet(pavel, f"New 2 {language}")
    await expect(bar).to_have_text(two)
    # A reply is no new conversation: not counted.
    live_service.reply(pavel, there, f"A reply {language}")
    for number in range(3, 6):
        live_service.api.tweet(pavel, f"New {number} {language}")
    await expect(bar).to_have_text(five)
    await expect(cards).to_have_count(1)
    await shot(page, f"new-posts-{locale}")

    # Her own post goes straight in; it is not one of the new ones.
    await page.locator("form.composer textarea").fill(f"Mine {language}")
    await page.locator("form.composer [data-action=post]").click()
    await expect(cards).to_have_count(2)
    await expect(bar).to_have_text(five)

    await bar.click()
    await expect(cards).to_have_count(7)
    await expect(bar).to_have_count(0)
    await expect(page.get_by_role("heading", level=1)).to_be_focused()
