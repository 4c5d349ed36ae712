"""The web app's languages as a test sees them: its own catalogues, read from the page.

`tr(page, key, **params)` is the text the app shows for `key` in the page's language,
for finding elements by what a person reads. `assert_speaks(page, language, ...)`
fails when any text on the page (text, labels for screen readers, placeholders,
tooltips, the title) is not from that language's catalogue and not typed by people.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page

# The browser locales the tests run with, and the catalogue each must get.
LOCALES = {"en-US": "en", "ru-RU": "ru"}

Catalogues = dict[str, dict[str, Any]]

SLOT = re.compile(r"\{(\w+)\}")
LETTER = re.compile(r"[^\W\d_]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z]")
# A slot whose value may hold any words: the API's own error_message, shown as is.
FREE_SLOTS = {"reason"}


async def tr(page: Page, key: str, **params: Any) -> str:
    """What the app's own t() says for `key` in the page's current language."""
    text: str = await page.evaluate(
        "async ([key, params]) => (await import('/js/i18n.js')).t(key, params)", [key, params]
    )
    return text


async def catalogues(page: Page) -> Catalogues:
    """Every language's catalogue, as the app loads it: {"en": {key: message}, ...}."""
    loaded: Catalogues = await page.evaluate(
        """async () => {
            const { languages } = await import('/js/i18n.js');
            const all = {};
            for (const code of languages) {
                all[code] = (await import(`/js/messages/${code}.js`)).default;
            }
            return all;
        }"""
    )
    return loaded


def forms(message: str | dict[str, str]) -> list[str]:
    """A message's texts: itself, or each of its plural forms."""
    return list(message.values()) if isinstance(message, dict) else [message]


def normal(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Template:
    key: str
    pattern: re.Pattern[str]
    slots: list[str]

    @classmethod
    def of(cls, key: str, text: str) -> "Template":
        parts = SLOT.split(normal(text))
        regex = "".join(re.escape(p) if i % 2 == 0 else "(.+?)" for i, p in enumerate(parts))
        return cls(key, re.compile(regex, re.DOTALL), parts[1::2])


def templates(catalogue: dict[str, Any]) -> list[Template]:
    return [Template.of(key, text) for key, message in catalogue.items() for text in forms(message)]


# Text on the page with where it sits: text nodes, and the attributes a person reads
# or hears (aria-label, title, placeholder, alt), of elements that are displayed.
COLLECT = """() => {
    const shown = (el) => el.checkVisibility({ visibilityProperty: true });
    const where = (el) => [el.tagName.toLowerCase(), ...el.classList].join('.');
    const found = [{ text: document.title, where: 'document.title', time: false }];
    const skip = ['SCRIPT', 'STYLE', 'NOSCRIPT'];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.data.trim() || skip.includes(el.tagName) || !shown(el)) continue;
        found.push({ text: node.data, where: where(el), time: el.closest('time') !== null });
    }
    const names = ['aria-label', 'title', 'placeholder', 'alt'];
    for (const el of document.body.querySelectorAll(names.map((n) => `[${n}]`).join())) {
        if (!shown(el)) continue;
        for (const name of names) {
            const text = el.getAttribute(name);
            const time = el.tagName === 'TIME';
            if (text && text.trim()) found.push({ text, where: `${where(el)}[${name}]`, time });
        }
    }
    return found;
}"""


def initials(name: str) -> str:
    """The letters an avatar shows for `name` (as components/person.js makes them)."""
    letters = [next((c for c in word if c.isalpha()), "") for word in name.split()[:2]]
    return "".join(letters).upper()


async def assert_speaks(
    page: Page, language: str, *, typed: Iterable[str] = (), every: Catalogues | None = None
) -> None:
    """Everything on the page is in `language`: from its catalogue, or typed by people.

    `typed`: what the test's people wrote (names, posts, file names, searches); a
    text that is part of one of them is theirs, and so are avatar initials of names.
    A time counts when it is in the language's script (Intl writes it). Slots are
    checked too: a {name} holds a typed text or no words at all; only {reason}, the
    API's error_message, may hold any words, but not another language's message.
    """
    every = every or await catalogues(page)
    assert await page.evaluate("document.documentElement.lang") == language
    own = templates(every[language])
    # Another language's words: its messages with letters outside their slots. Only
    # the languages' own names are meant to read the same in every language.
    foreign = [
        Template.of(key, text)
        for code, catalogue in every.items()
        if code != language
        for key, message in catalogue.items()
        if not key.startswith("language.")
        for text in forms(message)
        if LETTER.search(SLOT.sub("", text))
    ]
    people = [normal(text) for text in typed]
    people += [initials(text) for text in people]

    def typed_by_people(text: str) -> bool:
        return any(text in written for written in people if text)

    def fits(template: Template, text: str) -> bool:
        found = template.pattern.fullmatch(text)
        if found is None:
            return False
        for slot, value in zip(template.slots, found.groups(), strict=True):
            value = value.strip()
            if slot in FREE_SLOTS:
                if any(t.pattern.fullmatch(value) for t in foreign):
                    return False
            elif LETTER.search(value) and not typed_by_people(value) and not ours(value):
                return False
        return True

    def ours(text: str) -> bool:
        return any(fits(template, text) for template in own)

    def in_script(text: str) -> bool:
        if language == "ru":
            return bool(CYRILLIC.search(text)) and not LATIN.search(text)
        return not CYRILLIC.search(text)

    strays = []
    for item in await page.evaluate(COLLECT):
        text = normal(item["text"])
        if not LETTER.search(text):
            continue
        other = [t.key for t in foreign if t.pattern.fullmatch(text)]
        if not other and (
            ours(text) or typed_by_people(text) or (item["time"] and in_script(text))
        ):
            continue
        note = f" (another language's {', '.join(other)})" if other else ""
        strays.append(f"{item['where']}: {text!r}{note}")
    assert strays == [], f"{page.url} in {language!r} shows text from elsewhere:\n" + "\n".join(
        strays
    )
