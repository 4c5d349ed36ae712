"""`bench run`: the real server under wrk on a seeded database, and the report.

The feed is also measured on a reference data set with the same people and
follows and 10,000 tweets (seeded here when missing), so its cost at scale is
a ratio to its cost when small; every target is a ratio on the same machine.
"""

import asyncio
import json
import random
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.core.security import hash_session_token
from bench import baseline, streams
from bench import seed as seeding
from bench.baseline import RawRequest
from bench.conversations import handle
from bench.cpu import Meter, postmaster
from bench.load import Request, Server, peak_rss, wrk
from bench.measure import Result
from bench.replica import replica_of
from bench.replica import transactions as replica_transactions
from bench.report import Report
from bench.search_scenarios import SearchPlan
from bench.seed import Seeded, api_key, connected


@dataclass(frozen=True)
class Options:
    workers: int = 2
    connections: int = 16
    seconds: float = 5
    rounds: int = 3
    warmup: float = 2
    reference_tweets: int = 10_000
    hot_tweet_people: int = 1000
    likers_per_tweet: int = 10  # as the server has it (LIKERS_PER_TWEET)
    output: Path = Path("bench-results")
    streams: int = 2000  # open event streams on one worker; 0: not measured
    stream_posts: int = 5
    # The feed from many keep-alive connections over several wrk threads; 0: not measured.
    many_connections: int = 256
    many_threads: int = 2
    replica: bool = True  # the feed with one streaming replica, made for the run


def run(url: str, reference_url: str, options: Options, say: Callable[[str], None]) -> Report:
    seeded = asyncio.run(seeding.seeded_info(url))
    if seeded is None:
        raise SystemExit("No seeded bench database: run `python3 dev.py bench seed` first.")
    if seeded.shape != seeding.SHAPE:
        raise SystemExit(
            "The bench database was seeded by an earlier `bench seed`, without the data "
            "the scenarios now read: run `python3 dev.py bench seed` again."
        )
    reference = asyncio.run(_reference(reference_url, seeded, options, say))
    plan = _Plan(seeded, random.Random(seeded.data.seed))  # noqa: S311 - repeatable, not secret
    database_size, postgres, database_pids = asyncio.run(_describe(url))
    report = Report(
        data=seeded,
        reference=reference,
        database_size=database_size,
        workers=options.workers,
        connections=options.connections,
        seconds=options.seconds,
        rounds=options.rounds,
        postgres=postgres,
    )
    log = options.output / "server.log"
    options.output.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    plan.threads = asyncio.run(_threads(url))
    plan.search = asyncio.run(_search_plan(url, seeded))
    # The run's own writes go to tweets made for it, removed after: the data set
    # stays as seeded, so runs stay comparable.
    first_new, like_targets = asyncio.run(_tweets_for_this_run(url, seeded))
    plan.like_targets = like_targets
    asyncio.run(_sessions_for_this_run(url, seeded, plan.signed_in))
    asyncio.run(_announcements_for_this_run(url, plan.signed_in))
    try:
        _measure(
            url, reference_url, options, say, (seeded, reference), plan, report, log, database_pids
        )
    finally:
        asyncio.run(_forget_this_run(url, first_new))
    return report


def _measure(
    url: str,
    reference_url: str,
    options: Options,
    say: Callable[[str], None],
    data_sets: tuple[Seeded, Seeded],
    plan: "_Plan",
    report: Report,
    log: Path,
    database_pids: tuple[int, ...],
) -> None:
    seeded, reference = data_sets

    def measure(
        server: Server, requests: list[Request], clients: int = 0, threads: int = 1
    ) -> Result:
        return _measured(server, requests, options, database_pids, (clients, threads))

    say(f"reference: the feed at {reference.data.tweets:,} tweets")
    with Server(reference_url, options.workers, log).running() as server:
        # The same people; the reference data set has keys of its own.
        small = _Plan(reference, random.Random(0))  # noqa: S311 - repeatable, not secret
        feed_reference = measure(server, small.feed(small.typical))
    with Server(url, options.workers, log).running() as server:
        for name, title, requests in plan.scenarios():
            say(title)
            if name == "feed":
                with peak_rss(server) as peak:
                    result = measure(server, requests)
                report.peak_worker_rss_mb = peak["mb"]
            else:
                result = measure(server, requests)
            report.add(name, title, result)
            if name == "feed":
                title = f"Feed, first page, at {reference.data.tweets:,} tweets (reference)"
                report.add("feed_reference", title, feed_reference)
        if options.many_connections:
            many, threads = options.many_connections, options.many_threads
            title = f"Feed, first page, {many} connections from {threads} wrk threads"
            say(title)
            report.add("feed_many", title, measure(server, plan.feed(plan.typical), many, threads))
        for name, title, raw in plan.raw_scenarios(options.likers_per_tweet):
            say(title)
            report.add(name, title, _raw(url, raw, options, database_pids))
        say(f"{options.hot_tweet_people:,} people like one tweet at once, then half unlike it")
        report.hot_tweet = asyncio.run(
            _hot_tweet(server.url, url, seeded, options.hot_tweet_people)
        )
    if options.replica:
        _feed_with_a_replica(url, options, say, plan, report, log, database_pids)
    if options.streams:
        report.streams = streams.measure(
            url, seeded, streams.StreamOptions(options.streams, options.stream_posts), log, say
        )


