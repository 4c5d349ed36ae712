"""`bench run`'s search scenarios: what people type, drawn from the words, hashtags
and names seed wrote with (bench/vocabulary.py), and how much each finds.

Several different queries of each kind, so that no single word's luck decides the
number: common words are forms of the most used lemmas of either language (each in
tens of thousands of posts at a million), rare ones forms of the last lemmas of the
lists (a hundred or two); hashtag pages are today's trending tags, some of the
most used and some of any; people search types three to five letters of a common
first name or surname, half in Cyrillic and half in Latin letters, half of them
lower-case. How many posts or people each query finds is counted in the database
before the load, and put in the scenario's title.
"""

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import asyncpg

from app.handlers.search.ranking import CONFIGURATION
from bench import vocabulary
from bench.load import Request

QUERIES = 12  # of each kind
COMMON_LEMMAS = 6  # of each language: where the common words come from
RARE_LEMMAS = 20  # the last of each language's list
PAGE = 20
REQUESTS = 1000
TRENDING_HOURS = 24
_POSTS_FOUND = (
    "SELECT count(*) FROM tweets WHERE search @@ "  # noqa: S608 - a constant, no input
    f"to_tsquery('{CONFIGURATION}', quote_literal($1) || ':*')"
)


@dataclass(frozen=True)
class Queries:
    """One kind of query: what is asked, and how many posts or people each finds."""

    asked: list[str]
    found: list[int]

    def summary(self, unit: str) -> str:
        low, high = min(self.found), max(self.found)
        middle = statistics.median(self.found)
        return f"{len(self.asked)} of them, {low:,}–{high:,} {unit} each, median {middle:,.0f}"


def _form(draw: random.Random, lemmas: list[list[str]]) -> str:
    return draw.choice(draw.choice(lemmas))


def _words(draw: random.Random, pick: Callable[[list[list[str]]], list[list[str]]]) -> list[str]:
    """QUERIES forms of the lemmas `pick` chooses of each language, the two in turn."""
    languages = [pick(vocabulary.RUSSIAN), pick(vocabulary.ENGLISH)]
    words: list[str] = []
    while len(words) < QUERIES:
        word = _form(draw, languages[len(words) % 2])
        if word not in words:
            words.append(word)
    return words


def common_words(draw: random.Random) -> list[str]:
    return _words(draw, lambda lemmas: lemmas[:COMMON_LEMMAS])


def rare_words(draw: random.Random) -> list[str]:
    return _words(draw, lambda lemmas: [f for f in lemmas[-RARE_LEMMAS:] if _only_itself(f)])


def _only_itself(lemma: list[str]) -> bool:
    """Whether searching `lemma` finds nothing else: no hashtag (#велосипед) and no
    other lemma's word (стенд → стендап) starts as it does."""
    start = lemma[0][:5].lower()
    others = [
        word
        for forms in vocabulary.RUSSIAN + vocabulary.ENGLISH
        if forms is not lemma
        for word in forms
    ]
    return not any(word.lower().startswith(start) for word in [*vocabulary.HASHTAGS, *others])


def hashtags(draw: random.Random) -> list[str]:
    """Today's trending tags, four of the ten most used, and the rest any."""
    tags = list(vocabulary.TRENDING[0])
    tags += draw.sample([tag for tag in vocabulary.HASHTAGS[:10] if tag not in tags], 4)
    others = [tag for tag in vocabulary.HASHTAGS if tag not in tags]
    tags += draw.sample(others, QUERIES - len(tags))
    return tags


def name_fragments(draw: random.Random) -> list[str]:
    names = vocabulary.names()
    fragments: list[str] = []
    while len(fragments) < QUERIES:
        scripts = names.cyrillic if len(fragments) % 2 == 0 else names.latin
        # The same long tail as seed's names: common names are typed more often.
        spelled = scripts[draw.randrange(len(scripts))]
        name = spelled[int(len(spelled) * draw.random() ** 1.6)]
        fragment = name[: draw.randint(3, 5)]
        fragment = fragment.lower() if draw.random() < 0.5 else fragment
        if fragment.lower() not in (f.lower() for f in fragments):
            fragments.append(fragment)
    return fragments


