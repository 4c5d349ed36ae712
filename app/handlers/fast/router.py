"""The fast reads: the hottest GETs answered without FastAPI's routing, dependencies
and models, with one statement on a raw asyncpg connection that returns the answer's
bytes (json_sql.py).

    GET /api/tweets                 the feed           (offset, limit)
    GET /api/users/{id}/tweets      a person's tweets  (offset, limit)
    GET /api/users/{id}, /me        a profile          (people_limit)

Only the plain case is served here: a request signed in as an active person (by an
api key the process knows, app/core/key_owners.py, or by a session cookie the rate
limit has looked up), with no query parameter but those above, each a plain number
in its range. Anything else (no credential, a wrong or deactivated key, an ended
session, a value the route would refuse, an unknown parameter, a person who does not
exist) goes on to the FastAPI route of the same path, which answers it as it always
has: its errors, its documentation. The routes
in app/handlers/tweets/router.py and app/handlers/users/router.py are the
specification; tests/test_fast_reads.py checks that both give the same bytes.

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
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.key_owners import KeyOwners
from app.core.reads import Reads
from app.core.sessions import KEY, Caller, Credential
from app.handlers.deps import MAX_OFFSET
from app.handlers.fast.json_sql import PROFILE_JSON, TweetListJson
from app.handlers.shared.schemas import MAX_ID
from app.handlers.tweets.actions import TWEETS_OF_PEOPLE_AS_JSON
from app.handlers.tweets.feed_sql import FEED_PAGE_PEOPLE_AS_JSON, feed_parameters
from app.handlers.tweets.listing import viewing
from app.web import credentials
from app.web.errors import database_error, is_away, raw_database_error
from app.web.middleware import HttpMiddleware
from app.web.rate_limit import CALLER, finish_request_session

logger = logging.getLogger(__name__)

_FEED = TweetListJson(FEED_PAGE_PEOPLE_AS_JSON)
_TWEETS_OF = TweetListJson(TWEETS_OF_PEOPLE_AS_JSON)
_EMPTY_LIST = b'{"result":true,"tweets":[]}'

# A plain number: no sign, no spaces, no leading zero (the route accepts those too,
# and answers them itself).
_NUMBER = re.compile(rb"0|[1-9][0-9]{0,18}")
_PERSON_PATH = re.compile(r"/api/users/([1-9][0-9]{0,18})(/tweets)?")


@dataclass(frozen=True)
class _Template:
    """What the telemetry labels a request with (app/observability.py reads
    scope["route"].path): the FastAPI route's template."""

    path: str


FEED_ROUTE = _Template("/api/tweets")
PROFILE_ROUTE = _Template("/api/users/{user_id}")
ME_ROUTE = _Template("/api/users/me")
TWEETS_OF_ROUTE = _Template("/api/users/{user_id}/tweets")

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
    route: _Template
    sql: str
    args: list[object]
    # An answer this read cannot tell from a missing person's: the route answers it.
    unsure: bytes | None = None


