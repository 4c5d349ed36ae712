"""`bench migration`: search's migration on the seeded database, timed while people
keep posting and liking, to show that it never holds their writes up for more than
a moment (docs/operations.md, "Migrations on a big database").

The seeded database goes back to the revision before search (its downgrade), and its
tweets table is rewritten as a database of that revision would hold it (the dropped
column's bytes gone). Then it is upgraded to head while writers post tweets and like
and unlike seeded ones, through the SQL the service of the revision before runs
meanwhile (the new service starts once the migration is done). Every write is timed
from its start to its commit; a watcher samples what the migration is running, so
that the slowest writes can be matched with the step that held them.

The database is left at head, with what the run wrote removed and the tables
vacuumed; the upgrade's backfill must give the seeded tweets the same search vectors
and hashtags the seed gave them, and the report says whether it did.
"""

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from app.core import migrations
from bench.measure import percentiles_ms
from bench.report import write_pair
from bench.seed import Seeded, connected, plain_url, seeded_info

BEFORE_SEARCH = "0009"
# "A moment": above the migration's own lock timeout (0.5 s), which is the longest a
# write may queue behind one of its statements.
MAX_WRITE_MS = 1000
SAMPLE_SECONDS = 0.2
SLOWEST = 5
WRITER = "bench-writer"  # the writers' application_name
# What the migration's sessions are running (not the writers', not this one's).
_MIGRATING = """
SELECT regexp_replace(left(query, 90), '\\s+', ' ', 'g') FROM pg_stat_activity
WHERE datname = current_database() AND state = 'active' AND backend_type = 'client backend'
  AND application_name <> $1 AND pid <> pg_backend_pid()
"""

POST = "INSERT INTO tweets (author_id, content) VALUES ($1, $2) RETURNING id"
# As the service likes and unlikes: the like and its count in one statement.
LIKE = """
WITH liked AS (INSERT INTO likes (tweet_id, user_id) VALUES ($1, $2)
               ON CONFLICT DO NOTHING RETURNING tweet_id)
UPDATE tweets SET likes_count = likes_count + 1 WHERE id IN (SELECT tweet_id FROM liked)
RETURNING id
"""
UNLIKE = """
WITH removed AS (DELETE FROM likes WHERE tweet_id = $1 AND user_id = $2 RETURNING tweet_id)
UPDATE tweets SET likes_count = likes_count - 1 WHERE id IN (SELECT tweet_id FROM removed)
"""
# What seed (and, after the upgrade, its backfill) gave the seeded tweets.
_SEARCH_STATE = """
SELECT (SELECT count(*) FILTER (WHERE search IS NULL)
               || ':' || coalesce(sum(hashtext(search::text)::numeric), 0)
        FROM tweets WHERE id < $1),
       (SELECT count(*) || ':' || coalesce(sum(hashtext(tweet_id || tag)::numeric), 0)
        FROM tweet_hashtags WHERE tweet_id < $1)
"""


@dataclass(frozen=True)
class MigrationOptions:
    writers: int = 4
    # After each writer's post, like and unlike: some 180 writes/s from four.
    pause: float = 0.05
    output: Path = Path("bench-results")


@dataclass
class Write:
    kind: str
    at: float  # seconds after the upgrade began
    ms: float


