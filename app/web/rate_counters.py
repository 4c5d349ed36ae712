"""Request budgets: so many requests a minute per caller, counted apart for reads,
writes, uploads and pictures (see app/web/rate_limit.py for who the caller is).

The budgets are GCRA (a token bucket kept as one timestamp per caller): a caller
may spend a whole minute's budget at once, then one more request each
60/budget seconds. Times are whole microseconds, so a budget is exact. With
REDIS_URL the timestamps live in Redis, updated by one atomic script on Redis's
own clock, so every app process and replica shares them; without it they live in
this process (each worker counts on its own).
"""

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

WINDOW_US = 60_000_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until one more request is allowed
    by_guard: bool = False  # refused because the guard bucket was full


# A second bucket the request spends from too (the address's budget for wrong
# keys): both must have room, else neither is spent.
Guard = tuple[str, int]


def _decide(tat: int, now: int, per_minute: int) -> tuple[Verdict, int]:
    """GCRA in microseconds: the verdict and the caller's new theoretical arrival time."""
    new_tat = max(tat, now) + WINDOW_US // per_minute
    if new_tat - now > WINDOW_US:
        return Verdict(False, (new_tat - now - WINDOW_US) / 1_000_000), tat
    return Verdict(True), new_tat


class Limiter(Protocol):
    async def hit(self, bucket: str, per_minute: int, *, guard: Guard | None = None) -> Verdict: ...

    async def aclose(self) -> None: ...


class LocalLimiter:
    """Budgets in this process's memory; forgotten callers are dropped as it grows."""

    def __init__(self) -> None:
        self._tat: dict[str, int] = {}

    async def hit(self, bucket: str, per_minute: int, *, guard: Guard | None = None) -> Verdict:
        now = time.monotonic_ns() // 1000
        if len(self._tat) > 100_000:
            # A timestamp in the past means a full budget: the same as no entry.
            self._tat = {key: tat for key, tat in self._tat.items() if tat > now}
        spent: dict[str, int] = {}
        if guard:
            guarded, spent[guard[0]] = _decide(self._tat.get(guard[0], 0), now, guard[1])
            if not guarded.allowed:
                return Verdict(False, guarded.retry_after, by_guard=True)
        verdict, spent[bucket] = _decide(self._tat.get(bucket, 0), now, per_minute)
        if verdict.allowed:
            self._tat.update(spent)
        return verdict

    async def aclose(self) -> None:
        self._tat.clear()


# KEYS[1]: the caller's bucket; ARGV[1]: its budget a minute; KEYS[2], ARGV[2]
# (optional): a guard bucket and its budget, spent only together with the first.
# Returns the microseconds to wait ("0": allowed), prefixed "g" when the guard is
# full. The arithmetic of _decide, in whole microseconds (exact in Lua's doubles
# until the year 2255). One script, so a guarded request is one round trip.
_GCRA = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window = 60000000
local function wait(key, per_minute)
  local tat = tonumber(redis.call('GET', key) or '0')
  local new_tat = math.max(tat, now) + math.floor(window / per_minute)
  return new_tat - now - window, new_tat
end
local function spend(key, new_tat)
  local ttl_ms = math.ceil((new_tat - now) / 1000)
  redis.call('SET', key, string.format('%.0f', new_tat), 'PX', ttl_ms)
end
local guard_tat
if KEYS[2] then
  local guard_wait
  guard_wait, guard_tat = wait(KEYS[2], tonumber(ARGV[2]))
  if guard_wait > 0 then
    return 'g' .. string.format('%.0f', guard_wait)
  end
end
local over, new_tat = wait(KEYS[1], tonumber(ARGV[1]))
if over > 0 then
  return string.format('%.0f', over)
end
spend(KEYS[1], new_tat)
if guard_tat then
  spend(KEYS[2], guard_tat)
end
return '0'
"""

# After Redis fails, requests go unlimited for this long without asking it again,
# so a stalled Redis costs one timeout, not one per request.
_BACK_OFF_SECONDS = 10.0


class RedisLimiter:
    """Budgets shared by every process that uses the same Redis. If Redis fails,
    requests are let through (better unlimited for a while than refused) and
    Redis is left alone for a few seconds; the failure is logged once."""

    def __init__(self, url: str, max_connections: int = 50) -> None:
        # A blocking pool: a flood waits a moment for a connection instead of
        # finding none, failing, and being let through unlimited.
        pool = BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=2, socket_timeout=1,
            socket_connect_timeout=1,
        )  # fmt: skip
        self._redis = Redis(connection_pool=pool)
        self._script = self._redis.register_script(_GCRA)
        self._skip_until = 0.0

    async def hit(self, bucket: str, per_minute: int, *, guard: Guard | None = None) -> Verdict:
        if time.monotonic() < self._skip_until:
            return Verdict(True)
        keys = [f"microblog:rate:{bucket}"]
        args = [per_minute]
        if guard:
            keys.append(f"microblog:rate:{guard[0]}")
            args.append(guard[1])
        try:
            answer = (await self._script(keys=keys, args=args)).decode()
        except (RedisError, OSError) as error:
            self._skip_until = time.monotonic() + _BACK_OFF_SECONDS
            logger.warning(
                "rate limits not applied for %.0f s, Redis failed: %r", _BACK_OFF_SECONDS, error
            )
            return Verdict(True)
        by_guard = answer.startswith("g")
        wait_us = int(answer.removeprefix("g"))
        return Verdict(wait_us <= 0, wait_us / 1_000_000, by_guard)

    async def aclose(self) -> None:
        await self._redis.aclose()


def create_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else LocalLimiter()