def _measured(
    server: Server,
    requests: list[Request],
    options: Options,
    database_pids: tuple[int, ...],
    clients: tuple[int, int] = (0, 1),
) -> Result:
    """A scenario through wrk: a warm-up, then the best of the rounds, each with its
    CPU per request. `clients`: wrk's connections (0: --connections) and threads."""
    connections, threads = clients[0] or options.connections, clients[1]

    # Each round is a new wrk, whose connections the workers accept anew: one worker
    # can take nearly all of them (seen: 96%) and the other idles, halving that
    # round. The best round is the server's; every round's failures count.
    def load(seconds: float) -> Result:
        return wrk(server.url, requests, connections, seconds, options.output, threads)

    if options.warmup:
        load(options.warmup)
    meter = Meter(server.worker_pids, database_pids)
    return Result.best_of(
        [meter.measured(lambda: load(options.seconds)) for _ in range(options.rounds)]
    )


def _feed_with_a_replica(
    url: str,
    options: Options,
    say: Callable[[str], None],
    plan: "_Plan",
    report: Report,
    log: Path,
    database_pids: tuple[int, ...],
) -> None:
    """The feed again, served with one streaming replica of the bench database made
    for it (its CPU counted with the primary's), against the feed measured without."""
    say("a streaming replica of the bench database's server (pg_basebackup)")
    with ExitStack() as stack:
        try:
            made = stack.enter_context(replica_of(url))
        except (AssertionError, RuntimeError) as refused:  # e.g. no replication rights
            say(f"no replica, the feed with one is not measured: {refused}")
            report.replica = {"error": str(refused)}
            return
        settings = {"DATABASE_REPLICA_URLS": made.url}
        title = "Feed, first page, with one streaming replica (on the same machine)"
        say(title)
        with Server(url, options.workers, log, settings).running() as server:
            answered = asyncio.run(replica_transactions(made.url))
            result = _measured(server, plan.feed(plan.typical), options, database_pids + made.pids)
            answered = asyncio.run(replica_transactions(made.url)) - answered
    report.add("feed_replica", title, result)
    report.replica = {"made_seconds": round(made.made_seconds, 1), "transactions": answered}


def _raw(
    url: str, requests: list[RawRequest], options: Options, database_pids: tuple[int, ...]
) -> Result:
    """A raw-SQL scenario as the HTTP ones are measured: a warm-up, the best round."""
    meter = baseline.this_process(database_pids)

    def load(seconds: float) -> Result:
        return asyncio.run(baseline.raw_load(url, requests, options.connections, seconds, meter))

    if options.warmup:
        load(options.warmup)
    return Result.best_of([load(options.seconds) for _ in range(options.rounds)])


