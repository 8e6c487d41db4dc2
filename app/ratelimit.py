"""Fixed-window counters in Redis (login attempts; holds later)."""

from __future__ import annotations

from redis.asyncio import Redis

from app.errors import RateLimited


async def count_attempt(redis: Redis, key: str, *, limit: int, window_seconds: int, message: str) -> None:
    """Count one attempt; past `limit` within the window raise RateLimited (counted before any work is done)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window_seconds, nx=True)  # starts the window; EXPIRE NX needs Redis 7
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    if count > limit:
        retry_after = max(int(ttl), 1)
        minutes = (retry_after + 59) // 60
        raise RateLimited(f"{message} Try again in {minutes} minute{'s' if minutes != 1 else ''}.", retry_after)


async def reset(redis: Redis, key: str) -> None:
    await redis.delete(key)
