"""The fast reads: the hottest GETs answered without FastAPI's routing, dependencies
and models, with one statement on a raw asyncpg connection that returns the answer's
bytes (json_sql.py).

    GET /api/tweets                 the feed           (offset, limit)
    GET /api/users/{id}/tweets      a person's tweets  (offset, limit)
    GET /api/users/{id}, /me        a profile          (people_limit)
    GET /api/hashtags/{tag}/tweets  a tag's posts      (offset, limit)
    GET /api/notifications          one's notifications (offset, limit), always from
    GET /api/notifications/unread_count                 the primary, as their routes

Only the plain case is served here: a request signed in as an active person (by an
api key or a session cookie, whose owner the process remembers, app/core/owners.py,
and the statement checks again), with no query parameter but those above, each a
plain number in its range. Anything else (no credential, a wrong or deactivated key,
an ended session, a value the route would refuse, an unknown parameter, a person who
does not exist) goes on to the FastAPI route of the same path, which answers it as it
always has: its errors, its documentation. The routes (app/handlers/tweets/,
users/, hashtags/ and notifications/ router.py) are the specification;
tests/test_fast_reads.py checks that both give the same bytes.

What this saves: in `bench run` a feed request cost 2.3 ms of the web process's CPU
through FastAPI and the ORM, where PostgreSQL spent 1.5 ms on it
(docs/performance.md has the measurements after).

Everything around a request still applies: it sits inside the middleware (rate
limit, telemetry, safety headers, the error envelope), so a fast read is counted,
logged and limited as any other, under its route's template.
"""

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core import exceptions as exc
from app.core import hashtags
from app.core.owners import Owners
from app.core.reads import Reads
from app.core.security import hash_api_key, hash_session_token
from app.core.sessions import KEY, Caller, Credential
from app.handlers.deps import MAX_OFFSET
from app.handlers.fast.json_sql import (
    PROFILE_JSON,
    SIGNED_IN,
    UNREAD_COUNT_JSON,
    NotificationListJson,
    TweetListJson,
)
from app.handlers.hashtags.actions import TAGGED_PAGE_PEOPLE_AS_JSON
from app.handlers.notifications.actions import PAGE as NOTIFICATIONS_PAGE
from app.handlers.shared.schemas import MAX_ID
from app.handlers.tweets.actions import TWEETS_OF_PEOPLE_AS_JSON
from app.handlers.tweets.feed_sql import FEED_PAGE_PEOPLE_AS_JSON, feed_parameters
from app.handlers.tweets.listing import viewing
from app.web import credentials
from app.web.errors import (
    database_error,
    database_fault,
    envelope,
    is_away,
    raw_database_error,
    raw_recovery_conflict,
)
from app.web.middleware import HttpMiddleware
from app.web.rate_limit import CALLER, finish_request_session

logger = logging.getLogger(__name__)

_FEED = TweetListJson(FEED_PAGE_PEOPLE_AS_JSON)
_TWEETS_OF = TweetListJson(TWEETS_OF_PEOPLE_AS_JSON)
_NOTIFICATIONS = NotificationListJson(NOTIFICATIONS_PAGE)
_TAGGED = TweetListJson(TAGGED_PAGE_PEOPLE_AS_JSON)
_EMPTY_LIST = b'{"result":true,"tweets":[]}'

# A plain number: no sign, no spaces, no leading zero (the route accepts those too,
# and answers them itself).
_NUMBER = re.compile(rb"0|[1-9][0-9]{0,18}")
_PERSON_PATH = re.compile(r"/api/users/([1-9][0-9]{0,18})(/tweets)?")
_TAG_PATH = re.compile(r"/api/hashtags/([^/]+)/tweets")


@dataclass(frozen=True)
class _Template:
    """What the telemetry labels a request with (app/observability.py reads
    scope["route"].path): the FastAPI route's template."""

    path: str


FEED_ROUTE = _Template("/api/tweets")
PROFILE_ROUTE = _Template("/api/users/{user_id}")
ME_ROUTE = _Template("/api/users/me")
TWEETS_OF_ROUTE = _Template("/api/users/{user_id}/tweets")
TAGGED_ROUTE = _Template("/api/hashtags/{tag}/tweets")
NOTIFICATIONS_ROUTE = _Template("/api/notifications")
UNREAD_ROUTE = _Template("/api/notifications/unread_count")

# (name, least, most) of each query parameter a route takes.
_PAGE = {"offset": (0, MAX_OFFSET), "limit": (1, 100)}
_PEOPLE = {"people_limit": (0, 100)}


