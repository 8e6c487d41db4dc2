"""Server-side sessions in Redis that fail soft: while Redis is away, a session read finds nothing (the visitor is
anonymous for that request, the cookie is kept) and a write is dropped with a warning, so pages answer instead of
failing with 500. Sales need no session: carts and orders are signed tokens, CSRF is a cookie, PostgreSQL decides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from litestar.stores.redis import RedisStore
from redis.exceptions import RedisError

T = TypeVar("T")
log = logging.getLogger(__name__)
REDIS_WAIT_SECONDS = 1.0  # a Redis that hangs must not hang every page


async def _fail_soft(action: str, call: Awaitable[T], default: T) -> T:
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            return await call
    except (RedisError, OSError, TimeoutError) as exc:
        # Never the key: it is the session id, as good as a password.
        log.warning("session %s skipped: Redis unavailable", action, extra={"error": type(exc).__name__})
        return default


class FailSoftRedisStore(RedisStore):
    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await _fail_soft("read", super().get(key, renew_for), None)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await _fail_soft("write", super().set(key, value, expires_in), None)

    async def delete(self, key: str) -> None:
        await _fail_soft("delete", super().delete(key), None)

    async def exists(self, key: str) -> bool:
        return await _fail_soft("lookup", super().exists(key), False)

    async def expires_in(self, key: str) -> int | None:
        return await _fail_soft("lookup", super().expires_in(key), None)
