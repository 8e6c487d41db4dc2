"""Fixed-window counters in Redis (login attempts, seat holds): one atomic script call per request."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from app.errors import RateLimited

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


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int
    message: str


async def count_attempts(redis: Redis, limits: list[Limit], *, window_seconds: int) -> None:
    """Count one attempt against each limit; past any limit within the window raise RateLimited (counted before
    any work is done, so a refused request still counts)."""
    if not limits:
        return
    counted = await redis.eval(_COUNT, len(limits), *(limit.key for limit in limits), window_seconds)
    for n, limit in enumerate(limits):
        count, ttl = counted[2 * n], counted[2 * n + 1]
        if count > limit.limit:
            raise RateLimited(f"{limit.message} Try again in {_wait(max(int(ttl), 1))}.", max(int(ttl), 1))


async def count_attempt(redis: Redis, key: str, *, limit: int, window_seconds: int, message: str) -> None:
    await count_attempts(redis, [Limit(key, limit, message)], window_seconds=window_seconds)


def _wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def reset(redis: Redis, key: str) -> None:
    await redis.delete(key)
