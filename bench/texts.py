"""`bench seed`'s posts: what each one says, and the hashtags it carries.

A post is a sentence of one to six content words, each after a stop word half the
time: 55% of posts are in Russian, 35% in English, and the rest Russian with an
English word in three (as people here write "выкатили hotfix"). Each content word
is a lemma drawn by rank from its language's list in bench/vocabulary.py with a
long tail (`zipf_rank`), then one of its forms, the dictionary form most often: at a
million posts the most common Russian lemma is in about 7% of them, the most common
English one in 4%, and the rarest of either in about 100 (0.01%).

A third of the posts carry hashtags (most one, some two), drawn from HASHTAGS with
a long tail too, now and then capitalised as people type them (#Release), most at
the end of the post and some at its start. On the last three days a hashtag is,
often, one of that day's TRENDING ones: each is used by hundreds of people a day,
several times the most common hashtag's use.

Everything is drawn in SQL, one statement per table, from the seeded random
sequence: the same seed, the same posts.
"""

import asyncpg

from bench import vocabulary
from bench.vocabulary import Ranked

RUSSIAN, ENGLISH = 0.55, 0.35  # of posts; the rest mix the two
MIXED_ENGLISH = 0.35  # of a mixed post's content words
MOST_WORDS = 6
AFTER_STOP_WORD = 0.5
COMMA = 0.08
TAGGED = 1 / 3
TWO_TAGS = 0.3  # of the posts with hashtags
TAGS_FIRST = 0.2
CAPITALISED = 0.15
# Zipf–Mandelbrot: rank r (from 0) of n is drawn with weight 1 / (r + q)^s. The
# lemmas' large q keeps a broad head (a few hundred lemmas must fill every post
# while the rarest stays at about 0.01% of posts); the hashtags' is a plainer Zipf.
LEMMA_Q, LEMMA_S = 120, 5
TAG_Q, TAG_S = 2, 1.2


def zipf_rank(uniform: str, size: int, q: float, s: float) -> str:
    """SQL for the rank (from 0) that the uniform draw `uniform` picks of `size`
    ranked items: the continuous law's inverse distribution function, floored."""
    low, high = q ** (1 - s), (size + q) ** (1 - s)
    return (
        f"least({size - 1}, floor(power({low!r} - {uniform} * {low - high!r}, "
        f"{1 / (1 - s)!r}) - {q!r})::int)"
    )


def pick(ranked: str, rank: str, form: str) -> str:
    """SQL for one word of list `rank` (from 0) of the Ranked arrays named
    `ranked`_words, _start and _size; uniform draw `form` picks which, the first most
    often."""
    item = f"{rank} + 1"
    return (
        f"{ranked}_words[{ranked}_start[{item}] "
        f"+ floor({ranked}_size[{item}] * power({form}, 2))::int]"
    )


async def draw(connection: asyncpg.Connection) -> None:
    """Temporary tables bench_tags (tweet_id, tag, position, written) and bench_texts
    (id, content): every post's words and hashtags; its mentions come after."""
    await _tags(connection)
    russian, english = Ranked.of(vocabulary.RUSSIAN), Ranked.of(vocabulary.ENGLISH)
    english_word = (
        f"p.language >= {RUSSIAN} AND (p.language < {RUSSIAN + ENGLISH} "
        f"OR w.mixed < {MIXED_ENGLISH})"
    )
    english_post = f"p.language >= {RUSSIAN} AND p.language < {RUSSIAN + ENGLISH}"
    ru_rank = zipf_rank("w.rank", len(russian.start), LEMMA_Q, LEMMA_S)
    en_rank = zipf_rank("w.rank", len(english.start), LEMMA_Q, LEMMA_S)
    await connection.execute(
        f"""
        CREATE TEMPORARY TABLE bench_texts AS
        WITH arrays AS (
            SELECT $1::text[] AS ru_words, $2::int[] AS ru_start, $3::int[] AS ru_size,
                   $4::text[] AS en_words, $5::int[] AS en_start, $6::int[] AS en_size,
                   $7::text[] AS ru_stop, $8::text[] AS en_stop, $9::text[] AS endings
        ), post AS MATERIALIZED (
            SELECT id, random() AS language, 1 + floor(random() * {MOST_WORDS})::int AS words,
                   random() AS ending
            FROM bench_tweets
        )
        SELECT p.id,
               concat_ws(' ', CASE WHEN tagged.first THEN tagged.tags END,
                         upper(left(said.sentence, 1)) || substr(said.sentence, 2)
                         || endings[1 + floor(p.ending * cardinality(endings))::int],
                         CASE WHEN NOT tagged.first THEN tagged.tags END) AS content
        FROM post p
        CROSS JOIN arrays
        CROSS JOIN LATERAL (
            SELECT string_agg(
                       CASE WHEN w.stop >= {AFTER_STOP_WORD} THEN ''
                            WHEN {english_post}
                                THEN en_stop[1 + floor(w.which * cardinality(en_stop))::int]
                            ELSE ru_stop[1 + floor(w.which * cardinality(ru_stop))::int]
                       END || CASE WHEN w.stop < {AFTER_STOP_WORD} THEN ' ' ELSE '' END
                       || CASE WHEN {english_word} THEN {pick("en", en_rank, "w.form")}
                               ELSE {pick("ru", ru_rank, "w.form")} END
                       || CASE WHEN w.comma < {COMMA} AND w.slot < p.words THEN ',' ELSE ''
                          END,
                       ' ' ORDER BY w.slot) AS sentence
            FROM (SELECT slot, random() AS stop, random() AS which, random() AS mixed,
                         random() AS rank, random() AS form, random() AS comma
                  FROM generate_series(1, p.words) AS slot) AS w
        ) AS said
        LEFT JOIN (SELECT tweet_id, bool_or(first) AS first,
                          string_agg('#' || written, ' ' ORDER BY position) AS tags
                   FROM bench_tags GROUP BY tweet_id) AS tagged ON tagged.tweet_id = p.id
        """,  # noqa: S608 - numbers and fixed names, no input
        russian.words,
        russian.start,
        russian.size,
        english.words,
        english.start,
        english.size,
        vocabulary.RUSSIAN_STOP,
        vocabulary.ENGLISH_STOP,
        vocabulary.ENDINGS,
    )
    await connection.execute("ALTER TABLE bench_texts ADD PRIMARY KEY (id)")


