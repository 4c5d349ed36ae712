"""The bench report: scenarios, targets as ratios, and the machine; JSON and Markdown."""

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import Result
from bench.seed import Seeded


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    at_most: bool  # True: value ≤ limit meets it; False: value ≥ limit

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.at_most else self.value >= self.limit


@dataclass
class Report:
    data: Seeded
    reference: Seeded
    database_size: str
    workers: int
    connections: int
    seconds: float
    postgres: str
    rounds: int = 1
    scenarios: dict[str, Result] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    peak_worker_rss_mb: float = 0.0
    hot_tweet: dict[str, int | bool] = field(default_factory=dict)
    streams: dict[str, Any] = field(default_factory=dict)  # bench/streams.py; empty: not run
    replica: dict[str, Any] = field(default_factory=dict)  # bench/replica.py; empty: not run
    when: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    def add(self, name: str, title: str, result: Result) -> None:
        self.scenarios[name] = result
        self.titles[name] = title

    def targets(self) -> list[Target]:
        s = self.scenarios
        feed = s["feed"].p50_ms
        people = self.hot_tweet.get("people", 0)
        heavy, typical = self.data.data.heavy_follows, self.data.data.typical_follows
        failed = sum(result.errors for result in s.values())
        return [
            Target("Failed requests, every scenario", failed, 0, at_most=True),
            Target(
                f"Feed p50 at {self.data.data.tweets:,} tweets ÷ at "
                f"{self.reference.data.tweets:,} (same people)",
                _ratio(feed, s["feed_reference"].p50_ms),
                1.3,
                at_most=True,
            ),
            Target(
                "Feed requests/s ÷ /health requests/s",
                _ratio(s["feed"].rps, s["health"].rps),
                0.35,
                at_most=False,
            ),
            Target(
                f"Feed p50 following {heavy:,} ÷ following {typical:,}",
                _ratio(s["feed_heavy"].p50_ms, feed),
                3,
                at_most=True,
            ),
            Target(
                "Like+unlike p50 ÷ feed p50", _ratio(s["like_unlike"].p50_ms, feed), 2, at_most=True
            ),
            Target(
                "Create tweet p50 ÷ feed p50",
                _ratio(s["create_tweet"].p50_ms, feed),
                2,
                at_most=True,
            ),
            Target("Thread p50 ÷ feed p50", _ratio(s["thread"].p50_ms, feed), 1.5, at_most=True),
            Target("One tweet p50 ÷ feed p50", _ratio(s["tweet"].p50_ms, feed), 1, at_most=True),
            Target(
                "Replies page p50 ÷ feed p50", _ratio(s["replies"].p50_ms, feed), 1.5, at_most=True
            ),
            Target(
                "Notifications page p50 ÷ feed p50",
                _ratio(s["notifications"].p50_ms, feed),
                1,
                at_most=True,
            ),
            Target(
                "Unread count p50 ÷ feed p50",
                _ratio(s["unread_count"].p50_ms, feed),
                0.5,
                at_most=True,
            ),
            *self._search_targets(),
            *self._session_targets(),
            *self._web_layer_targets(),
            Target(
                "Reply with two mentions p50 ÷ create tweet p50",
                _ratio(s["reply_mentions"].p50_ms, s["create_tweet"].p50_ms),
                2,
                at_most=True,
            ),
            Target(
                "Worker memory (RSS) under the feed load, MB",
                self.peak_worker_rss_mb,
                250,
                at_most=True,
            ),
            Target(
                f"likes_count exact after {people:,} concurrent likes, then unlikes (1 = yes)",
                float(bool(self.hot_tweet.get("exact"))),
                1,
                at_most=False,
            ),
            *self._stream_targets(),
        ]

    def _search_targets(self) -> list[Target]:
        s = self.scenarios
        feed = s["feed"].p50_ms
        people = f"{self.data.data.people:,} people"
        return [
            Target(f"{title} p50 ÷ feed p50", _ratio(s[name].p50_ms, feed), limit, at_most=True)
            for name, title, limit in (
                ("search_common", "Search for a common word", 3),
                ("search_rare", "Search for a rare word", 1.5),
                ("hashtag", "A hashtag's page", 1),
                ("trending", "Trending hashtags", 1),
                ("people_search", f"People search among {people}", 1),
            )
            if name in s
        ]

    def _session_targets(self) -> list[Target]:
        s = self.scenarios
        if "me_by_session" not in s:
            return []
        # Signing in by the web app's cookie costs what an api key does (within 10%).
        targets = [
            Target(
                "Session cookie requests/s ÷ api key requests/s (the same request)",
                _ratio(s["me_by_session"].rps, s["me_by_key"].rps),
                0.9,
                at_most=False,
            )
        ]
        if "announcements" in s:
            # Asked on every page load: it must cost less than the page's feed.
            targets.append(
                Target(
                    "Announcements p50 ÷ feed p50",
                    _ratio(s["announcements"].p50_ms, s["feed"].p50_ms),
                    1,
                    at_most=True,
                )
            )
        return targets

    def _web_layer_targets(self) -> list[Target]:
        """What the web layer costs: each read's requests/s against its own SQL run raw,
        the web side's CPU per feed request, and the feed from many connections."""
        s = self.scenarios
        targets = [
            Target(
                f"{title} requests/s ÷ the same SQL raw on asyncpg",
                _ratio(s[name].rps, s[f"{name}_raw_sql"].rps),
                0.7,
                at_most=False,
            )
            for name, title in (
                ("feed", "Feed"),
                ("profile", "A profile"),
                ("user_tweets", "A person's tweets"),
            )
            if name in s and f"{name}_raw_sql" in s
        ]
        feed_cpu = s["feed"].web_cpu_ms
        if feed_cpu is not None:
            targets.append(
                Target("Web workers' CPU per feed request, ms", feed_cpu, 1.0, at_most=True)
            )
        if "me_by_key" in s:
            me, feed = s["me_by_key"], s["feed"]
            targets += [
                Target(
                    "Own profile (/api/users/me) p50 ÷ feed p50",
                    _ratio(me.p50_ms, feed.p50_ms),
                    1,
                    at_most=True,
                ),
                Target(
                    "Own profile (/api/users/me) requests/s ÷ feed requests/s",
                    _ratio(me.rps, feed.rps),
                    1,
                    at_most=False,
                ),
            ]
        if "feed_many" in s:
            many = s["feed_many"]
            targets.append(
                Target(
                    f"{self.titles['feed_many']}: p99 ÷ p50",
                    _ratio(many.p99_ms, many.p50_ms),
                    5,
                    at_most=True,
                )
            )
        return targets

    def _stream_targets(self) -> list[Target]:
        live = self.streams
        if not live:
            return []
        open_ = f"{live['streams']:,} event streams open on one worker"
        return [
            Target(
                f"A new post's feed event at every follower's stream, p99 ms ({open_})",
                live["p99_ms"],
                1000,
                at_most=True,
            ),
            Target(
                "Streams that failed or missed an event, plus events sent to non-followers",
                live["failed_opens"] + live["missed"] + live["leaked_to_non_followers"],
                0,
                at_most=True,
            ),
            Target(
                f"Worker memory (RSS) with {open_}, MB", live["worker_rss_mb"], 300, at_most=True
            ),
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "when": self.when,
            "machine": machine(self.postgres),
            "load": {
                "workers": self.workers,
                "connections": self.connections,
                "seconds": self.seconds,
                "rounds": self.rounds,
            },
            "data": asdict(self.data) | {"secret": None, "database_size": self.database_size},
            "reference": asdict(self.reference) | {"secret": None},
            "scenarios": {
                name: asdict(result)
                | {"rps": result.rps, "title": self.titles[name], "web_cpu_of": _web_side(name)}
                for name, result in self.scenarios.items()
            },
            "peak_worker_rss_mb": self.peak_worker_rss_mb,
            "hot_tweet": self.hot_tweet,
            "streams": self.streams,
            "replica": self.replica,
            "targets": [asdict(t) | {"met": t.met} for t in self.targets()],
        }

    def as_markdown(self) -> str:
        d, m = self.data, machine(self.postgres)
        lines = [
            f"Run of {self.when} on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; "
            f"Python {m['python']}, {m['postgres']}.",
            "",
            f"Data: {d.data.people:,} people ({d.data.readers:,} of them readers, who post "
            f"nothing), {d.follows:,} follows, {d.data.tweets:,} tweets, "
            f"{d.likes:,} likes, {d.media:,} pictures, {d.replies:,} of the tweets replies, "
            f"{d.mentions:,} mentions, {d.notifications:,} notifications ({d.unread:,} "
            f"unread), {d.hashtags:,} hashtags of tweets; database {self.database_size}. "
            f"Load: wrk, 1 thread, {self.connections} connections; per scenario a warm-up, "
            f"then the best of {self.rounds} rounds of {self.seconds:g} s (every round's "
            f"requests/s in the JSON); server: {self.workers} worker(s), on the same machine.",
            "",
            "| Scenario | Requests/s | p50 ms | p95 ms | p99 ms | Errors "
            "| Web CPU ms/req | PostgreSQL CPU ms/req |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, r in self.scenarios.items():
            mark = "" if _web_side(name) == WORKERS else " †"
            lines.append(
                f"| {self.titles[name]} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} "
                f"| {r.p99_ms:.1f} | {r.errors} | {_ms(r.web_cpu_ms)}{mark} | {_ms(r.db_cpu_ms)} |"
            )
        lines += [
            "",
            "CPU per request: the processes' CPU time (/proc) over the best round, divided by "
            "its requests; web: the server's workers (not image_saver), † the bench process "
            "itself (its asyncpg loop, in place of a worker); PostgreSQL: every process of "
            "its server (— where /proc cannot see it).",
        ]
        web = self.scenarios.get("feed_raw_sql")
        if web:
            lines += [
                "",
                "The web layer: the HTTP feed serves "
                f"{_ratio(self.scenarios['feed'].rps, web.rps):.2f} × "
                "the requests/s of the same SQL run raw on asyncpg.",
            ]
        lines += self._replica_lines()
        live = self.streams
        if live:
            lines += [
                "",
                f"Live updates: {live['streams']:,} event streams open on one worker "
                f"({live['followers']:,} of them following person {live['author']}), opened "
                f"in {live['open_seconds']:g} s; {live['posts']} new posts by that person, "
                f"from each POST's answer to the `feed` event at each follower's stream: "
                f"p50 {live['p50_ms']:.0f} ms, p99 {live['p99_ms']:.0f} ms, max "
                f"{live['max_ms']:.0f} ms over {live['deliveries']:,} deliveries; "
                f"{live['missed']} missed, {live['failed_opens']} streams failed to open; "
                f"worker RSS {live['worker_rss_idle_mb']:.0f} MB before the streams, "
                f"{live['worker_rss_mb']:.0f} MB at most with them.",
            ]
        lines += ["", "| Target | Measured | Limit | Met |", "|---|---:|---:|:---:|"]
        for t in self.targets():
            sign = "≤" if t.at_most else "≥"
            lines.append(
                f"| {t.name} | {t.value:.2f} | {sign} {t.limit:g} | {'yes' if t.met else 'NO'} |"
            )
        return "\n".join(lines) + "\n"

    def _replica_lines(self) -> list[str]:
        if "error" in self.replica:
            return [
                "",
                f"The feed with a streaming replica was not measured: {self.replica['error']}",
            ]
        with_one = self.scenarios.get("feed_replica")
        if with_one is None:
            return []
        without, cores = self.scenarios["feed"], os.cpu_count()
        return [
            "",
            f"One streaming replica (pg_basebackup and start: {self.replica['made_seconds']:g} s), "
            f"on this machine: the primary, the replica, the workers and wrk share its {cores} "
            f"cores, so this shows the routing working under load, not a second server's "
            f"capacity. The feed with it: {with_one.rps:,.0f} requests/s, p50 "
            f"{with_one.p50_ms:.1f} ms; without: {without.rps:,.0f} requests/s, p50 "
            f"{without.p50_ms:.1f} ms ({_ratio(with_one.rps, without.rps):.2f} ×); the "
            f"replica answered {self.replica['transactions']:,} transactions meanwhile "
            "(warm-up included).",
        ]

    def write(self, folder: Path) -> Path:
        return write_pair(folder, "bench", self.as_markdown(), self.as_json())


def write_pair(folder: Path, prefix: str, markdown: str, data: dict[str, Any]) -> Path:
    """A report as `prefix`-<time>.md and its JSON twin in `folder`; the .md's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"{prefix}-{stamp}.md"
    path.write_text(markdown)
    path.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    return path


WORKERS = "server workers"


def _web_side(scenario: str) -> str:
    """Whose CPU a scenario's web column is."""
    if scenario.endswith("_raw_sql"):
        return "bench process (asyncpg loop)"
    return WORKERS


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ratio(value: float, base: float) -> float:
    return value / base if base else float("inf")


def machine(postgres: str) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(pages * page_size / 2**30),
        "python": platform.python_version(),
        "postgres": postgres,
        "wrk": _first_line(["wrk", "--version"]),
    }


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError:
        return ""
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
