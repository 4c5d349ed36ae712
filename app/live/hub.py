"""Live updates in one process: the listener hears PostgreSQL announce events (see
migration 0005 for the payloads), the dispatcher fetches what they name, once for
every stream here, and the broker hands it to the streams.

    n:<user>:<notification id>   a new notification for <user>
    c:<user>                     <user>'s unread count changed otherwise
    f:<author>:<tweet id>        <author> started a conversation
    r:<conversation>:<reply_to>:<tweet id>   a reply (migration 0009), for the
                                 streams of an open thread
    a:<announcement>, w:<announcement>   an announcement published, withdrawn:
                                 every stream hears of it
    k:<user>                     <user>'s credentials changed (a key replaced, a
                                 session ended, the person deactivated):
                                 streams opened with one no longer valid end
    l:<user>:<WAL position>      <user> wrote, the primary's WAL is that far: their
                                 reads wait for a replica that has it (app/core/reads.py)

Announcements for nobody connected here are dropped on arrival, before any query.
Those that come together are fetched together: one statement for all new
notifications, one for all unread counts, one for all new conversations; a reply needs
none (its ids are the event).
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.exceptions import TooManyRequests
from app.core.models import User
from app.handlers.announcements import actions as announcements
from app.handlers.notifications import actions
from app.handlers.notifications.schemas import NotificationOut
from app.handlers.shared.db_actions import valid_credentials
from app.live import feed
from app.live.broker import Broker, Event, Stream, too_many_streams
from app.live.listener import Listener, NotListening
from app.live.shutdown import on_shutdown_signal
from app.live.slots import StreamSlots

logger = logging.getLogger(__name__)

# Announcements fetched together at most.
BATCH = 500
# Announcements waiting at most; beyond, they are dropped and every stream catches up
# from the notifications table instead (feed events are then lost: they are hints).
INBOX_LIMIT = 50_000
# After a failed fetch (the database away), the next try.
RETRY_SECONDS = 1.0


def notification_event(notification: NotificationOut) -> Event:
    return Event("notification", notification.model_dump_json(), notification.id)


def unread_count_event(count: int) -> Event:
    return Event("unread_count", f'{{"unread_count":{count}}}')


class Live:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        connect: dict[str, Any],
        *,
        per_person: int,
        queue_size: int,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.broker = Broker(per_person, queue_size)
        self.listener = Listener(connect, self._heard, self._catch_up_first)
        self.slots = StreamSlots(self.listener, per_person)
        self.broker.on_close = self._give_slot_back
        self._giving_back: set[asyncio.Task[None]] = set()
        self._taking = asyncio.Lock()
        self._inbox: deque[str] = deque()
        self._wake = asyncio.Event()
        self._behind = False  # announcements were lost: catch up before the next
        self._caught_up = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._undo_signal_hook: Callable[[], None] = lambda: None
        # Told of every `k:<user>`, whoever is connected here (app/core/owners.py).
        self.on_credentials_changed: list[Callable[[int], None]] = []
        # Told each person's write position ("<user>:<position>"), for the read replicas.
        self.on_write_position: Callable[[str], None] = lambda _: None

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.listener.run(), name="live-listener"),
            asyncio.create_task(self._dispatch_forever(), name="live-dispatcher"),
        ]
        self._undo_signal_hook = on_shutdown_signal(self.begin_shutdown)

    def begin_shutdown(self) -> None:
        """End every stream now, so the server's graceful shutdown is not held up."""
        self.broker.end_all()

    async def stop(self) -> None:
        self._undo_signal_hook()
        self.begin_shutdown()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task

    # Opening a stream ------------------------------------------------------------

    async def open_stream(
        self,
        session: AsyncSession,
        user: User,
        last_event_id: int | None,
        conversation: int | None = None,
        credential: str = "",
    ) -> Stream:
        """A stream of the person's, which sends first, with `last_event_id`, the
        notifications since (REPLAY_LIMIT at most), then the unread count; and, with
        `conversation`, the replies written in it from now on. It is in the broker
        before the replay is read, so nothing falls in between (what comes both ways
        is sent once)."""
        user_id = user.id
        stream = self.broker.open(user_id, conversation, credential)
        try:
            await self._take_slot(stream)
            first: list[Event] = []
            start = await actions.newest_id(session, user_id)
            # An id beyond the newest is not one of this person's streams (another
            # person signed in the same browser, say): it must not hide what comes.
            if last_event_id is not None and last_event_id < start:
                missed = await actions.missed(session, {user_id: last_event_id})
                first = [notification_event(n) for n in missed.get(user_id, [])]
                start = last_event_id
            first.append(unread_count_event(await actions.unread_count(session, user_id)))
        except BaseException:
            self.broker.close(stream)
            raise
        stream.last_id = start
        stream.put_first(first)
        return stream

    async def _take_slot(self, stream: Stream) -> None:
        """A slot of the person's across processes for `stream`; 429 when another
        process holds the rest. While not listening the process's own cap stands."""
        if not self.slots.applies_to(stream.user_id):
            return
        # One take at a time: two streams of one person opening at once would both ask
        # for the same free slot, and this session's lock would grant it twice.
        async with self._taking:
            held = {s.slot for s in self.broker.streams_of(stream.user_id) if s.slot is not None}
            try:
                stream.slot = await self.slots.take(stream.user_id, held)
            except NotListening:
                return
        if stream.slot is None:
            raise too_many_streams(self.slots.per_person)

    def _give_slot_back(self, stream: Stream) -> None:
        if stream.slot is None or self.broker.closing:
            stream.slot = None  # shutting down: the slots go with the connection
            return
        task = asyncio.create_task(self.slots.give_back(stream.user_id, stream.slot))
        self._giving_back.add(task)  # held until done: a task nobody holds may vanish
        task.add_done_callback(self._giving_back.discard)
        stream.slot = None

    async def _take_slots_again(self) -> None:
        """Listening again, on a new connection: the slots went with the old one. Each
        stream takes one again; one that finds none (taken meanwhile) ends."""
        for stream in self.broker.streams():
            stream.slot = None
        for stream in self.broker.streams():
            try:
                await self._take_slot(stream)
            except TooManyRequests:
                stream.end()

    # Hearing and dispatching -------------------------------------------------------

    def _heard(self, payload: str) -> None:
        """On the listener's connection, for each announcement: keep those for
        someone connected here."""
        kind, _, rest = payload.partition(":")
        try:
            if kind == "l":
                self.on_write_position(rest)
                return
            if kind == "k":
                for forget in self.on_credentials_changed:
                    forget(int(rest))
            if kind in ("n", "c", "k"):
                if not self.broker.has(int(rest.split(":", 1)[0])):
                    return
            elif kind == "r":
                if not self.broker.watched(int(rest.split(":", 1)[0])):
                    return
            elif kind not in ("f", "a", "w") or self.broker.empty:
                return
        except ValueError:
            logger.warning("live updates: an announcement not understood: %r", payload[:100])
            return
        if len(self._inbox) >= INBOX_LIMIT:
            self._inbox.clear()
            self._behind = True
        self._inbox.append(payload)
        self._wake.set()

    async def _catch_up_first(self) -> None:
        """Listening again: the streams catch up before anything heard since is sent.
        The dispatcher does it, so that no older fetch overtakes a newer one."""
        await self._take_slots_again()
        self._caught_up.clear()
        self._behind = True
        self._wake.set()
        await self._caught_up.wait()

    async def _dispatch_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                if self._behind:
                    await self.catch_up()
                    self._behind = False
                    self._caught_up.set()
                batch = [self._inbox.popleft() for _ in range(min(BATCH, len(self._inbox)))]
                await self._dispatch(batch)
            except Exception as error:
                logger.warning("live updates: cannot fetch what was announced: %r", error)
                self._behind = True
                await asyncio.sleep(RETRY_SECONDS)
                self._wake.set()
            if self._inbox:
                self._wake.set()

    async def _dispatch(self, batch: list[str]) -> None:
        if not batch:
            return
        new: set[int] = set()
        recounted: set[int] = set()
        started: list[tuple[int, int]] = []
        replies: list[tuple[int, int, int]] = []
        rekeyed: set[int] = set()
        published: list[int] = []
        withdrawn: list[int] = []
        for payload in batch:
            kind, *numbers = payload.split(":")
            if kind == "n" and len(numbers) == 2:
                recounted.add(int(numbers[0]))
                new.add(int(numbers[1]))
            elif kind == "c" and len(numbers) == 1:
                recounted.add(int(numbers[0]))
            elif kind == "f" and len(numbers) == 2:
                started.append((int(numbers[0]), int(numbers[1])))
            elif kind == "r" and len(numbers) == 3:
                conversation, reply_to, tweet_id = map(int, numbers)
                replies.append((conversation, reply_to, tweet_id))
            elif kind == "k" and len(numbers) == 1:
                rekeyed.add(int(numbers[0]))
            elif kind == "a" and len(numbers) == 1:
                published.append(int(numbers[0]))
            elif kind == "w" and len(numbers) == 1:
                withdrawn.append(int(numbers[0]))
        async with self.sessionmaker() as session:
            await self._end_invalid(session, rekeyed)
            notifications = await actions.by_ids(session, new)
            counts = await actions.unread_counts(session, recounted)
            announced = await announcements.by_ids(session, published) if published else []
            connected = self.broker.people()
            audiences = {}
            if started and connected:
                authors = {author_id for author_id, _ in started}
                audiences = await feed.audiences(session, authors, connected)
        for user_id, found in notifications.items():
            for notification in found:
                self.broker.publish(user_id, notification_event(notification))
        for user_id, count in counts.items():
            self.broker.publish(user_id, unread_count_event(count))
        for author_id, tweet_id in started:
            if author_id not in audiences:
                continue  # nobody connected here, or the author is gone
            author, followers = audiences[author_id]
            event = Event("feed", f'{{"tweet_id":{tweet_id},"author":{author.model_dump_json()}}}')
            for follower in followers:
                self.broker.publish(follower, event)
        for published_one in announced:
            self.broker.broadcast(Event("announcement", published_one.model_dump_json()))
        for announcement_id in withdrawn:
            self.broker.broadcast(Event("announcement_withdrawn", f'{{"id":{announcement_id}}}'))
        for conversation, reply_to, tweet_id in replies:
            data = (
                f'{{"tweet_id":{tweet_id},"reply_to":{reply_to},"conversation_id":{conversation}}}'
            )
            self.broker.publish_in(conversation, Event("reply", data))

    async def catch_up(self) -> None:
        """Every stream gets the notifications it has not had and its unread count,
        from the table: what was announced while nobody listened is not lost."""
        # A stream still opening reads its own start.
        streams = [stream for stream in self.broker.streams() if stream.last_id is not None]
        if not streams:
            return
        after: dict[int, int] = {}
        for stream in streams:
            assert stream.last_id is not None
            after[stream.user_id] = min(after.get(stream.user_id, stream.last_id), stream.last_id)
        async with self.sessionmaker() as session:
            # A key replaced while nobody listened ends its streams too.
            await self._end_invalid(session, set(after))
            missed = await actions.missed(session, after)
            counts = await actions.unread_counts(session, after)
        for stream in streams:
            for notification in missed.get(stream.user_id, []):
                if notification.id > (stream.last_id or 0):
                    stream.offer(notification_event(notification))
            stream.offer(unread_count_event(counts.get(stream.user_id, 0)))

    async def _end_invalid(self, session: AsyncSession, user_ids: set[int]) -> None:
        """End the streams of these people opened with a credential no longer theirs."""
        if not user_ids:
            return
        valid = await valid_credentials(session, list(user_ids))
        for user_id in user_ids:
            self.broker.end_unless(user_id, valid.get(user_id, set()))