def _query(raw: bytes, allowed: dict[str, tuple[int, int]]) -> dict[str, int] | None:
    """The query's parameters if each is allowed, given once and a plain number in its
    range; None otherwise (the route then answers)."""
    found: dict[str, int] = {}
    if not raw:
        return found
    for pair in raw.split(b"&"):
        name, equals, value = pair.partition(b"=")
        key = name.decode("latin-1")
        bounds = allowed.get(key)
        if bounds is None or not equals or key in found or not _NUMBER.fullmatch(value):
            return None
        number = int(value)
        if not bounds[0] <= number <= bounds[1]:
            return None
        found[key] = number
    return found


@dataclass(frozen=True)
class _Read:
    sql: str
    args: list[object]
    # An answer this read cannot tell from a missing person's: the route answers it.
    unsure: bytes | None = None
    # Read from the primary even with replicas (as the route does).
    primary_only: bool = False


@dataclass(frozen=True)
class _Caller:
    user_id: int
    # What the caller signed in with, checked again by the statement: an api key's
    # hash, or a session token's.
    key_hash: str | None
    session_hash: str | None
    owners: Owners


# How the reader signed in, as the statements check it again (json_sql.SIGNED_IN).
SignedIn = tuple[str | None, str | None, int]
# A read for whoever asks: (their id, how they signed in) -> the read.
_Plan = Callable[[int, SignedIn], _Read]


class FastReads(HttpMiddleware):
    def __init__(
        self, app: ASGIApp, likers_per_tweet: int, idle_minutes: int, enabled: bool = True
    ) -> None:
        super().__init__(app)
        self.likers_per_tweet = likers_per_tweet
        self.idle_minutes = idle_minutes  # of sessions (SESSION_IDLE_MINUTES)
        self.enabled = enabled

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        planned = self._plan(scope) if self.enabled and scope["method"] == "GET" else None
        if planned is None:
            await self.app(scope, receive, send)
            return
        scope["route"], plan = planned  # the metrics' label, whoever answers
        try:
            body = await _read(scope, plan, self.idle_minutes)
        except SQLAlchemyError as error:  # the session's commit (see _caller)
            await database_error(f"GET {scope['path']}", error)(scope, receive, send)
            return
        except exc.AppError as error:  # DatabaseBusy: no connection came free in time
            await envelope(error)(scope, receive, send)
            return
        except Exception as error:
            if not database_fault(error):
                raise
            # Answered as the route would be: 503 while the database is away.
            await raw_database_error(f"GET {scope['path']}", error)(scope, receive, send)
            return
        if body is None:
            await self.app(scope, receive, send)
            return
        await _answer(scope, send, body)

    def _plan(self, scope: Scope) -> tuple[_Template, _Plan] | None:
        """What the request asks, as a read for whoever asks; None: not ours."""
        path: str = scope["path"]
        raw: bytes = scope["query_string"]
        if path == "/api/tweets":
            page = _query(raw, _PAGE)
            return None if page is None else (FEED_ROUTE, self._feed(page))
        tagged = _TAG_PATH.fullmatch(path)
        if tagged is not None:
            tag, page = hashtags.normalise(tagged[1]), _query(raw, _PAGE)
            ours = page is not None and hashtags.is_tag(tag)
            return (TAGGED_ROUTE, self._tagged(tag, page)) if ours and page is not None else None
        if path == "/api/notifications":
            page = _query(raw, _PAGE)
            return None if page is None else (NOTIFICATIONS_ROUTE, _notifications(page))
        if path == "/api/notifications/unread_count":
            if _query(raw, {}) is None:
                return None
            return UNREAD_ROUTE, lambda reader, signed: _Read(
                UNREAD_COUNT_JSON, [reader, *signed], None, True
            )
        if path == "/api/users/me":
            return _profile(ME_ROUTE, None, raw)
        matched = _PERSON_PATH.fullmatch(path)
        if matched is None or int(matched[1]) > MAX_ID:
            return None
        person = int(matched[1])
        if matched[2]:
            page = _query(raw, _PAGE)
            return None if page is None else (TWEETS_OF_ROUTE, self._tweets_of(person, page))
        return _profile(PROFILE_ROUTE, person, raw)

    def _feed(self, page: dict[str, int]) -> _Plan:
        paged = _paged(page)

        def read(viewer: int, signed: SignedIn) -> _Read:
            values = feed_parameters(viewer, **paged, likers_per_tweet=self.likers_per_tweet)
            return _Read(_FEED.sql, _FEED.args(**values, **_signed(signed)))

        return read

    def _tagged(self, tag: str, page: dict[str, int]) -> _Plan:
        values = {"tag": tag, **_paged(page)}
        return _tweet_list(_TAGGED, values, self.likers_per_tweet)

    def _tweets_of(self, person: int, page: dict[str, int]) -> _Plan:
        values = {"author_id": person, **_paged(page)}
        # An empty page: past the end, or no such person (404): the route knows.
        return _tweet_list(_TWEETS_OF, values, self.likers_per_tweet, unsure=_EMPTY_LIST)


