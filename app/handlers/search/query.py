"""What a person types into search, read as web-search syntax (docs/search.md):

- words: every one must be in the post, in any of its forms (stemmed by the text
  search configuration `microblog`: Russian and English, ё = е);
- `"an exact phrase"`: those words in that order (an unclosed quote runs to the end);
- `-word`, `-"a phrase"`: posts without it;
- `OR` (capitals) between two words or phrases: either of them;
- `from:@handle` (or `from:handle`): one person's posts;
- `#tag`: posts carrying that hashtag, exactly;
- the last word, unless a space follows it, also matches as a prefix ("рел" finds
  "релиз"), for results while typing: the posts with the word as typed come first
  (ranking.py), then, if they are fewer than the page, those where it is only the
  beginning of a word. The prefix is stemmed as a word is (the words are stored
  stemmed), so a prefix that ends like a word's ending matches a little more:
  "рели" is stemmed to "рел" and also finds "реле".

The words become a tsquery built here from word characters only, each quoted: what
a person types is never parsed as tsquery syntax, so `:*`, `&`, `!`, quotes,
backslashes and parentheses are at most separators. Whether the words are all stop
words is the database's to say (its dictionaries know them): see ranking.py.
"""

import re
from dataclasses import dataclass, field

from app.core import handles, hashtags
from app.core.exceptions import ValidationFailed

MAX_LENGTH = 200
MAX_TAGS = 5

# A phrase (its closing quote optional), or a run of anything but space and quotes.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+?)(?=\s|"|$)')
_WORD = re.compile(r"\w+")


@dataclass
class SearchQuery:
    """A query read: the tsquery of its words (None: no words) and its filters."""

    words: str | None = None
    # The same with its last word as a prefix too, when no space followed it.
    prefix: str | None = None
    tags: list[str] = field(default_factory=list)
    handle: str | None = None


def _phrase(text: str, prefix_last: bool = False) -> str | None:
    """The tsquery of `text`'s words in order, or None when it has none."""
    words = [f"'{word}'" for word in _WORD.findall(text)]
    if not words:
        return None
    if prefix_last:
        words[-1] += ":*"
    return words[0] if len(words) == 1 else "(" + " <-> ".join(words) + ")"


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="q")


def parse(text: str) -> SearchQuery:
    """`text` read; 422 (ValidationFailed) when there is nothing to search for."""
    if len(text) > MAX_LENGTH:
        raise _refuse(f"The search is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise _refuse("Type something to search for")
    query = SearchQuery()
    # Each clause: a term, or terms joined by OR; clauses are ANDed.
    clauses: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    tokens = list(_TOKEN.finditer(text))
    typing_last = not text[-1].isspace()
    for index, token in enumerate(tokens):
        negated, quoted, bare = token.group(1), token.group(2), token.group(3)
        if bare == "OR" and clauses:
            join_next = True
            continue
        if bare is not None:
            lowered = bare.lower()
            if lowered.startswith("from:"):
                handle = handles.normalise(bare[len("from:") :])
                if not handles.is_valid(handle):
                    raise _refuse(f"“{bare}” is not a person's handle: write from:@handle")
                query.handle = handle
                continue
            if bare.startswith("#") and hashtags.is_tag(bare[1:].rstrip(".,;:!?")):
                tag = hashtags.normalise(bare.rstrip(".,;:!?"))
                if tag not in query.tags:
                    query.tags.append(tag)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            quoted = bare[1:] if negated else bare
        last = index == len(tokens) - 1
        term = _phrase(quoted, prefix_last=last and typing_last and bare is not None)
        if term is None:
            join_next = False
            continue
        if negated:
            excluded.append(f"!{term}")
            join_next = False
        elif join_next:
            clauses[-1].append(term)
            join_next = False
        else:
            clauses.append([term])
    if len(query.tags) > MAX_TAGS:
        raise _refuse(f"A search may name at most {MAX_TAGS} hashtags")
    if not clauses and not query.tags and query.handle is None:
        raise _refuse(
            "Nothing to search for: add a word that the posts should contain"
            if excluded
            else "Nothing to search for: type a word"
        )
    parts = [clause[0] if len(clause) == 1 else f"({' | '.join(clause)})" for clause in clauses]
    if parts or excluded:
        # Only the last word can be a prefix, and only it carries `:*` (nothing typed
        # does: words are word characters only).
        words = " & ".join(parts + excluded)
        query.words = words.replace(":*", "")
        query.prefix = words if words != query.words else None
    return query
