"""The raw-SQL baseline: the feed page's very statements, run straight on asyncpg.

The statements are the app's own SQLAlchemy constants compiled once, so the
comparison with the HTTP feed shows what the web layer (HTTP, auth, ORM,
serialising) adds, and cannot drift from the SQL the app runs.
"""

import asyncio
import time
from typing import Any

import asyncpg
from sqlalchemy import ClauseElement, make_url
from sqlalchemy.sql.compiler import SQLCompiler

from app.core.security import hash_api_key
from app.handlers.shared.db_actions import USER_BY_KEY_HASH
from app.handlers.tweets.feed_sql import FEED_PAGE, feed_parameters
from bench.measure import Result
from bench.seed import plain_url

_ASYNCPG = make_url("postgresql+asyncpg://").get_dialect()()


class RawStatement:
    """A statement as asyncpg takes it: SQL with $n and the parameter names in order."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_ASYNCPG)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.names = list(compiled.positiontup or [])

    def args(self, **values: Any) -> list[Any]:
        return [values[name] for name in self.names]


async def raw_feed(
    url: str,
    api_keys: list[str],
    connections: int,
    seconds: float,
    likers_per_tweet: int,
    limit: int = 20,
) -> Result:
    """Feed pages for `api_keys` in turn, `connections` at a time, for `seconds`."""
    user, page = RawStatement(USER_BY_KEY_HASH), RawStatement(FEED_PAGE)
    # As the app runs it: its cached generic plan (app/handlers/tweets/feed_sql.py).
    pool = await asyncpg.create_pool(
        plain_url(url),
        min_size=connections,
        max_size=connections,
        server_settings={"plan_cache_mode": "force_generic_plan"},
    )
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def one(api_key: str) -> None:
        async with pool.acquire() as connection, connection.transaction():
            me = await connection.fetchrow(user.sql, *user.args(api_key_hash=hash_api_key(api_key)))
            if me is None:
                raise LookupError("the api key matches nobody")
            await connection.fetch(
                page.sql,
                *page.args(**feed_parameters(me["id"], 0, limit, likers_per_tweet)),
            )

    async def client(start: int) -> None:
        nonlocal errors
        turn = start
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                await one(api_keys[turn % len(api_keys)])
            except Exception:  # every failure counts, none stops the run
                errors += 1
            latencies.append(time.perf_counter() - began)
            turn += 1

    started = time.monotonic()
    try:
        await asyncio.gather(*(client(i) for i in range(connections)))
    finally:
        await pool.close()
    return Result.from_latencies(latencies, time.monotonic() - started, errors)
