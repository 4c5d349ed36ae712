"""Notifications and live updates in tests: reading notifications through the API,
writing replies and mentions as rows, an app served by a real uvicorn in this
process (httpx's ASGITransport buffers a whole response, so it cannot stream), and
a reader of Server-Sent Events that waits against a deadline."""

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers.api import Who
from tests.helpers.polling import WITHIN, eventually_async

__all__ = [
    "EventReader",
    "SseEvent",
    "insert_reply",
    "listening",
    "notifications",
    "serving",
    "unread_count",
]


def _key(who: Who) -> dict[str, str]:
    return {"api-key": who if isinstance(who, str) else who.api_key}


async def notifications(client: httpx.AsyncClient, who: Who, **params: int) -> dict[str, Any]:
    """`GET /api/notifications` as `who`: the whole answer, once it is a success."""
    response = await client.get("/api/notifications", headers=_key(who), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"result", "notifications", "unread_count"}, body
    return body


async def unread_count(client: httpx.AsyncClient, who: Who) -> int:
    response = await client.get("/api/notifications/unread_count", headers=_key(who))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"result", "unread_count"}, body
    return int(body["unread_count"])


async def insert_reply(
    session: AsyncSession,
    author_id: int,
    parent_id: int | None,
    content: str = "A reply",
    mentions: tuple[int, ...] = (),
) -> int:
    """A tweet (a reply to `parent_id`, if given) mentioning `mentions`, written as
    rows and committed: the triggers do the rest, as for the API's own writes."""
    tweet_id = await session.scalar(
        text(
            "INSERT INTO tweets (author_id, content, reply_to) "
            "VALUES (:author, :content, :parent) RETURNING id"
        ),
        {"author": author_id, "content": content, "parent": parent_id},
    )
    for position, user_id in enumerate(mentions):
        await session.execute(
            text("INSERT INTO mentions (tweet_id, user_id, position) VALUES (:t, :u, :p)"),
            {"t": tweet_id, "u": user_id, "p": position},
        )
    await session.commit()
    assert isinstance(tweet_id, int)
    return tweet_id


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """`app` (its lifespan too) served by uvicorn on a free local port, in this event
    loop; its base URL. On leaving, the app is stopped as a signal stops it: its
    streams are ended first (app.live.shutdown), then uvicorn shuts down."""
    config = uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning")
    server = uvicorn.Server(config)
    # Signals are the test runner's: this server is stopped by the code below.
    server.capture_signals = nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    await eventually_async(lambda: _started(server, task), what="uvicorn to start", within=WITHIN)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        app.state.live.begin_shutdown()
        server.should_exit = True
        await asyncio.wait_for(task, WITHIN)


async def _started(server: uvicorn.Server, task: "asyncio.Task[None]") -> bool:
    if task.done():
        task.result()  # its failure, at once
        raise AssertionError("uvicorn exited")
    return server.started


async def listening(app: FastAPI) -> None:
    """Wait until `app`'s listener is listening (and has caught up)."""
    await asyncio.wait_for(app.state.live.listener.listening.wait(), WITHIN)


@dataclass
class SseEvent:
    event: str
    data: str
    id: str | None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class EventReader:
    """One `GET /api/events` of `who`, read as it comes: the events in order, and the
    comments (heartbeats) seen. Use it as `async with EventReader(base, key) as r`."""

    base_url: str
    key: str | None
    last_event_id: int | None = None
    # The open thread whose replies the stream asks for.
    conversation: int | None = None
    response: httpx.Response | None = None
    events: list[SseEvent] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    ended: bool = False
    # Sent as well: a browser's session cookie, say (tests/helpers/sessions.py).
    headers: dict[str, str] = field(default_factory=dict)

    async def __aenter__(self) -> "EventReader":
        headers = dict(self.headers)
        if self.key is not None:
            headers["api-key"] = self.key
        if self.last_event_id is not None:
            headers["last-event-id"] = str(self.last_event_id)
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=WITHIN)
        params = {} if self.conversation is None else {"conversation": self.conversation}
        self._stream = self._client.stream("GET", "/api/events", headers=headers, params=params)
        self.response = await self._stream.__aenter__()
        self._lines = self.response.aiter_lines()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stream.__aexit__(None, None, None)
        await self._client.aclose()

    async def _read_one(self) -> SseEvent | None:
        """The next event; None once the server has ended the stream."""
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "":
                if "event" in fields or "data" in fields:
                    return SseEvent(fields.get("event", "message"), fields.get("data", ""),
                                    fields.get("id"))  # fmt: skip
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "retry":
                self.retry = int(value)
            else:
                fields[name] = value
        self.ended = True
        return None

    async def next(self, kind: str | None = None, within: float = WITHIN) -> SseEvent:
        """The next event (of `kind`, skipping others), failing after `within` s."""
        deadline = time.monotonic() + within
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {kind or 'event'} within {within:g} s: {self.events}"
            try:
                event = await asyncio.wait_for(self._read_one(), left)
            except TimeoutError:
                raise AssertionError(f"no {kind or 'event'} within {within:g} s") from None
            assert event is not None, f"the stream ended waiting for {kind or 'an event'}"
            self.events.append(event)
            if kind is None or event.event == kind:
                return event

    async def count_becomes(self, wanted: int, within: float = WITHIN) -> list[int]:
        """Read unread counts until one is `wanted`; returns every count read. A count
        may come twice (a catch-up after a reconnect resends the current one)."""
        deadline = time.monotonic() + within
        seen: list[int] = []
        while not seen or seen[-1] != wanted:
            event = await self.next("unread_count", max(deadline - time.monotonic(), 0.001))
            seen.append(event.json["unread_count"])
        return seen

    async def until_end(self, within: float = WITHIN) -> None:
        """Read until the server ends the stream (cleanly), within `within` s."""
        async with asyncio.timeout(within):
            while (event := await self._read_one()) is not None:
                self.events.append(event)

    async def ends_within(self, seconds: float) -> bool:
        """Read for up to `seconds`: whether the server ended the stream meanwhile (a
        check for `eventually_async`)."""
        try:
            await self.until_end(seconds)
        except TimeoutError:
            return False
        return True
