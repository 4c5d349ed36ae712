"""A stream's events on the wire, as Server-Sent Events."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.live.broker import END, Broker, Event, Stream

MEDIA_TYPE = "text/event-stream"
# How long a client waits before reconnecting after the stream ends.
RETRY_MS = 2000


def frame(event: Event, event_id: int) -> str:
    return f"id: {event_id}\nevent: {event.kind}\ndata: {event.data}\n\n"


async def _frames(
    stream: Stream, heartbeat_seconds: float, ends_at: datetime | None
) -> AsyncIterator[str]:
    """`ends_at`: the session's absolute end, when a session opened the stream; the
    stream ends then (the client's reconnect is refused and it signs in again)."""
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        wait = heartbeat_seconds
        if ends_at is not None:
            left = (ends_at - datetime.now(UTC)).total_seconds()
            if left <= 0:
                return
            wait = min(wait, left)
        event = await stream.next(wait)
        if event is END:
            return
        # A comment: keeps proxies from closing an idle connection, and lets the
        # server find a client that has gone.
        yield ": ping\n\n" if event is None else frame(event, stream.last_id or 0)


class EventStreamResponse(StreamingResponse):
    """The stream's events until it ends (shutdown, overflow) or the client goes;
    then it leaves the broker, however the response ended."""

    def __init__(
        self,
        broker: Broker,
        stream: Stream,
        heartbeat_seconds: float,
        ends_at: datetime | None = None,
    ) -> None:
        super().__init__(
            _frames(stream, heartbeat_seconds, ends_at),
            # Given here, not as the class's: the route's error answers are JSON, and
            # the OpenAPI document takes the class's type for them.
            media_type=MEDIA_TYPE,
            # No proxy may hold events back in a buffer or a cache.
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
        self.broker = broker
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.broker.close(self.stream)