def _profile(route: _Template, person: int | None, raw: bytes) -> tuple[_Template, _Plan] | None:
    """A profile's read: `person`'s, or (None) the reader's own."""
    people = _query(raw, _PEOPLE)
    if people is None:
        return None
    limit = people.get("people_limit")
    return route, lambda viewer, signed: _Read(
        PROFILE_JSON, [viewer if person is None else person, viewer, limit, *signed]
    )


def _signed(signed: SignedIn) -> dict[str, object]:
    """How the reader signed in, as the statements' SIGNED_IN parameters."""
    return dict(zip(SIGNED_IN, signed, strict=True))


def _paged(page: dict[str, int]) -> dict[str, int]:
    """offset and limit as the route's defaults give them."""
    return {"offset": page.get("offset", 0), "limit": page.get("limit", 20)}


def _tweet_list(
    statement: TweetListJson,
    values: Mapping[str, object],
    likers_per_tweet: int,
    unsure: bytes | None = None,
) -> _Plan:
    """A read of `statement` with `values`, for whoever reads."""

    def read(viewer: int, signed: SignedIn) -> _Read:
        everything = {**values, **_signed(signed), **viewing(viewer, likers_per_tweet)}
        return _Read(statement.sql, statement.args(**everything), unsure)

    return read


def _notifications(page: dict[str, int]) -> _Plan:
    paged = _paged(page)

    def read(reader: int, signed: SignedIn) -> _Read:
        values = {"user_id": reader, **paged, **_signed(signed)}
        return _Read(_NOTIFICATIONS.sql, _NOTIFICATIONS.args(**values), None, True)

    return read


async def _read(scope: Scope, plan: _Plan, idle_minutes: int) -> bytes | None:
    """The answer; None: the route answers instead."""
    caller = await _caller(scope)
    if caller is None:
        return None
    read = plan(caller.user_id, (caller.key_hash, caller.session_hash, idle_minutes))
    body = await _fetch(scope["app"].state.reads, caller.user_id, scope, read)
    if body is None:
        # The statement found the credential no longer theirs (or them deactivated),
        # or the replica that answered does not know it yet: not remembered here any
        # more; the route looks it up.
        caller.owners.forget(caller.key_hash, caller.session_hash)
    return None if not body or body == read.unsure else body


async def _caller(scope: Scope) -> _Caller | None:
    """The active person the request is signed in as, if it is known without asking
    the ORM (the statement checks it again): by an api key or a session cookie the
    process knows (app/core/owners.py), or by a session cookie the rate limit has just
    looked up with the ORM (app/web/rate_limit.py; with no budget for reads it looks
    nothing up, and the route answers)."""
    credential = credentials.of(scope)
    if credential is None or not credential.secret:
        return None
    owners: Owners = scope["app"].state.owners
    if credential.kind == KEY:
        owner = await owners.key_owner(scope, credential.secret)
        if owner is None or not owner.active:
            return None
        return _Caller(owner.user_id, hash_api_key(credential.secret), None, owners)
    session_hash = hash_session_token(credential.secret)
    found: tuple[Credential, Caller | None] | None = scope.get("state", {}).get(CALLER)
    if found is not None and found[0] == credential:
        if found[1] is None or not found[1].user.active:
            return None
        # The lookup may have moved the session's idle clock on: kept, and its
        # connection given back before this read takes one of its own.
        await finish_request_session(scope)
        return _Caller(found[1].user.id, None, session_hash, owners)
    remembered, _ = await owners.session_owner(scope, credential.secret)
    if remembered is None:
        return None  # ended, or due: the route's lookup moves its idle clock on
    return _Caller(remembered.user_id, None, session_hash, owners)


async def _fetch(reads: Reads, viewer: int, scope: Scope, read: _Read) -> bytes | None:
    """The answer's bytes from the server the person reads from; from the primary if a
    replica fails to answer (left alone for a while if it is away) or cancels the
    read (a recovery conflict: the rows it read were replayed away)."""
    server = reads.primary if read.primary_only else reads.server_for(viewer, scope)
    try:
        text = await server.fetchval(read.sql, *read.args)
    except Exception as error:
        if server is reads.primary or not (is_away(error) or raw_recovery_conflict(error)):
            raise
        logger.warning("replica %s failed a read; reading from the primary: %r", server.name, error)
        if is_away(error):
            reads.failed(server)
        text = await reads.fallback().fetchval(read.sql, *read.args)
    return text.encode() if isinstance(text, str) else None


async def _answer(scope: Scope, send: Send, body: bytes) -> None:
    """200 with the body, or 304 when the client already has these very bytes."""
    etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
    headers = [(b"etag", etag), (b"cache-control", b"private, no-cache")]
    if any(k == b"if-none-match" and etag in v for k, v in scope["headers"]):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