class FastReads(HttpMiddleware):
    def __init__(self, app: ASGIApp, likers_per_tweet: int, enabled: bool = True) -> None:
        super().__init__(app)
        self.likers_per_tweet = likers_per_tweet
        self.enabled = enabled

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        plan = self._plan(scope) if self.enabled and scope["method"] == "GET" else None
        if plan is None:
            await self.app(scope, receive, send)
            return
        try:
            answered = await self._read(scope, plan)
        except SQLAlchemyError as error:  # the session's commit (see _caller_id)
            await database_error(f"GET {scope['path']}", error)(scope, receive, send)
            return
        except Exception as error:
            if not is_away(error) and not isinstance(error, asyncpg.PostgresError):
                raise
            # Answered as the route would be: 503 while the database is away.
            await raw_database_error(f"GET {scope['path']}", error)(scope, receive, send)
            return
        if answered is None:
            await self.app(scope, receive, send)
            return
        scope["route"], body = answered
        await _answer(scope, send, body)

    async def _read(
        self, scope: Scope, plan: Callable[[int], _Read]
    ) -> tuple[_Template, bytes] | None:
        """The route's template and the answer; None: the route answers instead."""
        user_id = await _caller_id(scope)
        if user_id is None:
            return None
        read = plan(user_id)
        body = await _fetch(scope["app"].state.reads, user_id, scope, read)
        if body is None or body == read.unsure:
            return None
        return read.route, body

    def _plan(self, scope: Scope) -> Callable[[int], _Read] | None:
        """What the request asks, as a read for whoever asks; None: not ours."""
        path: str = scope["path"]
        raw: bytes = scope["query_string"]
        if path == "/api/tweets":
            page = _query(raw, _PAGE)
            return None if page is None else self._feed(page)
        if path == "/api/users/me":
            people = _query(raw, _PEOPLE)
            if people is None:
                return None
            limit = people.get("people_limit")
            return lambda viewer: _Read(ME_ROUTE, PROFILE_JSON, [viewer, viewer, limit])
        matched = _PERSON_PATH.fullmatch(path)
        if matched is None or int(matched[1]) > MAX_ID:
            return None
        person = int(matched[1])
        if matched[2]:
            page = _query(raw, _PAGE)
            return None if page is None else self._tweets_of(person, page)
        people = _query(raw, _PEOPLE)
        if people is None:
            return None
        limit = people.get("people_limit")
        return lambda viewer: _Read(PROFILE_ROUTE, PROFILE_JSON, [person, viewer, limit])

    def _feed(self, page: dict[str, int]) -> Callable[[int], _Read]:
        offset, limit = page.get("offset", 0), page.get("limit", 20)

        def read(viewer: int) -> _Read:
            values = feed_parameters(viewer, offset, limit, self.likers_per_tweet)
            return _Read(FEED_ROUTE, _FEED.sql, _FEED.args(**values))

        return read

    def _tweets_of(self, person: int, page: dict[str, int]) -> Callable[[int], _Read]:
        offset, limit = page.get("offset", 0), page.get("limit", 20)

        def read(viewer: int) -> _Read:
            values = {
                "author_id": person,
                "offset": offset,
                "limit": limit,
                **viewing(viewer, self.likers_per_tweet),
            }
            # An empty page: past the end, or no such person (404): the route knows.
            return _Read(TWEETS_OF_ROUTE, _TWEETS_OF.sql, _TWEETS_OF.args(**values), _EMPTY_LIST)

        return read


async def _caller_id(scope: Scope) -> int | None:
    """The active person the request is signed in as, if it is known without asking
    the ORM: by an api key (the process's memory of keys), or by a session cookie the
    rate limit has just looked up (app/web/rate_limit.py; with no budget for reads it
    looks nothing up, and the route answers)."""
    credential = credentials.of(scope)
    if credential is None or not credential.secret:
        return None
    if credential.kind == KEY:
        owners: KeyOwners = scope["app"].state.key_owners
        owner = await owners.owner(credential.secret)
        return owner.user_id if owner is not None and owner.active else None
    found: tuple[Credential, Caller | None] | None = scope.get("state", {}).get(CALLER)
    if found is None or found[0] != credential or found[1] is None:
        return None
    user = found[1].user
    if not user.active:
        return None
    # The lookup may have moved the session's idle clock on: kept, and its connection
    # given back before this read takes one of its own.
    await finish_request_session(scope)
    return user.id


async def _fetch(reads: Reads, viewer: int, scope: Scope, read: _Read) -> bytes | None:
    """The answer's bytes from the server the person reads from; from the primary if a
    replica fails to answer (and that replica is left alone for a while)."""
    server = reads.server_for(viewer, scope)
    try:
        text = await server.fetchval(read.sql, *read.args)
    except Exception as error:
        if server is reads.primary or not is_away(error):
            raise
        logger.warning("replica %s failed; reading from the primary: %r", server.name, error)
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