class _Plan:
    """The requests of each scenario, drawn once from the data set's seed."""

    def __init__(self, seeded: Seeded, draw: random.Random) -> None:
        self.seeded, self.draw = seeded, draw
        self.typical = list(seeded.data.typical_probes)
        self.heavy = list(seeded.data.heavy_probes)
        self.like_targets: list[int] = []  # tweets made for the run: liked, answered
        self.threads = _Threads([], [], [])
        self.search: SearchPlan | None = None
        # People signed in to the web app as well (a session each, made for the run).
        # (Drawn apart, so the other scenarios draw what they always have.)
        people, apart = seeded.data.people, random.Random(seeded.data.seed + 1)  # noqa: S311
        self.signed_in = sorted(apart.sample(range(1, people + 1), min(1000, people)))
        # (api key, person) of the profile scenario (drawn with the others) and of a
        # person's tweets (drawn apart); their raw-SQL baselines read the same.
        self.profiles_asked: list[tuple[str, int]] = []
        users, apart = seeded.data.users, random.Random(f"tweets of {seeded.data.seed}")  # noqa: S311
        self.tweets_of_asked = [
            (self.key(apart.randint(1, users)), apart.randint(1, users)) for _ in range(1000)
        ]

    def key(self, user_id: int) -> str:
        return api_key(self.seeded.secret, user_id)

    def someone(self) -> int:
        return self.draw.randint(1, self.seeded.data.users)

    def feed(self, people: list[int], offset: int = 0) -> list[Request]:
        path = f"/api/tweets?offset={offset}&limit=20"
        return [Request("GET", path, self.key(person)) for person in people]

    def scenarios(self) -> list[tuple[str, str, list[Request]]]:
        likes = []
        for _ in range(1000):
            path = f"/api/tweets/{self.draw.choice(self.like_targets)}/likes"
            key = self.key(self.someone())
            likes += [Request("POST", path, key), Request("DELETE", path, key)]
        posts = [
            Request(
                "POST",
                "/api/tweets",
                self.key(self.someone()),
                json.dumps({"tweet_data": f"Bench post {n}"}),
            )
            for n in range(1000)
        ]
        for _ in range(1000):
            person = self.someone()
            self.profiles_asked.append((self.key(self.someone()), person))
        profiles = [Request("GET", f"/api/users/{p}", key) for key, p in self.profiles_asked]
        tweets_of = [
            Request("GET", f"/api/users/{person}/tweets?limit=20", key)
            for key, person in self.tweets_of_asked
        ]
        # As the web app reads one: the counts alone, then the first page of a list.
        profile_pages = []
        for _ in range(1000):
            person, key = self.someone(), self.key(self.someone())
            profile_pages += [
                Request("GET", f"/api/users/{person}?people_limit=0", key),
                Request("GET", f"/api/users/{person}/followers?limit=20", key),
            ]
        threads = []
        for n in range(1000):
            # A tenth the most answered conversations; the rest random ones, whole or
            # from a reply down (its chain of ancestors, then its own replies).
            kind = (
                self.threads.popular
                if n % 10 == 0
                else (self.threads.answered if n % 2 else self.threads.replies)
            )
            tweet = self.draw.choice(kind or self.like_targets)
            threads.append(Request("GET", f"/api/tweets/{tweet}/thread", self.key(self.someone())))
        # What the web app reads as a thread grows: a tweet alone (a live `reply` event's
        # new post) and a conversation's replies a page at a time.
        answered = self.threads.answered or self.like_targets
        tweets = [
            Request(
                "GET",
                f"/api/tweets/{self.draw.choice(self.threads.replies or answered)}",
                self.key(self.someone()),
            )
            for _ in range(1000)
        ]
        reply_pages = [
            Request(
                "GET",
                f"/api/tweets/{self.draw.choice(answered)}/replies?limit=20",
                self.key(self.someone()),
            )
            for _ in range(1000)
        ]
        notifications = [
            Request("GET", "/api/notifications?limit=20", self.key(self.someone()))
            for _ in range(1000)
        ]
        unread = [
            Request("GET", "/api/notifications/unread_count", self.key(self.someone()))
            for _ in range(1000)
        ]
        replies = []
        for n in range(1000):
            first, second = self.draw.sample(range(1, self.seeded.data.users + 1), 2)
            body = {
                "tweet_data": f"Bench reply {n} @{handle(first)} @{handle(second)}",
                "reply_to": self.draw.choice(self.like_targets),
            }
            replies.append(
                Request("POST", "/api/tweets", self.key(self.someone()), json.dumps(body))
            )
        # The same cheap request by key and by session cookie: what signing in costs.
        me = "/api/users/me?people_limit=0"
        by_key = [Request("GET", me, self.key(person)) for person in self.signed_in]
        by_session = [
            Request("GET", me, session=session_token(self.seeded.secret, person))
            for person in self.signed_in
        ]
        # Every page load of the web app asks for the announcements showing.
        announced = [
            Request("GET", "/api/announcements", self.key(person)) for person in self.signed_in
        ]
        follows = self.seeded.data
        return [
            ("health", "GET /health (a trivial request)", [Request("GET", "/health")]),
            (
                "feed",
                f"Feed, first page (limit 20), following {follows.typical_follows}",
                self.feed(self.typical),
            ),
            ("feed_offset", "Feed at offset 200", self.feed(self.typical, offset=200)),
            ("feed_heavy", f"Feed, following {follows.heavy_follows:,}", self.feed(self.heavy)),
            ("profile", "A profile (GET /api/users/{id}), everyone listed", profiles),
            (
                "profile_paged",
                "A profile's counts, then 20 followers (as the web app reads it)",
                profile_pages,
            ),
            ("user_tweets", "A person's tweets, first page (limit 20)", tweets_of),
            (
                "thread",
                "A thread (GET /api/tweets/{id}/thread), a tenth the most answered",
                threads,
            ),
            ("tweet", "One tweet (GET /api/tweets/{id}), a reply", tweets),
            ("replies", "A conversation's replies, first page (limit 20)", reply_pages),
            ("notifications", "Notifications, first page (limit 20)", notifications),
            ("unread_count", "Unread notifications count", unread),
            ("me_by_key", "Own profile's counts (GET /api/users/me), api key", by_key),
            ("me_by_session", "Own profile's counts, web session cookie", by_session),
            ("announcements", "Announcements showing (GET /api/announcements)", announced),
            *self._searches(),
            ("like_unlike", "Like, then unlike", likes),
            ("create_tweet", "Create a tweet", posts),
            ("reply_mentions", "Reply to a tweet, mentioning two people", replies),
        ]

    def raw_scenarios(self, likers_per_tweet: int) -> list[tuple[str, str, list[RawRequest]]]:
        """The raw-SQL baselines of the feed, a profile and a person's tweets, on the
        same people as their HTTP scenarios."""
        keys = [self.key(person) for person in self.typical]
        raw = "the same SQL raw on asyncpg, no web layer"
        return [
            (
                "feed_raw_sql",
                f"Feed, first page: {raw}",
                baseline.feed_requests(keys, likers_per_tweet),
            ),
            (
                "profile_raw_sql",
                f"A profile, everyone listed: {raw}",
                baseline.profile_requests(self.profiles_asked),
            ),
            (
                "user_tweets_raw_sql",
                f"A person's tweets, first page: {raw}",
                baseline.tweets_of_requests(self.tweets_of_asked, likers_per_tweet),
            ),
        ]

    def _searches(self) -> list[tuple[str, str, list[Request]]]:
        if self.search is None:
            return []
        # A draw of their own: the other scenarios' requests stay those of earlier runs.
        draw = random.Random(f"search {self.seeded.data.seed}")  # noqa: S311 - repeatable
        return self.search.scenarios(
            draw, lambda: self.key(draw.randint(1, self.seeded.data.users))
        )


