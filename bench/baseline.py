"""The raw-SQL baselines: a request's very statements, run straight on asyncpg.

Each request is what the server runs for it, without the web layer: the caller's
key looked up, then the request's statements in turn, on one connection in one
transaction. The statements are SQLAlchemy constructs compiled once, so the
comparison with the HTTP scenario shows what the web layer (HTTP, auth, ORM,
serialising) adds. They are the statements of the ORM's read path (the feed page,
a person's tweets: the app's own constants; a profile: those of
app/handlers/users/actions.py written out here), kept as they were when the web
layer's faster paths began (issue 20): the limit the HTTP scenarios are measured
against stays the same while the server changes its SQL.
"""

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
from sqlalchemy import BigInteger, Integer, Select, bindparam, func, select

from app.core.config import Settings
from app.core.database import server_settings
from app.core.models import Follow, Tweet, User
from app.core.raw_statement import RawStatement
from app.core.security import hash_api_key
from app.handlers.shared.db_actions import USER_BY_KEY_HASH
from app.handlers.tweets.actions import TWEETS_OF
from app.handlers.tweets.feed_sql import FEED_PAGE, feed_parameters
from app.handlers.tweets.listing import viewing
from app.handlers.users.actions import BY_NAME
from bench.cpu import Meter, per_request
from bench.measure import Result
from bench.seed import plain_url

# A statement's parameters, given the caller's id.
Parameters = Callable[[int], dict[str, Any]]


@dataclass(frozen=True)
class RawRequest:
    api_key: str
    steps: tuple[tuple[RawStatement, Parameters], ...]


def feed_requests(api_keys: list[str], likers_per_tweet: int, limit: int = 20) -> list[RawRequest]:
    """The feed's first page (GET /api/tweets) of each key's person."""
    page = RawStatement(FEED_PAGE)

    def parameters(me: int) -> dict[str, Any]:
        return feed_parameters(me, 0, limit, likers_per_tweet)

    return [RawRequest(key, ((page, parameters),)) for key in api_keys]


def tweets_of_requests(
    asked: list[tuple[str, int]], likers_per_tweet: int, limit: int = 20
) -> list[RawRequest]:
    """A person's tweets, first page (GET /api/users/{id}/tweets), for each
    (api key, person)."""
    page = RawStatement(TWEETS_OF)

    def parameters(person: int) -> Parameters:
        return lambda me: {
            "author_id": person,
            "offset": 0,
            "limit": limit,
            **viewing(me, likers_per_tweet),
        }

    return [RawRequest(key, ((page, parameters(person)),)) for key, person in asked]


def _people(relation: Literal["followers", "following"]) -> Select[int, str, str]:
    """A person's followers, or whom they follow, all of them by name."""
    if relation == "followers":
        them, person = Follow.follower_id, Follow.followee_id
    else:
        them, person = Follow.followee_id, Follow.follower_id
    return (
        select(User.id, User.name, User.handle)
        .join(Follow, them == User.id)
        .where(person == bindparam("user_id", type_=BigInteger))
        .order_by(*BY_NAME)
        .offset(bindparam("offset", type_=Integer))
    )


def profile_requests(asked: list[tuple[str, int]]) -> list[RawRequest]:
    """A person's whole profile (GET /api/users/{id}, everyone listed), for each
    (api key, person): the person, their followers, whom they follow, their tweets
    counted (the lists are their own counts)."""
    person_id = bindparam("user_id", type_=BigInteger)
    statements = [
        RawStatement(select(User).where(User.id == person_id)),
        RawStatement(_people("followers")),
        RawStatement(_people("following")),
        RawStatement(
            select(select(func.count()).where(Tweet.author_id == person_id).scalar_subquery())
        ),
    ]

    def parameters(person: int) -> Parameters:
        return lambda _me: {"user_id": person, "offset": 0}

    return [
        RawRequest(key, tuple((statement, parameters(person)) for statement in statements))
        for key, person in asked
    ]


async def raw_load(
    url: str, requests: list[RawRequest], connections: int, seconds: float, meter: Meter
) -> Result:
    """`requests` in turn, `connections` at a time, for `seconds`; the CPU per request
    of this process (its asyncpg loop is the web side here) and of the database server."""
    user = RawStatement(USER_BY_KEY_HASH)
    # As the app's connections run (app/core/database.py): cached generic plans.
    pool = await asyncpg.create_pool(
        plain_url(url),
        min_size=connections,
        max_size=connections,
        server_settings=server_settings(Settings(_env_file=None)),
    )
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def one(request: RawRequest) -> None:
        async with pool.acquire() as connection, connection.transaction():
            key_hash = hash_api_key(request.api_key)
            me = await connection.fetchrow(user.sql, *user.args(api_key_hash=key_hash))
            if me is None:
                raise LookupError("the api key matches nobody")
            for statement, parameters in request.steps:
                await connection.fetch(statement.sql, *statement.args(**parameters(me["id"])))

    async def client(start: int) -> None:
        nonlocal errors
        turn = start
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                await one(requests[turn % len(requests)])
            except Exception:  # every failure counts, none stops the run
                errors += 1
            latencies.append(time.perf_counter() - began)
            turn += 1

    # Read while the pool's connections live: a backend that ends is counted only
    # once the postmaster has reaped it.
    before = meter.seconds()
    started = time.monotonic()
    try:
        await asyncio.gather(*(client(i) for i in range(connections)))
        elapsed = time.monotonic() - started
        after = meter.seconds()
    finally:
        await pool.close()
    return per_request(Result.from_latencies(latencies, elapsed, errors), before, after)


def this_process(database: tuple[int, ...]) -> Meter:
    """The meter of a raw-SQL scenario: this process is its web side."""
    return Meter(lambda: [os.getpid()], database)
