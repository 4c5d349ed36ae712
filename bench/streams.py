"""`bench run`'s live part: thousands of open event streams (`GET /api/events`) on
one worker, an author many of them follow starts a conversation, and each follower's
stream is timed from the POST's answer to its `feed` event.

One client process holds every stream on plain asyncio sockets (an HTTP client per
stream would cost the client more than the server), each stream a different
person's key, since a person may hold only a few. The worker's resident memory is
read from /proc while they are all open.
"""

import asyncio
import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.load import Server, rss_mb
from bench.measure import percentiles_ms
from bench.seed import Seeded, api_key, connected

# Streams opened at once (each one's request authenticates against the database).
OPENING_AT_ONCE = 100
# A post's event that has not reached a stream by then counts as missed.
DELIVERY_TIMEOUT_S = 10.0
# What the rest of the streams is, beside the author's followers.
FOLLOWERS_SHARE = 0.75


@dataclass(frozen=True)
class StreamOptions:
    streams: int = 2000
    posts: int = 5
    pause_s: float = 1.0


@dataclass
class _Stream:
    person: int
    follower: bool
    arrivals: dict[int, float] = field(default_factory=dict)  # tweet id → when
    writer: asyncio.StreamWriter | None = None
    reader_task: "asyncio.Task[None] | None" = None
    failed: str = ""


def raise_open_files(wanted: int) -> None:
    """Room for `wanted` sockets in this process and in the server it starts (a child
    inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


def measure(
    url: str, seeded: Seeded, options: StreamOptions, log: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Open the streams on a one-worker server, post, time; the results for the report."""
    author, followers, others = asyncio.run(_audience(url, seeded, options.streams))
    raise_open_files(2 * (len(followers) + len(others)) + 1024)
    server = Server(url, 1, log)
    with server.running():
        worker = server.worker_pids()[0]
        say(
            f"{len(followers) + len(others):,} event streams on one worker "
            f"({len(followers):,} follow person {author}); {options.posts} posts"
        )
        return asyncio.run(_measure(server.url, seeded, author, followers, others, options, worker))


async def _audience(url: str, seeded: Seeded, streams: int) -> tuple[int, list[int], list[int]]:
    """The most followed person, up to FOLLOWERS_SHARE of `streams` of their followers,
    and other people (not the author) for the rest."""
    async with connected(url) as connection:
        author: int = await connection.fetchval(
            "SELECT followee_id FROM follows GROUP BY followee_id "
            "ORDER BY count(*) DESC, followee_id LIMIT 1"
        )
        following = [
            row["follower_id"]
            for row in await connection.fetch(
                "SELECT follower_id FROM follows WHERE followee_id = $1 ORDER BY follower_id",
                author,
            )
        ]
    streams = min(streams, seeded.data.users - 1)
    followed = {author, *following}
    others = [p for p in range(1, seeded.data.users + 1) if p not in followed]
    # Fewer others than wanted (a small data set): more followers instead.
    others = others[: streams - min(len(following), max(1, int(streams * FOLLOWERS_SHARE)))]
    return author, following[: streams - len(others)], others


async def _measure(
    base_url: str,
    seeded: Seeded,
    author: int,
    followers: list[int],
    others: list[int],
    options: StreamOptions,
    worker: int,
) -> dict[str, Any]:
    streams = [_Stream(p, True) for p in followers] + [_Stream(p, False) for p in others]
    rss_idle = rss_mb(worker)
    started = time.monotonic()
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def open_one(stream: _Stream) -> None:
        async with gate:
            await _open(base_url, api_key(seeded.secret, stream.person), stream)

    await asyncio.gather(*(open_one(s) for s in streams))
    open_seconds = time.monotonic() - started
    opened = [s for s in streams if not s.failed]
    peak_rss = rss_mb(worker)
    delays: list[float] = []
    missed = leaked = 0
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            # Streams count as registered once their first bytes came; a moment more
            # for the server to have them all in its broker.
            await asyncio.sleep(options.pause_s)
            for n in range(options.posts):
                sent = await client.post(
                    "/api/tweets",
                    json={"tweet_data": f"Bench live post {n}"},
                    headers={"api-key": api_key(seeded.secret, author)},
                )
                answered = time.perf_counter()
                sent.raise_for_status()
                tweet_id = sent.json()["tweet_id"]
                waiting = [s for s in opened if s.follower]
                deadline = answered + DELIVERY_TIMEOUT_S
                while time.perf_counter() < deadline and any(
                    tweet_id not in s.arrivals for s in waiting if not s.failed
                ):
                    await asyncio.sleep(0.02)
                    peak_rss = max(peak_rss, rss_mb(worker))
                for s in waiting:
                    if tweet_id in s.arrivals:
                        # An event may beat the POST's answer to the client: no delay.
                        delays.append(max(0.0, s.arrivals[tweet_id] - answered))
                    else:
                        missed += 1
                leaked += sum(tweet_id in s.arrivals for s in opened if not s.follower)
                peak_rss = max(peak_rss, rss_mb(worker))
                await asyncio.sleep(options.pause_s)
    finally:
        for s in streams:
            if s.reader_task:
                s.reader_task.cancel()
            if s.writer:
                s.writer.close()
        await asyncio.gather(
            *(s.reader_task for s in streams if s.reader_task), return_exceptions=True
        )
    failures = sorted({s.failed for s in streams if s.failed})
    cuts = percentiles_ms(delays)
    return {
        "streams": len(opened),
        "failed_opens": len(streams) - len(opened),
        "failures": failures[:5],
        "followers": sum(s.follower for s in opened),
        "author": author,
        "posts": options.posts,
        "open_seconds": round(open_seconds, 2),
        "deliveries": len(delays),
        "missed": missed,
        "leaked_to_non_followers": leaked,
        "p50_ms": cuts[49],
        "p99_ms": cuts[98],
        "max_ms": max(delays, default=0.0) * 1000,
        "worker_rss_idle_mb": rss_idle,
        "worker_rss_mb": peak_rss,
    }


async def _open(base_url: str, key: str, stream: _Stream) -> None:
    """Send the stream's request and read its answer's head; events are read on."""
    where = urlsplit(base_url)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(where.hostname, where.port), 30
        )
        stream.writer = writer
        writer.write(
            f"GET /api/events HTTP/1.1\r\nHost: {where.netloc}\r\napi-key: {key}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
        stream.failed = type(error).__name__
        return
    status = head.split(b" ", 2)[1]
    if status != b"200":
        stream.failed = f"HTTP {status.decode()}"
        writer.close()
        return
    chunked = b"transfer-encoding: chunked" in head.lower()
    stream.reader_task = asyncio.create_task(_read_events(reader, chunked, stream))


async def _read_events(reader: asyncio.StreamReader, chunked: bool, stream: _Stream) -> None:
    """Note when each `feed` event arrives, until the stream ends."""
    pending = b""
    try:
        while True:
            if chunked:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    break
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    break
            arrived = time.perf_counter()
            pending = (pending + data).replace(b"\r\n", b"\n")
            *events, pending = pending.split(b"\n\n")
            for event in events:
                _note(event, arrived, stream)
    except (OSError, ValueError, asyncio.IncompleteReadError) as error:
        stream.failed = f"ended: {type(error).__name__}"
        return
    stream.failed = "ended by the server"


def _note(event: bytes, arrived: float, stream: _Stream) -> None:
    kind, data = "message", []
    for line in event.decode().split("\n"):
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            kind = value
        elif name == "data":
            data.append(value)
    if kind == "feed" and data:
        stream.arrivals[json.loads("\n".join(data))["tweet_id"]] = arrived