async def count_posts(connection: asyncpg.Connection, words: list[str]) -> list[int]:
    """Posts each word finds, as one typed word is searched: any form, and as the
    prefix of a longer word (it is the last word typed)."""
    return [await connection.fetchval(_POSTS_FOUND, word) for word in words]


async def count_tagged(connection: asyncpg.Connection, tags: list[str]) -> list[int]:
    return [
        await connection.fetchval("SELECT count(*) FROM tweet_hashtags WHERE tag = $1", tag)
        for tag in tags
    ]


async def count_people(connection: asyncpg.Connection, fragments: list[str]) -> list[int]:
    """People whose name holds the fragment in either script, as the directory finds
    them (by the key of migration 0010's people_key; the handles user<id> hold none
    of these fragments)."""
    return [
        await connection.fetchval(
            "SELECT count(*) FROM users WHERE strpos(people_key(name), people_key($1)) > 0",
            fragment,
        )
        for fragment in fragments
    ]


async def trending_window(connection: asyncpg.Connection) -> tuple[int, int, int]:
    """Posts with hashtags, hashtags and people in the trending window, as of now."""
    row = await connection.fetchrow(
        "SELECT count(DISTINCT tweet_id), count(DISTINCT tag), count(DISTINCT author_id) "
        "FROM tweet_hashtags WHERE created_at > now() - make_interval(hours => $1)",
        TRENDING_HOURS,
    )
    assert row is not None
    return row[0], row[1], row[2]


@dataclass
class SearchPlan:
    """Every search scenario's queries, drawn once, with what each finds."""

    common: Queries
    rare: Queries
    tags: Queries
    people: Queries
    trending: tuple[int, int, int]

    @classmethod
    async def drawn(cls, connection: asyncpg.Connection, draw: random.Random) -> "SearchPlan":
        common, rare = common_words(draw), rare_words(draw)
        tags, fragments = hashtags(draw), name_fragments(draw)
        return cls(
            Queries(common, await count_posts(connection, common)),
            Queries(rare, await count_posts(connection, rare)),
            Queries(tags, await count_tagged(connection, tags)),
            Queries(fragments, await count_people(connection, fragments)),
            await trending_window(connection),
        )

    def scenarios(
        self, draw: random.Random, key: Callable[[], str]
    ) -> list[tuple[str, str, list[Request]]]:
        """(name, title, requests) of each search scenario; `key` gives someone's api key."""

        def requests(path: Callable[[str], str], queries: Queries) -> list[Request]:
            return [
                Request("GET", path(draw.choice(queries.asked)), key()) for _ in range(REQUESTS)
            ]

        def search(word: str) -> str:
            return f"/api/search/tweets?q={quote(word)}&limit={PAGE}"

        def tagged(tag: str) -> str:
            return f"/api/hashtags/{quote(tag, safe='')}/tweets?limit={PAGE}"

        def directory(fragment: str) -> str:
            return f"/api/users?q={quote(fragment)}&limit={PAGE}"

        trending = f"/api/hashtags/trending?hours={TRENDING_HOURS}&limit=10"
        posts, tags, people = self.trending
        return [
            (
                "search_common",
                f"Search, a common word ({self.common.summary('posts')})",
                requests(search, self.common),
            ),
            (
                "search_rare",
                f"Search, a rare word ({self.rare.summary('posts')})",
                requests(search, self.rare),
            ),
            (
                "hashtag",
                f"A hashtag's posts, first page ({self.tags.summary('posts')})",
                requests(tagged, self.tags),
            ),
            (
                "trending",
                f"Trending hashtags, last {TRENDING_HOURS} h ({posts:,} posts, {tags:,} "
                f"hashtags, {people:,} people)",
                [Request("GET", trending, key()) for _ in range(REQUESTS)],
            ),
            (
                "people_search",
                f"People search, 3–5 letters of a name ({self.people.summary('people')})",
                requests(directory, self.people),
            ),
        ]
