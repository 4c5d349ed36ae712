"""Handles (`@anna.petrova`): the unique, typeable name a person is mentioned by.

Derived from a name when an administrator gives none: Cyrillic is transliterated
(the common passport-style table), other letters lose their accents, words are
joined with dots, and a number is added when the handle is taken. The migration
that gave every existing person a handle uses the same code.
"""

import re
import unicodedata
from collections.abc import Callable

MIN_LENGTH = 3
MAX_LENGTH = 30
PATTERN = re.compile(r"^[a-z0-9_.]{3,30}$")

CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip


def normalise(handle: str) -> str:
    """A handle as stored and compared: lower case, without a leading `@`."""
    return handle.strip().removeprefix("@").lower()


def is_valid(handle: str) -> bool:
    return PATTERN.fullmatch(handle) is not None


def base_for(name: str) -> str:
    """The handle a name suggests, before any number is added for uniqueness."""
    latin = "".join(CYRILLIC.get(char, char) for char in name.lower())
    plain = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9_]+", plain)
    base = ".".join(words)[:MAX_LENGTH].strip("._")
    if len(base) < MIN_LENGTH:
        base = f"{base}.user" if base else "user"
    return base


def first_free(base: str, taken: Callable[[str], bool]) -> str:
    """`base` (see base_for), with the smallest number from 2 on that makes it free."""
    if not taken(base):
        return base
    number = 2
    while True:
        suffix = str(number)
        candidate = base[: MAX_LENGTH - len(suffix)].rstrip("._") + suffix
        if not taken(candidate):
            return candidate
        number += 1


def shared_prefix(base: str) -> str:
    """What every handle `first_free(base, ...)` may give starts with (up to a
    six-digit number): to find the taken ones with one prefix search."""
    return base[: MAX_LENGTH - 6].rstrip("._")