@dataclass
class MigrationReport:
    data: Seeded
    downgrade_seconds: float
    rewrite_seconds: float
    migration_seconds: float
    writes: list[Write]
    # What the migration was running, sampled: (seconds after it began, statement).
    samples: list[tuple[float, str]]
    seeded_search_kept: bool
    posts_during: int
    posts_without_search: int
    posts_without_hashtags: int
    when: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    def latencies(self) -> dict[str, float]:
        cuts = percentiles_ms([write.ms / 1000 for write in self.writes])
        return {
            "p50_ms": cuts[49],
            "p99_ms": cuts[98],
            "max_ms": max((w.ms for w in self.writes), default=0),
        }

    def slowest(self) -> list[dict[str, Any]]:
        """The slowest writes, each with what the migration ran meanwhile."""
        found = []
        for write in sorted(self.writes, key=lambda w: -w.ms)[:SLOWEST]:
            began, ended = write.at, write.at + write.ms / 1000
            # The statements seen while it waited, or else the last one seen before.
            during = [s for at, s in self.samples if began - SAMPLE_SECONDS <= at <= ended]
            before = [s for at, s in self.samples if at < began][-1:]
            running = list(dict.fromkeys(during or before))
            found.append(asdict(write) | {"migration_ran": running})
        return found

    def steps(self) -> list[dict[str, Any]]:
        """Each statement the migration ran (a batch's, once for all batches), when it
        was first and last seen, in order of first sight."""
        steps: dict[str, dict[str, Any]] = {}
        for at, statement in self.samples:
            step = steps.setdefault(statement, {"statement": statement, "first": at, "samples": 0})
            step["last"] = at
            step["samples"] += 1
        return list(steps.values())

    @property
    def met(self) -> bool:
        return bool(self.writes) and self.latencies()["max_ms"] <= MAX_WRITE_MS

    def as_json(self) -> dict[str, Any]:
        kinds = sorted({write.kind for write in self.writes})
        return {
            "when": self.when,
            "data": asdict(self.data.data),
            "revision_before": BEFORE_SEARCH,
            "downgrade_seconds": self.downgrade_seconds,
            "rewrite_seconds": self.rewrite_seconds,
            "migration_seconds": self.migration_seconds,
            "writes": len(self.writes),
            "writes_by_kind": {k: sum(w.kind == k for w in self.writes) for k in kinds},
            **self.latencies(),
            "max_write_ms_limit": MAX_WRITE_MS,
            "met": self.met,
            "slowest": self.slowest(),
            "steps": self.steps(),
            "seeded_search_kept": self.seeded_search_kept,
            "posts_during": self.posts_during,
            "posts_without_search": self.posts_without_search,
            "posts_without_hashtags": self.posts_without_hashtags,
        }

    def as_markdown(self) -> str:
        d, lat = self.data.data, self.latencies()
        lines = [
            f"Migration run of {self.when}: {d.tweets:,} tweets, {d.people:,} people.",
            "",
            f"Downgrade to {BEFORE_SEARCH}: {self.downgrade_seconds:.1f} s; tweets rewritten "
            f"as that revision holds them: {self.rewrite_seconds:.1f} s (neither measured).",
            "",
            f"**Upgrade to head: {self.migration_seconds:.1f} s**, while {len(self.writes):,} "
            f"writes (posts, likes, unlikes) went on: p50 {lat['p50_ms']:.1f} ms, p99 "
            f"{lat['p99_ms']:.1f} ms, max {lat['max_ms']:.1f} ms (limit {MAX_WRITE_MS} ms: "
            f"{'met' if self.met else 'NOT met'}).",
            "",
            f"| The migration's statements (sampled every {SAMPLE_SECONDS:g} s) | First seen, s "
            "| Last seen, s | Samples |",
            "|---|---:|---:|---:|",
            *(
                f"| `{step['statement']}` | {step['first']:.1f} | {step['last']:.1f} "
                f"| {step['samples']} |"
                for step in self.steps()
            ),
            *([] if self.samples else ["| (none caught: every step was shorter) | | | |"]),
            "",
            "| Slowest writes | At s | ms | The migration ran |",
            "|---|---:|---:|---|",
            *(
                f"| {w['kind']} | {w['at']:.1f} | {w['ms']:.1f} | "
                f"{'; '.join(f'`{s}`' for s in w['migration_ran']) or '(nothing yet)'} |"
                for w in self.slowest()
            ),
            "",
            "The backfill gave the seeded tweets the search vectors and hashtags seed gave "
            f"them: {'yes' if self.seeded_search_kept else 'NO'}. Of the "
            f"{self.posts_during:,} posts written during the migration (by the service of "
            f"the revision before), {self.posts_without_search:,} have no search vector and "
            f"{self.posts_without_hashtags:,} lack their hashtag's row.",
        ]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> Path:
        return write_pair(folder, "migration", self.as_markdown(), self.as_json())


