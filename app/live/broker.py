"""The open event streams of this process, by person, and handing events to them.

Each stream has a queue of its own, bounded: a client that reads slower than its
events come is dropped (it reconnects with Last-Event-ID and replays what it
missed), so no client can make the server hold ever more for it.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from app.core.exceptions import ServiceUnavailable, TooManyRequests
from app.observability import EVENT_STREAMS_DROPPED, EVENT_STREAMS_OPEN

# How many notification ids a stream remembers having sent, to send none twice:
# the replay on connect and the catch-up after a LISTEN reconnect may meet the
# live events for the same notifications.
_REMEMBERED_IDS = 512


@dataclass(frozen=True)
class Event:
    # "notification", "unread_count", "feed", "reply", "announcement",
    # "announcement_withdrawn"
    kind: str
    data: str  # JSON, on one line
    notification_id: int | None = None


# In a queue: the stream is over (overflowed, or the server is shutting down).
END = Event("end", "")


class Stream:
    """One open `GET /api/events` of a person."""

    def __init__(
        self, user_id: int, queue_size: int, conversation: int | None = None, credential: str = ""
    ) -> None:
        self.user_id = user_id
        # The hash of the api key it was opened with: once the person's key is another
        # (rotated), the stream ends.
        self.credential = credential
        # Which of the person's slots it holds across processes (app/live/slots.py);
        # None while it holds none.
        self.slot: int | None = None
        # The conversation whose new replies this stream wants (an open thread).
        self.conversation = conversation
        # The newest notification id sent on this stream (or, until one is, what the
        # stream started from): the `id:` of every event. None until it has started.
        self.last_id: int | None = None
        self._queue_size = queue_size
        # Unbounded in type, bounded by `offer`: there is always room for END.
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._sent: deque[int] = deque(maxlen=_REMEMBERED_IDS)
        self.ended = False

    def offer(self, event: Event) -> None:
        """Queue `event`; a stream whose queue is full is ended instead."""
        if self.ended:
            return
        if self._queue.qsize() >= self._queue_size:
            EVENT_STREAMS_DROPPED.inc()
            self.end()
            return
        self._queue.put_nowait(event)

    def put_first(self, events: list[Event]) -> None:
        """Send `events` before anything queued meanwhile."""
        queued = [self._queue.get_nowait() for _ in range(self._queue.qsize())]
        for event in [*events, *queued]:
            self._queue.put_nowait(event)

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(END)

    async def next(self, within: float) -> Event | None:
        """The next event to send; None if none came `within` seconds (time for a
        heartbeat); END once the stream is over. A notification already sent is
        skipped."""
        try:
            async with asyncio.timeout(within):
                while True:
                    event = await self._queue.get()
                    if event.notification_id is None:
                        return event
                    if event.notification_id not in self._sent:
                        self._sent.append(event.notification_id)
                        self.last_id = max(self.last_id or 0, event.notification_id)
                        return event
        except TimeoutError:
            return None


def too_many_streams(count: int) -> TooManyRequests:
    return TooManyRequests(
        f"You have {count} event streams open, the most one person may; close one first",
        retry_after=5,
    )


class Broker:
    def __init__(self, per_person: int, queue_size: int) -> None:
        """At most `per_person` streams a person (0: no cap), each with room for
        `queue_size` events not yet sent."""
        self.per_person = per_person
        self.queue_size = queue_size
        self._streams: dict[int, set[Stream]] = {}
        self._watching: dict[int, set[Stream]] = {}
        self.closing = False
        # Told of every stream that leaves (its slot is given back).
        self.on_close: Callable[[Stream], None] = lambda _stream: None

    def open(self, user_id: int, conversation: int | None = None, credential: str = "") -> Stream:
        if self.closing:
            raise ServiceUnavailable("The server is shutting down; reconnect in a moment")
        held = self._streams.setdefault(user_id, set())
        if self.per_person and len(held) >= self.per_person:
            raise too_many_streams(len(held))
        stream = Stream(user_id, self.queue_size, conversation, credential)
        held.add(stream)
        if conversation is not None:
            self._watching.setdefault(conversation, set()).add(stream)
        EVENT_STREAMS_OPEN.inc()
        return stream

    def close(self, stream: Stream) -> None:
        held = self._streams.get(stream.user_id)
        if held is None or stream not in held:
            return
        held.discard(stream)
        if not held:
            del self._streams[stream.user_id]
        if stream.conversation is not None:
            watchers = self._watching[stream.conversation]
            watchers.discard(stream)
            if not watchers:
                del self._watching[stream.conversation]
        stream.end()
        EVENT_STREAMS_OPEN.dec()
        self.on_close(stream)

    @property
    def empty(self) -> bool:
        return not self._streams

    def has(self, user_id: int) -> bool:
        return user_id in self._streams

    def people(self) -> list[int]:
        return list(self._streams)

    def streams(self) -> list[Stream]:
        return [stream for held in self._streams.values() for stream in held]

    def streams_of(self, user_id: int) -> list[Stream]:
        return list(self._streams.get(user_id, ()))

    def watched(self, conversation: int) -> bool:
        return conversation in self._watching

    def publish_in(self, conversation: int, event: Event) -> None:
        """To every stream watching the conversation."""
        for stream in list(self._watching.get(conversation, ())):
            stream.offer(event)

    def publish(self, user_id: int, event: Event) -> None:
        for stream in self.streams_of(user_id):
            stream.offer(event)

    def broadcast(self, event: Event) -> None:
        """To every stream."""
        for stream in self.streams():
            stream.offer(event)

    def end_unless(self, user_id: int, valid: set[str]) -> None:
        """End the person's streams opened with a credential no longer `valid` (a
        replaced key, an ended session; none at all for a deactivated person)."""
        for stream in self.streams_of(user_id):
            if stream.credential not in valid:
                stream.end()

    def end_all(self) -> None:
        """The server is shutting down: every stream ends, no new one opens."""
        self.closing = True
        for stream in self.streams():
            stream.end()
