"""`bench seed`'s people: their names, and the readers who post nothing.

Names as a Russian company's directory holds them: 83% Russian (women and men
alike, surnames in the form for each), written in Cyrillic ("Анна Петрова") or, for
three in ten, in Latin letters as in a passport ("Anna Petrova"); the rest English
names, mostly in Latin letters ("Emily Clark"), some in Cyrillic ("Эмили Кларк").
Common names more often (names and surnames each with a long tail).

People search wants a directory of 100,000 people, and the feed scenarios want the
10,000 people who post and follow as they did. So the people after the first
`users` are readers: they post, like, reply and are mentioned never, and each follows
one to three of the people who post, picked evenly (a colleague or two, not the
famous accounts). The feeds, threads and notifications the scenarios read stay as
they were; the profiles of people who post gain 20 followers on average.
"""

import asyncpg

from bench import conversations, vocabulary
from bench.vocabulary import NAME_KINDS, Ranked

RUSSIAN_WOMEN, RUSSIAN_MEN = 0.415, 0.415  # of people; the rest have English names
RUSSIAN_IN_LATIN, ENGLISH_IN_LATIN = 0.3, 0.85
COMMON_NAMES = 1.6  # a name's rank is its list's size × uniform^this: low ranks often
READER_FOLLOWS = 3


async def insert(connection: asyncpg.Connection, people: int, secret: str, handles: bool) -> None:
    """People 1 to `people`, with api keys derived from `secret` (seed.api_key) and,
    from conversations on, handles."""
    names = vocabulary.names()
    cyrillic, latin = Ranked.of(names.cyrillic), Ranked.of(names.latin)
    assert latin.start == cyrillic.start
    assert len(cyrillic.start) == 2 * NAME_KINDS
    await connection.execute(
        f"""
        INSERT INTO users (id, name, api_key_hash, is_admin, created_at
                           {", handle" if handles else ""})
        OVERRIDING SYSTEM VALUE
        SELECT id,
               (CASE WHEN latin THEN $4::text[] ELSE $3::text[] END)[first]
               || ' ' || (CASE WHEN latin THEN $4::text[] ELSE $3::text[] END)[last],
               encode(sha256(convert_to('bench-' || $1::text || '-' || id, 'UTF8')), 'hex'),
               id = 1,
               now() - interval '400 days' + id * interval '1 second'
               {", " + conversations.handle_sql("id") if handles else ""}
        FROM (
            SELECT id,
                   CASE WHEN kind < 2 THEN script < {RUSSIAN_IN_LATIN}
                        ELSE script < {ENGLISH_IN_LATIN} END AS latin,
                   start[2 * kind + 1]
                       + floor(size[2 * kind + 1] * power(first, {COMMON_NAMES}))::int AS first,
                   start[2 * kind + 2]
                       + floor(size[2 * kind + 2] * power(last, {COMMON_NAMES}))::int AS last
            FROM (
                SELECT id, CASE WHEN kind < {RUSSIAN_WOMEN} THEN 0
                                WHEN kind < {RUSSIAN_WOMEN + RUSSIAN_MEN} THEN 1
                                ELSE 2 END AS kind,
                       script, first, last, $5::int[] AS start, $6::int[] AS size
                FROM (SELECT id, random() AS kind, random() AS script, random() AS first,
                             random() AS last
                      FROM generate_series(1, $2::bigint) AS id) AS drawn
            ) AS person
        ) AS named
        ORDER BY id
        """,  # noqa: S608 - numbers and fixed alternatives, no input
        secret,
        people,
        cyrillic.words,
        latin.words,
        cyrillic.start,
        cyrillic.size,
    )
    await connection.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", people)


async def readers_follow(connection: asyncpg.Connection, posters: int, people: int) -> None:
    """Each reader (people after `posters`) follows one to three people who post."""
    await connection.execute(
        f"""
        INSERT INTO follows (follower_id, followee_id, created_at)
        SELECT reader, 1 + floor($1::bigint * random())::bigint,
               now() - random() * interval '365 days'
        FROM generate_series($1::bigint + 1, $2::bigint) AS reader
        CROSS JOIN LATERAL generate_series(
            1, 1 + floor(random() * {READER_FOLLOWS} + reader * 0)::int) AS draw
        ON CONFLICT DO NOTHING
        """,  # noqa: S608 - a number, no input
        posters,
        people,
    )