@dataclass(frozen=True)
class _Threads:
    """Tweets whose threads the thread scenario reads."""

    popular: list[int]  # the most answered conversations
    answered: list[int]  # conversations with an answer
    replies: list[int]


async def _threads(url: str) -> _Threads:
    async with connected(url) as connection:

        async def ids(query: str) -> list[int]:
            return [row[0] for row in await connection.fetch(query)]

        return _Threads(
            popular=await ids(
                "SELECT id FROM tweets WHERE reply_to IS NULL AND replies_count > 0 "
                "ORDER BY replies_count DESC, id LIMIT 20"
            ),
            answered=await ids(
                "SELECT id FROM tweets WHERE reply_to IS NULL AND replies_count > 0 ORDER BY id"
            ),
            replies=await ids("SELECT id FROM tweets WHERE reply_to IS NOT NULL ORDER BY id"),
        )


async def _search_plan(url: str, seeded: Seeded) -> SearchPlan:
    draw = random.Random(f"search plan {seeded.data.seed}")  # noqa: S311 - repeatable
    async with connected(url) as connection:
        return await SearchPlan.drawn(connection, draw)


async def _reference(
    url: str, seeded: Seeded, options: Options, say: Callable[[str], None]
) -> Seeded:
    wanted = seeded.data.scaled(options.reference_tweets)
    found = await seeding.seeded_info(url)
    if found is not None and found.data == wanted and found.shape == seeding.SHAPE:
        return found
    say(
        f"seeding the reference data set ({wanted.tweets:,} tweets) in {seeding.database_name(url)}"
    )
    return await seeding.seed(url, wanted, say)


async def _tweets_for_this_run(url: str, seeded: Seeded) -> tuple[int, list[int]]:
    """200 new tweets to like and unlike; returns the first new id and their ids."""
    async with connected(url) as connection:
        first_new = 1 + (await connection.fetchval("SELECT coalesce(max(id), 0) FROM tweets"))
        rows = await connection.fetch(
            "INSERT INTO tweets (author_id, content) "
            "SELECT 1 + n % $1, 'Bench like target ' || n FROM generate_series(1, 200) n "
            "RETURNING id",
            seeded.data.users,
        )
        return first_new, [row["id"] for row in rows]


def session_token(secret: str, user_id: int) -> str:
    """The run's web session token of a person, as a sign-in would set its cookie."""
    return f"bench-session-{secret}-{user_id}"


