r"""Hashtags (`#release`, `#релиз`): the rule shared by writing a post, showing it and
the migration that filed the posts written before hashtags.

- `#` followed by letters of any script, digits and `_`, at least one of them a
  letter, at most MAX_LENGTH characters (a longer run is not a hashtag at all, rather
  than a cut-off one).
- Not inside a word, a URL or an HTML entity: the `#` must not follow a letter,
  digit or `_` of any script, nor `& / # @` (`a#b`, `https://x.com/#top`, `&#39;`,
  `##tag` and `@#` are text).
- Compared and stored lower-cased; each once, in order of first appearance.

The rule is written twice, on purpose: here, for the tweet shape (a regular
expression per post of a page costs the web process microseconds, where the same in
SQL would cost the database a function call per row of every listing), and as the
SQL function tweet_hashtags_of below, which a trigger files every post's hashtags
with (migration 0010), whichever version of the application wrote it.
tests/test_hashtags.py checks that the two agree on every case it tries. Both rely
on `\w` knowing every script: the databases run the builtin C.UTF-8 locale
(app/core/embedded_db.py, docker-compose.yml).
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


# PostgreSQL's regular expressions have no possessive quantifier: the whole run is
# taken, then one over MAX_LENGTH dropped.
HASHTAGS_OF_FUNCTION = f"""
CREATE OR REPLACE FUNCTION tweet_hashtags_of(content text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ARRAY(
    SELECT tag FROM (
        SELECT lower(found[1]) AS tag, min(place) AS first
        FROM regexp_matches(content, '(?<![\\w&/#@])#(\\w+)', 'g')
             WITH ORDINALITY AS matches (found, place)
        WHERE length(found[1]) <= {MAX_LENGTH} AND found[1] ~ '[[:alpha:]]'
        GROUP BY lower(found[1])
    ) AS tags
    ORDER BY first
)
"""  # noqa: S608 - MAX_LENGTH, a constant
