"""`bench seed`: a realistic company-sized data set, built by the database itself.

Every row comes from `INSERT … SELECT` over `generate_series`, so a million
tweets cost seconds of server time instead of a million round trips. The
shape follows a real company: most people follow 20–200 colleagues and a few
accounts are followed by thousands; a few people post a lot; tweets spread
over a year; likes pile onto a few popular tweets; some tweets carry a
picture; one in five answers another, with mentions and the notifications all
that makes (bench/conversations.py). `setseed` with parallel query off makes the
same arguments give the same rows.

Some people are planted with an exact follow count so that runs on data sets
of different sizes can compare the same person: the "typical" probes follow
50 accounts, the "heavy" probes 1,000.
"""

import asyncio
import json
import math
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass

import asyncpg
from sqlalchemy import URL, make_url

from app.core import migrations
from app.core.embedded_db import UNICODE_LOCALE
from bench import conversations, people, texts
from bench.schema import set_aside_for_loading

TYPICAL_FOLLOWS = 50
HEAVY_FOLLOWS = 1000
# Chunks of the likes step, so a long run shows where it is.
LIKES_PER_CHUNK = 1_000_000


@dataclass(frozen=True)
class DataSet:
    users: int  # the people who post, like and follow (ids 1 to users)
    tweets: int
    likes: int
    seed: int = 1
    readers: int = 0  # more people, who only read (bench/people.py)

    @property
    def people(self) -> int:
        return self.users + self.readers

    @property
    def typical_follows(self) -> int:
        return min(TYPICAL_FOLLOWS, self.users - 1)

    @property
    def heavy_follows(self) -> int:
        return min(HEAVY_FOLLOWS, self.users - 1)

    @property
    def typical_probes(self) -> range:
        """People (by id) who follow exactly `typical_follows` accounts."""
        count = min(50, max(1, self.users // 10))
        return range(2, 2 + count)

    @property
    def heavy_probes(self) -> range:
        """People (by id) who follow exactly `heavy_follows` accounts."""
        start = self.typical_probes.stop
        return range(start, start + min(10, max(1, self.users // 20)))

    def scaled(self, tweets: int) -> "DataSet":
        """The same people and follows with fewer tweets, and likes in proportion."""
        tweets = min(tweets, self.tweets)
        likes = self.likes * tweets // self.tweets
        return DataSet(self.users, tweets, likes, self.seed, self.readers)


def api_key(secret: str, user_id: int) -> str:
    """The api key seed gave person `user_id` (SQL below makes the same string)."""
    return f"bench-{secret}-{user_id}"


@dataclass(frozen=True)
class Seeded:
    """What `bench run` needs to know about a seeded database (table bench_info)."""

    data: DataSet
    secret: str
    follows: int
    likes: int
    media: int
    # Conversations (0 in a schema from before them).
    replies: int = 0
    mentions: int = 0
    notifications: int = 0
    unread: int = 0
    # Search: tweet_hashtags rows (0 in a schema from before search).
    hashtags: int = 0
    # How seed drew the data: a database seeded otherwise measures something else.
    shape: int = 1  # what seeds from before conversations recorded, by saying nothing


# 2: conversations (replies, mentions, notifications); 3: posts in words and forms
# of two languages with hashtags (bench/texts.py), names in two scripts and readers.
SHAPE = 3


async def seed(url: str, data: DataSet, say: Callable[[str], None]) -> Seeded:
    """Recreate the database at `url` (it must be a bench database) and fill it."""
    if data.users < 2 or data.tweets < 1 or data.likes < 0:
        raise ValueError("need at least 2 users and 1 tweet")
    started = time.monotonic()

    def step(what: str) -> None:
        say(f"{time.monotonic() - started:7.1f} s  {what}")

    await recreate_database(url)
    step("database created; applying migrations")
    await asyncio.to_thread(migrations.upgrade, url)  # Alembic runs its own event loop
    return await fill(url, data, step)


async def fill(url: str, data: DataSet, step: Callable[[str], None]) -> Seeded:
    """Fill the empty tables of the database at `url` (the schema of migration 0001 or
    later) with `data`; conversations too if the schema has them (0005 on), and
    search's columns and hashtags (0010 on)."""
    async with connected(url) as connection:
        secret = secrets.token_hex(8)
        await _settings_for_loading(connection, data.seed)
        talk = bool(await connection.fetchval("SELECT to_regclass('notifications') IS NOT NULL"))
        find = bool(await connection.fetchval("SELECT to_regclass('tweet_hashtags') IS NOT NULL"))
        async with set_aside_for_loading(connection, step):
            await people.insert(connection, data.people, secret, talk)
            if find:  # what the trigger that is off while loading would have made
                await connection.execute("UPDATE users SET name_key = people_key(name)")
            step(f"{data.people:,} people ({data.readers:,} of them readers)")
            await _follows(connection, data)
            await people.readers_follow(connection, data.users, data.people)
            follows: int = await connection.fetchval("SELECT count(*) FROM follows")
            step(f"{follows:,} follows")
            likes = await _likes(connection, data, step)
            step(f"{likes:,} likes drawn; drawing conversations")
            await conversations.draw_tweets(connection, data, replies=talk)
            await conversations.draw_mentions(connection, data, mentions=talk)
            await texts.draw(connection)
            step("posts written")
            await _tweets(connection, data, talk, find)
            step(f"{data.tweets:,} tweets")
            await _write_likes(connection)
            step(f"{likes:,} likes")
            media = await _media(connection)
            step(f"{media:,} pictures (rows only)")
            counts = await conversations.write_the_rest(connection) if talk else {}
            if talk:
                step(
                    f"{counts['replies']:,} replies, {counts['mentions']:,} mentions, "
                    f"{counts['notifications']:,} notifications ({counts['unread']:,} unread)"
                )
            if find:
                counts["hashtags"] = await texts.write_hashtags(connection)
                step(f"{counts['hashtags']:,} hashtags of tweets")
        seeded = Seeded(data, secret, follows, likes, media, **counts, shape=SHAPE)
        await _remember(connection, seeded)
        step("vacuum and analyze")
        # VACUUM fills the visibility map, which index-only scans need.
        await connection.execute("VACUUM (ANALYZE)")
        size = await connection.fetchval(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        )
        step(f"done: database size {size}")
        return seeded


def plain_url(url: str | URL) -> str:
    """The URL as asyncpg takes it (SQLAlchemy's says postgresql+asyncpg://)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def connected(url: str | URL) -> AsyncIterator[asyncpg.Connection]:
    """One plain asyncpg connection to `url`, closed after."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        yield connection
    finally:
        await connection.close()


def database_name(url: str) -> str:
    return make_url(url).database or ""


async def recreate_database(url: str) -> None:
    """Drop and create the database. Refused for a name without 'bench' in it, and for
    an existing database that holds tables but not seed's bench_info (an empty one,
    as the embedded server's start makes it, has nothing to lose)."""
    name = database_name(url)
    if "bench" not in name or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing to recreate {name!r}: a bench database has 'bench' in its name")
    if await _holds_something_else(url):
        raise ValueError(
            f"refusing to recreate {name!r}: it exists and was not made by bench seed; "
            "drop it yourself if it may go"
        )
    async with connected(make_url(url).set(database="postgres")) as connection:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # As the app's own database is made, where the server can (PostgreSQL 17+).
        unicode = connection.get_server_version().major >= 17
        options = UNICODE_LOCALE if unicode else "TEMPLATE template0 ENCODING 'UTF8'"
        await connection.execute(f'CREATE DATABASE "{name}" {options}')


async def _holds_something_else(url: str) -> bool:
    try:
        async with connected(url) as connection:
            if await connection.fetchval("SELECT to_regclass('bench_info') IS NOT NULL"):
                return False
            return bool(
                await connection.fetchval(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                    " AND n.nspname NOT LIKE 'pg\\_%'"
                )
            )
    except asyncpg.InvalidCatalogNameError:
        return False


async def _settings_for_loading(connection: asyncpg.Connection, seed: int) -> None:
    await connection.execute("SET synchronous_commit = off")
    await connection.execute("SET maintenance_work_mem = '512MB'")
    await connection.execute("SET work_mem = '256MB'")
    # One process draws every random number, in order: the same seed, the same rows.
    await connection.execute("SET max_parallel_workers_per_gather = 0")
    await connection.execute("SELECT setseed($1)", math.sin(seed))


async def _follows(connection: asyncpg.Connection, data: DataSet) -> None:
    probes = [*data.typical_probes, *data.heavy_probes]
    # Everyone else: a log-uniform 20–200 draws (2% of people up to 1,000), repeats
    # dropped. power(random(), 2.5) puts most draws on low ids, so a few accounts
    # are followed by thousands and most by a handful.
    await connection.execute(
        """
        INSERT INTO follows (follower_id, followee_id, created_at)
        SELECT follower, followee, now() - random() * interval '365 days'
        FROM (
            SELECT f AS follower, 1 + floor($1::bigint * power(random(), 2.5))::bigint AS followee
            FROM generate_series(1, $1::bigint) AS f
            CROSS JOIN LATERAL generate_series(
                1, least($1 - 1, floor(f * 0 + CASE WHEN random() < 0.02
                                                  THEN 200 * power(5, random())
                                                  ELSE 20 * power(10, random()) END)::bigint)
            ) AS draw
            WHERE f <> ALL($2::bigint[])
        ) AS drawn
        WHERE followee <> follower
        ON CONFLICT DO NOTHING
        """,
        data.users,
        probes,
    )
    # Probes: exactly k distinct accounts, weighted by the same popularity
    # (Efraimidis–Spirakis: the k smallest -ln(u)/weight).
    for ids, count in (
        (data.typical_probes, data.typical_follows),
        (data.heavy_probes, data.heavy_follows),
    ):
        await connection.execute(
            """
            INSERT INTO follows (follower_id, followee_id, created_at)
            SELECT f, pick.id, now() - random() * interval '365 days'
            FROM unnest($2::bigint[]) AS f
            CROSS JOIN LATERAL (
                SELECT id FROM generate_series(1, $1::bigint) AS id
                WHERE id <> f
                ORDER BY -ln(1 - random()) * power(id, 0.6) + f * 0
                LIMIT $3
            ) AS pick
            """,
            data.users,
            list(ids),
            count,
        )


async def _likes(connection: asyncpg.Connection, data: DataSet, step: Callable[[str], None]) -> int:
    """Draw the likes into a temporary table first, so each tweet is written once,
    with its final likes_count, instead of being updated after (when, once the
    tweets' times are known)."""
    await connection.execute(
        "CREATE TEMPORARY TABLE bench_likes (LIKE likes INCLUDING DEFAULTS, "
        "PRIMARY KEY (tweet_id, user_id))"
    )
    done = 0
    while done < data.likes:
        chunk = min(LIKES_PER_CHUNK, data.likes - done)
        # power(random(), 3) makes a few tweets very popular; multiplying the
        # rank by a large odd number scatters them over authors and time.
        await connection.execute(
            """
            INSERT INTO bench_likes (tweet_id, user_id)
            SELECT 1 + (floor($1::bigint * power(random(), 3))::bigint * 2654435761) % $1,
                   1 + floor($2::bigint * random())::bigint
            FROM generate_series(1, $3::bigint)
            ON CONFLICT DO NOTHING
            """,
            data.tweets,
            data.users,
            chunk,
        )
        done += chunk
        if data.likes > LIKES_PER_CHUNK:
            step(f"  {done:,} of {data.likes:,} likes drawn")
    count: int = await connection.fetchval("SELECT count(*) FROM bench_likes")
    return count


async def _tweets(connection: asyncpg.Connection, data: DataSet, talk: bool, find: bool) -> None:
    """Each tweet written once, with its final counters; its words and hashtags as
    drawn (bench/texts.py), mentions at the end of its text; and what search reads,
    as the trigger that is off while loading would have made it."""
    columns = ", reply_to, conversation_id, replies_count" if talk else ""
    values = ", t.reply_to, t.conversation_id, coalesce(replied.n, 0)" if talk else ""
    if find:
        columns += ", search"
        values += ", tweet_search_vector(said.content, t.created_at)"
    await connection.execute(
        f"""
        INSERT INTO tweets (id, author_id, content, likes_count, created_at{columns})
        OVERRIDING SYSTEM VALUE
        SELECT t.id, t.author_id, said.content, coalesce(liked.n, 0), t.created_at{values}
        FROM bench_tweets t
        JOIN bench_texts written ON written.id = t.id
        LEFT JOIN (SELECT tweet_id, count(*) AS n FROM bench_likes GROUP BY tweet_id) AS liked
               ON liked.tweet_id = t.id
        LEFT JOIN (SELECT reply_to, count(*) AS n FROM bench_tweets
                   WHERE reply_to IS NOT NULL GROUP BY reply_to) AS replied
               ON replied.reply_to = t.id
        LEFT JOIN (SELECT tweet_id, string_agg('@' || handle, ' ' ORDER BY position) AS handles
                   FROM bench_mentions GROUP BY tweet_id) AS mentioned
               ON mentioned.tweet_id = t.id
        CROSS JOIN LATERAL (SELECT written.content || coalesce(' ' || mentioned.handles, '')
                            AS content) AS said
        ORDER BY t.id
        """  # noqa: S608 - fixed alternatives, no input
    )
    await connection.execute(
        "SELECT setval(pg_get_serial_sequence('tweets', 'id'), $1)", data.tweets
    )


async def _write_likes(connection: asyncpg.Connection) -> None:
    """The drawn likes, each some time after its tweet was posted."""
    await connection.execute(
        """
        INSERT INTO likes (tweet_id, user_id, created_at)
        SELECT l.tweet_id, l.user_id, t.created_at + random() * (now() - t.created_at)
        FROM bench_likes l JOIN tweets t ON t.id = l.tweet_id
        ORDER BY l.tweet_id, l.user_id
        """
    )


async def _media(connection: asyncpg.Connection) -> int:
    """One picture on every 20th tweet; rows only, no bytes in image_saver."""
    await connection.execute(
        """
        INSERT INTO media (id, owner_id, tweet_id, storage_key, content_type, size, created_at)
        OVERRIDING SYSTEM VALUE
        SELECT t.id / 20 + 1, t.author_id, t.id, 'bench-' || t.id, 'image/jpeg', 120000,
               t.created_at
        FROM tweets t WHERE t.id % 20 = 0
        """
    )
    count: int = await connection.fetchval("SELECT count(*) FROM media")
    await connection.execute(
        "SELECT setval(pg_get_serial_sequence('media', 'id'), greatest($1, 1))", count + 1
    )
    return count


async def _remember(connection: asyncpg.Connection, seeded: Seeded) -> None:
    await connection.execute("CREATE TABLE bench_info (info jsonb NOT NULL)")
    await connection.execute(
        "INSERT INTO bench_info VALUES ($1::jsonb)", json.dumps(asdict(seeded))
    )


async def seeded_info(url: str) -> Seeded | None:
    """What seed recorded in this database, or None if it is not a seeded bench database."""
    try:
        async with connected(url) as connection:
            if not await connection.fetchval("SELECT to_regclass('bench_info') IS NOT NULL"):
                return None
            info = json.loads(await connection.fetchval("SELECT info::text FROM bench_info"))
    except (asyncpg.InvalidCatalogNameError, OSError):
        return None
    return Seeded(**{**info, "data": DataSet(**info["data"])})
