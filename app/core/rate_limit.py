"""Request budgets: so many requests a minute per api key (per client address when
there is no key), counted apart for reads, writes and uploads.

The budgets are GCRA (a token bucket kept as one timestamp per caller): a caller
may spend a whole minute's budget at once, then one more request each
60/budget seconds. With REDIS_URL the timestamps live in Redis, updated by one
atomic script with Redis's own clock, so every app process and replica shares
them; without it they live in this process (each worker counts on its own).
"""

import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until one more request is allowed


def _decide(tat: float, now: float, per_minute: int) -> tuple[Verdict, float]:
    """GCRA: the verdict and the caller's new theoretical arrival time."""
    interval = WINDOW_SECONDS / per_minute
    new_tat = max(tat, now) + interval
    if new_tat - now > WINDOW_SECONDS:
        return Verdict(False, new_tat - now - WINDOW_SECONDS), tat
    return Verdict(True), new_tat


class Limiter(Protocol):
    async def hit(self, bucket: str, per_minute: int) -> Verdict: ...

    async def aclose(self) -> None: ...


class LocalLimiter:
    """Budgets in this process's memory; forgotten callers are dropped as it grows."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}

    async def hit(self, bucket: str, per_minute: int) -> Verdict:
        now = time.monotonic()
        if len(self._tat) > 100_000:
            # A timestamp in the past means a full budget: the same as no entry.
            self._tat = {key: tat for key, tat in self._tat.items() if tat > now}
        verdict, self._tat[bucket] = _decide(self._tat.get(bucket, 0.0), now, per_minute)
        return verdict

    async def aclose(self) -> None:
        self._tat.clear()


# KEYS[1]: the caller's bucket; ARGV[1]: its budget a minute. Returns the seconds to
# wait as a string ("0" when allowed). Same arithmetic as _decide, on Redis's clock.
_GCRA = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local interval = 60 / tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local new_tat = math.max(tat, now) + interval
if new_tat - now > 60 then
  return tostring(new_tat - now - 60)
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000))
return '0'
"""


class RedisLimiter:
    """Budgets shared by every process that uses the same Redis."""

    def __init__(self, url: str) -> None:
        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_GCRA)

    async def hit(self, bucket: str, per_minute: int) -> Verdict:
        wait = float(await self._script(keys=[f"microblog:rate:{bucket}"], args=[per_minute]))
        return Verdict(wait <= 0, wait)

    async def aclose(self) -> None:
        await self._redis.aclose()


def create_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else LocalLimiter()
