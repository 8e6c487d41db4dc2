"""Fixed-window counters in Redis (logins, seat holds, checkout, payments, promo codes, seat lists): one atomic
script call per request.

They fail open: when Redis does not answer, the request proceeds and a warning is logged. PostgreSQL decides every
sale and its limits (app/seating/sql), so losing Redis loses abuse protection for a while, never a sale.

Use: `await ratelimit.enforce(redis, key, limit, window_seconds, message)`. A limit of 0 is no limit. Keys start
with the kind of limit (`checkout:net:...`); the prefix is what the warning logs (keys may hold addresses).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.errors import RateLimited

log = logging.getLogger(__name__)

# A Redis that hangs must not hang the request: past this wait the attempt is let through uncounted.
REDIS_WAIT_SECONDS = 1.0

# Counts one attempt on every key and returns [count, ttl, count, ttl, ...]; the first attempt starts the window.
_COUNT = """
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  out[#out + 1] = count
  out[#out + 1] = redis.call('TTL', key)
end
return out
"""

# Takes one attempt back from a live window only (a lapsed key must not come back without its expiry).
_FORGIVE = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int  # attempts allowed per window; 0 means no limit
    message: str  # what was limited, e.g. "Too many seat requests from your network."


async def count_attempts(redis: Redis, limits: list[Limit], *, window_seconds: int) -> None:
    """Count one attempt against each limit; past any limit within the window raise RateLimited saying what the
    limit is and when to retry (counted before any work is done, so a refused request still counts)."""
    limits = [limit for limit in limits if limit.limit > 0]
    if not limits:
        return
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            counted = await redis.eval(_COUNT, len(limits), *(limit.key for limit in limits), window_seconds)
    except (RedisError, OSError, TimeoutError) as exc:
        _warn_open(limits[0].key, exc)
        return
    for n, limit in enumerate(limits):
        count, ttl = counted[2 * n], max(int(counted[2 * n + 1]), 1)
        if count > limit.limit:
            raise RateLimited(
                f"{limit.message} The limit is {limit.limit} per {duration(window_seconds)}. "
                f"Try again in {duration(ttl)}.",
                ttl,
            )


async def enforce(redis: Redis, key: str, limit: int, window_seconds: int, message: str) -> None:
    """Count one attempt on `key`; the attempt past `limit` within the window raises RateLimited (429)."""
    await count_attempts(redis, [Limit(key, limit, message)], window_seconds=window_seconds)


async def count_attempt(redis: Redis, key: str, *, limit: int, window_seconds: int, message: str) -> None:
    await enforce(redis, key, limit, window_seconds, message)


async def forgive(redis: Redis, key: str) -> None:
    """Take one counted attempt back (a guess counted as a failure before it was checked turned out right)."""
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            await redis.eval(_FORGIVE, 1, key)
    except (RedisError, OSError, TimeoutError) as exc:
        _warn_open(key, exc)


async def reset(redis: Redis, key: str) -> None:
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            await redis.delete(key)
    except (RedisError, OSError, TimeoutError) as exc:
        _warn_open(key, exc)


def _warn_open(key: str, exc: BaseException) -> None:
    log.warning(
        "rate limit not counted, request let through: Redis unavailable",
        extra={"limit": key.split(":", 1)[0], "error": type(exc).__name__},
    )


def duration(seconds: int) -> str:
    """'40 seconds', '15 minutes', '2 hours': a wait or a window as people say it."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 3600 or seconds % 3600:
        minutes = (seconds + 59) // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = seconds // 3600
    return f"{hours} hour{'s' if hours != 1 else ''}"