async def measure(
    url: str, options: MigrationOptions, say: Callable[[str], None]
) -> MigrationReport:
    seeded = await seeded_info(url)
    if seeded is None:
        raise SystemExit("No seeded bench database: run `python3 dev.py bench seed` first.")
    async with connected(url) as connection:
        if not await connection.fetchval("SELECT to_regclass('tweet_hashtags') IS NOT NULL"):
            raise SystemExit(
                "The bench database has no search (migration 0010): seed it again with "
                "this version (`python3 dev.py bench seed`)."
            )
        first_new = 1 + await connection.fetchval("SELECT max(id) FROM tweets")
        seeded_state = await _search_state(connection, first_new)
    say(f"downgrading to {BEFORE_SEARCH}")
    started = time.monotonic()
    await asyncio.to_thread(migrations.downgrade, url, BEFORE_SEARCH)
    downgraded = time.monotonic() - started
    say(f"  {downgraded:.1f} s; rewriting tweets as revision {BEFORE_SEARCH} holds them")
    started = time.monotonic()
    async with connected(url) as connection:
        await connection.execute("VACUUM (FULL, ANALYZE) tweets")
    rewritten = time.monotonic() - started
    say(f"  {rewritten:.1f} s; upgrading to head while {options.writers} writers write")
    writes, samples, seconds = await _upgrade_while_writing(url, seeded, options, first_new)
    say(f"  {seconds:.1f} s, {len(writes):,} writes; checking and cleaning up")
    async with connected(url) as connection:
        kept = await _search_state(connection, first_new) == seeded_state
        during = await connection.fetchrow(
            """
            SELECT count(*) AS posts,
                   count(*) FILTER (WHERE search IS NULL) AS without_search,
                   count(*) FILTER (WHERE NOT EXISTS (
                       SELECT FROM tweet_hashtags h WHERE h.tweet_id = t.id)) AS without_tags
            FROM tweets t WHERE id >= $1
            """,
            first_new,
        )
        assert during is not None
        await connection.execute("DELETE FROM tweets WHERE id >= $1", first_new)
        await connection.execute("VACUUM (ANALYZE) tweets, likes, notifications, tweet_hashtags")
    return MigrationReport(
        data=seeded,
        downgrade_seconds=downgraded,
        rewrite_seconds=rewritten,
        migration_seconds=seconds,
        writes=writes,
        samples=samples,
        seeded_search_kept=kept,
        posts_during=during["posts"],
        posts_without_search=during["without_search"],
        posts_without_hashtags=during["without_tags"],
    )


async def _search_state(connection: asyncpg.Connection, first_new: int) -> tuple[str, str]:
    row = await connection.fetchrow(_SEARCH_STATE, first_new)
    assert row is not None
    return row[0], row[1]


async def _upgrade_while_writing(
    url: str, seeded: Seeded, options: MigrationOptions, first_new: int
) -> tuple[list[Write], list[tuple[float, str]], float]:
    """The upgrade's writes, what it ran as sampled, and its time."""
    data = seeded.data
    draw = random.Random(data.seed)  # noqa: S311 - repeatable, not secret
    pool = await asyncpg.create_pool(
        plain_url(url),
        min_size=options.writers,
        max_size=options.writers,
        server_settings={"application_name": WRITER},
    )
    writes: list[Write] = []
    samples: list[tuple[float, str]] = []
    try:
        started = time.monotonic()
        upgrade = asyncio.ensure_future(asyncio.to_thread(migrations.upgrade, url))

        async def timed(kind: str, statement: str, *args: object) -> object:
            began = time.monotonic()
            async with pool.acquire() as connection:
                result = await connection.fetchval(statement, *args)
            writes.append(Write(kind, began - started, (time.monotonic() - began) * 1000))
            return result

        async def writer(n: int) -> None:
            person = 1 + n % data.users
            while not upgrade.done():
                await timed("post", POST, person, f"Still here {n} #release #релиз")
                tweet = draw.randint(1, first_new - 1)
                liked = await timed("like", LIKE, tweet, person)
                if liked is not None:  # not a seeded like: take it back
                    await timed("unlike", UNLIKE, tweet, person)
                await asyncio.sleep(options.pause)

        async def watch() -> None:
            async with connected(url) as watcher:
                while not upgrade.done():
                    for row in await watcher.fetch(_MIGRATING, WRITER):
                        samples.append((time.monotonic() - started, row[0]))
                    await asyncio.sleep(SAMPLE_SECONDS)

        await asyncio.gather(upgrade, watch(), *(writer(n) for n in range(options.writers)))
        seconds = time.monotonic() - started
    finally:
        await pool.close()
    return writes, samples, seconds