async def _tags(connection: asyncpg.Connection) -> None:
    trending = [tag for day in vocabulary.TRENDING for tag in day]
    per_day = len(vocabulary.TRENDING[0])
    shares = [sum(vocabulary.TRENDING_SHARES[: k + 1]) for k in range(per_day)]
    trend = " ".join(
        f"WHEN d.trend < {share!r} THEN trending[p.day * {per_day} + {k + 1}]"
        for k, share in enumerate(shares)
    )
    rank = zipf_rank("d.rank", len(vocabulary.HASHTAGS), TAG_Q, TAG_S)
    await connection.execute(
        f"""
        CREATE TEMPORARY TABLE bench_tags AS
        WITH post AS MATERIALIZED (
            SELECT id, random() AS tagged, random() AS two, random() < {TAGS_FIRST} AS first,
                   floor(extract(epoch FROM now() - created_at) / 86400)::int AS day
            FROM bench_tweets
        ), drawn AS (
            SELECT p.id AS tweet_id, p.first, d.slot, d.capital,
                   CASE WHEN p.day < {len(vocabulary.TRENDING)} THEN CASE {trend} END END
                       AS trend_tag,
                   ($1::text[])[1 + {rank}] AS usual
            FROM post p
            CROSS JOIN LATERAL (
                SELECT slot, random() AS trend, random() AS rank, random() AS capital
                FROM generate_series(1, CASE WHEN p.two < {TWO_TAGS} THEN 2 ELSE 1 END) AS slot
            ) AS d
            CROSS JOIN (SELECT $2::text[] AS trending) AS today
            WHERE p.tagged < {TAGGED}
        )
        -- A tag drawn twice for one post is written once.
        SELECT tweet_id, tag, bool_or(first) AS first, min(slot) AS position,
               CASE WHEN min(capital) < {CAPITALISED} THEN initcap(tag) ELSE tag END AS written
        FROM (SELECT tweet_id, first, slot, capital, coalesce(trend_tag, usual) AS tag
              FROM drawn) AS chosen
        GROUP BY tweet_id, tag
        """,  # noqa: S608 - numbers and fixed names, no input
        vocabulary.HASHTAGS,
        trending,
    )


async def write_hashtags(connection: asyncpg.Connection) -> int:
    """tweet_hashtags as the trigger that is off while loading would have filed them:
    by the same function (migration 0010), from the posts' texts."""
    await connection.execute(
        """
        INSERT INTO tweet_hashtags (tweet_id, tag, author_id, created_at)
        SELECT t.id, tag, t.author_id, t.created_at
        FROM tweets t CROSS JOIN unnest(tweet_hashtags_of(t.content)) AS tag
        WHERE strpos(t.content, '#') > 0
        ORDER BY t.id, tag
        """
    )
    count: int = await connection.fetchval("SELECT count(*) FROM tweet_hashtags")
    return count
