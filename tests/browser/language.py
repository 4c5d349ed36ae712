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
# A person's handle as the app shows it ("@anna.petrova"): data, in no language.
HANDLE = re.compile(r"@[a-z0-9_.]{3,30}")
# A slot for the API's own error_message, shown as it is (or for a sentence of ours).
REASON = "reason"
# What Intl writes in a <time>: "5 minutes ago", "yesterday", "Nov 16", "Mar 14, 2025",
# and in its title the full date ("Thursday, November 26, 2026 at 12:05 PM").
TIMES = {
    "en": re.compile(
        r"\d+ (second|minute|hour|day)s? ago|now|yesterday|[A-Z][a-z]{2} \d{1,2}(, \d{4})?"
        r"|[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4} at \d{1,2}:\d{2}\s[AP]M"
    ),
    "ru": re.compile(
        r"\d+ (секунд|минут|час|дн|день)[а-я]* назад|сейчас|вчера|позавчера"
        r"|\d{1,2} [а-я]{3,4}\.( \d{4} г\.)?"
        r"|[а-я]+, \d{1,2} [а-я]+ \d{4} г\.,? (в )?\d{1,2}:\d{2}"
    ),
}


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
    const sentences = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        let el = node.parentElement;
        if (!node.data.trim() || skip.includes(el.tagName) || !shown(el)) continue;
        // A sentence with people's texts in <bdi>s (tIsolated) is read whole.
        const sentence = el.tagName === 'BDI' ? el.parentElement : el;
        let text = node.data;
        if (sentence.querySelector(':scope > bdi')) {
            if (sentences.has(sentence)) continue;
            sentences.add(sentence);
            [el, text] = [sentence, sentence.textContent];
        }
        found.push({ text, where: where(el), time: el.closest('time') !== null });
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
    page: Page,
    language: str,
    *,
    typed: Iterable[str] = (),
    api_said: Iterable[str] = (),
    every: Catalogues | None = None,
) -> None:
    """Everything on the page is in `language`: from its catalogue, or typed by people.

    `typed`: what the test's people wrote (names, posts, file names, searches); a
    text that is one of them, or whole words of one, is theirs, and so are avatar
    initials of names. A <time> holds what Intl writes in the language. Slots are
    checked too: a {name} holds typed text, a message of ours or no words at all; a
    {reason} the API's error_message (one of `api_said`) or a message of ours.
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
    said = {normal(text) for text in api_said}

    def typed_by_people(text: str) -> bool:
        whole_words = re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")
        return any(whole_words.search(written) for written in people)

    def fits(template: Template, text: str) -> bool:
        found = template.pattern.fullmatch(text)
        if found is None:
            return False
        for slot, value in zip(template.slots, found.groups(), strict=True):
            value = value.strip()
            if not LETTER.search(value) or ours(value):
                continue
            if value not in (said if slot == REASON else people):
                return False
        return True

    def ours(text: str) -> bool:
        return any(fits(template, text) for template in own)

    strays = []
    for item in await page.evaluate(COLLECT):
        text = normal(item["text"])
        if not LETTER.search(text):
            continue
        other = [t.key for t in foreign if t.pattern.fullmatch(text)]
        written_by_intl = item["time"] and TIMES[language].fullmatch(text) is not None
        handle = HANDLE.fullmatch(text) is not None
        if not other and (ours(text) or typed_by_people(text) or written_by_intl or handle):
            continue
        note = f" (another language's {', '.join(other)})" if other else ""
        strays.append(f"{item['where']}: {text!r}{note}")
    assert strays == [], f"{page.url} in {language!r} shows text from elsewhere:\n" + "\n".join(
        strays
    )
