"""Hashtags (`#release`, `#релиз`): the rule shared by writing a post, showing it and
the migration that filed the posts written before hashtags.

- `#` followed by letters of any script, digits and `_`, at least one of them a
  letter, at most MAX_LENGTH characters (a longer run is not a hashtag at all, rather
  than a cut-off one).
- Not inside a word, a URL or an HTML entity: the `#` must not follow a letter,
  digit or `_` of any script, nor `& / # @` (`a#b`, `https://x.com/#top`, `&#39;`,
  `##tag` and `@#` are text).
- Compared and stored lower-cased; each once, in order of first appearance.
"""

import re

MAX_LENGTH = 50

# Possessive: a run longer than MAX_LENGTH fails instead of matching its first part.
_HASHTAG = re.compile(r"(?<![\w&/#@])#(\w++)")
_LETTER = re.compile(r"[^\W\d_]")
_TAG = re.compile(rf"\w{{1,{MAX_LENGTH}}}")


def is_tag(tag: str) -> bool:
    """Whether `tag` (without `#`) can be a hashtag."""
    return _TAG.fullmatch(tag) is not None and _LETTER.search(tag) is not None


def normalise(tag: str) -> str:
    return tag.removeprefix("#").lower()


def hashtags_in(text: str) -> list[str]:
    """The hashtags of `text`, lower-cased, each once, in order of first appearance."""
    found: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        tag = match.group(1)
        if is_tag(tag):
            found.setdefault(tag.lower())
    return list(found)


def occurrences(text: str, tag: str) -> list[str]:
    """How `tag` is written in `text` (`#Release`, `#RELEASE`), each spelling once."""
    spellings: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        if match.group(1).lower() == tag:
            spellings.setdefault(match.group(0))
    return list(spellings)