async def _sessions_for_this_run(url: str, seeded: Seeded, people: list[int]) -> None:
    """A live web session for each of `people`, stored as a sign-in stores one."""
    async with connected(url) as connection:
        await connection.executemany(
            "INSERT INTO web_sessions (token_hash, user_id, expires_at, user_agent) "
            "VALUES ($1, $2, now() + interval '1 day', 'bench') "
            "ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at, "
            "last_seen_at = now()",
            [(hash_session_token(session_token(seeded.secret, p)), p) for p in people],
        )


ANNOUNCEMENT = "Bench announcement"


async def _announcements_for_this_run(url: str, people: list[int]) -> None:
    """Three announcements showing, one of them dismissed by every other one of `people`
    (the query reads past what the reader dismissed)."""
    async with connected(url) as connection:
        ids = [
            await connection.fetchval(
                "INSERT INTO announcements (text) VALUES ($1) RETURNING id", f"{ANNOUNCEMENT} {n}"
            )
            for n in range(3)
        ]
        await connection.executemany(
            "INSERT INTO announcement_dismissals (announcement_id, user_id) VALUES ($1, $2)",
            [(ids[0], person) for person in people[::2]],
        )


async def _forget_this_run(url: str, first_new: int) -> None:
    """Remove the run's tweets and what they brought: their likes, mentions and
    notifications go with them (foreign keys); who joined their conversations is
    removed here, as conversation_joins has no foreign key to the conversation.
    And the run's web sessions and announcements."""
    async with connected(url) as connection:
        await connection.execute("DELETE FROM web_sessions WHERE user_agent = 'bench'")
        await connection.execute(
            "DELETE FROM announcements WHERE text LIKE $1", ANNOUNCEMENT + " %"
        )
        await connection.execute("DELETE FROM tweets WHERE id >= $1", first_new)
        await connection.execute(
            "DELETE FROM conversation_joins WHERE conversation_id >= $1", first_new
        )
        await connection.execute(
            "VACUUM (ANALYZE) tweets, likes, mentions, conversation_joins, notifications"
        )


async def _describe(url: str) -> tuple[str, str, tuple[int, ...]]:
    """The database's size and its server's version, for the report, and its server's
    pid if it runs here (its CPU per request)."""
    async with connected(url) as connection:
        size: str = await connection.fetchval(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        )
        version = connection.get_server_version()
        return size, f"PostgreSQL {version.major}.{version.minor}", await postmaster(connection)


async def _hot_tweet(base_url: str, url: str, seeded: Seeded, people: int) -> dict[str, int | bool]:
    """`people` different people like one new tweet at once; then at once the odd ones
    unlike it while the even ones like it again. likes_count must be exact."""
    people = min(people, seeded.data.users)
    keys = [api_key(seeded.secret, person) for person in range(1, people + 1)]
    # Idle connections are dropped well before the server's keep-alive (5 s) ends
    # them: a request sent on one the server is closing fails with no answer.
    limits = httpx.Limits(max_connections=64, keepalive_expiry=1)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as client:
        created = await client.post(
            "/api/tweets", json={"tweet_data": "Hot tweet"}, headers={"api-key": keys[0]}
        )
        tweet_id = created.json()["tweet_id"]
        path = f"/api/tweets/{tweet_id}/likes"

        async def send(method: str, key: str) -> int:
            """The answer's status; 0 if the connection failed twice (likes and
            unlikes are idempotent, so one retry cannot count twice)."""
            for _ in range(2):
                try:
                    return (
                        await client.request(method, path, headers={"api-key": key})
                    ).status_code
                except httpx.TransportError:
                    continue
            return 0

        first = await asyncio.gather(*(send("POST", k) for k in keys))
        second = await asyncio.gather(
            *(send("DELETE" if i % 2 else "POST", k) for i, k in enumerate(keys))
        )
    failed = sum(status != 200 for status in [*first, *second])
    async with connected(url) as connection:
        likes_count = await connection.fetchval(
            "SELECT likes_count FROM tweets WHERE id = $1", tweet_id
        )
        rows = await connection.fetchval("SELECT count(*) FROM likes WHERE tweet_id = $1", tweet_id)
        await connection.execute("DELETE FROM tweets WHERE id = $1", tweet_id)
    expected = (people + 1) // 2
    return {
        "people": people,
        "failed_requests": failed,
        "expected": expected,
        "likes_count": likes_count,
        "like_rows": rows,
        "exact": failed == 0 and likes_count == rows == expected,
    }
