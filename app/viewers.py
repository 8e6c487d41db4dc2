"""What the live viewers (SSE streams) of one app process share: a budget of open streams, per process and per
client, and readings (a seat snapshot, the door's numbers) that viewers asking at the same moment take once.

A stream is admitted before it starts and gives its place back however it ends: finished, cancelled when the
browser goes away, or never started at all.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from litestar.response import ServerSentEventMessage

from app.errors import RateLimited

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

RETRY_SECONDS = 30  # what a refused viewer is told to wait; the browser's EventSource retries by itself anyway
KEEPALIVE_SECONDS = 15  # a quiet stream says so this often, so proxies and browsers keep it open
# A comment only: with a data line it would reach the page as an empty message.
KEEPALIVE = ServerSentEventMessage(data=None, comment="keepalive")


class ProcessFull(RateLimited):
    """This process serves as many live streams as it may; the page works, without live updates for now."""

    status_code = 503  # RateLimited carries Retry-After; the limit is the server's, not the client's


class ViewerBudget:
    """One per app process: at most `per_process` open streams, and `per_client` from one client."""

    def __init__(self, *, per_process: int, per_client: int) -> None:
        self.per_process = per_process
        self.per_client = per_client
        self.open = 0
        self.by_client: Counter[str] = Counter()

    def admit(self, client: str, messages: AsyncGenerator[T, None]) -> AsyncIterator[T]:
        """`messages` metered against the budget, or ProcessFull (503) / RateLimited (429) when it is spent."""
        if self.open >= self.per_process:
            raise ProcessFull(
                "This server has as many live viewers as it can take. The page works; live updates resume "
                "by themselves when a place frees up.",
                RETRY_SECONDS,
            )
        if self.by_client[client] >= self.per_client:
            raise RateLimited(
                f"Too many live views are open from your network (the limit is {self.per_client}). Close some "
                "tabs; the page works, only without live updates.",
                RETRY_SECONDS,
            )
        self.open += 1
        self.by_client[client] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.open -= 1
                self.by_client[client] -= 1
                if self.by_client[client] <= 0:
                    del self.by_client[client]

        metered = _metered(messages, release)
        weakref.finalize(metered, release)  # a stream that never started has no `finally` to run
        return metered


async def _metered(messages: AsyncGenerator[T, None], release: Callable[[], None]) -> AsyncIterator[T]:
    try:
        async for message in messages:
            yield message
    finally:
        release()
        await messages.aclose()


class SharedReading(Generic[K, V]):
    """One per app process and kind of reading: one read per key at a time, reused by everyone who asked for a
    reading taken after a given moment (so viewers woken by the same news, or arriving together, share it)."""

    def __init__(self) -> None:
        self.latest: dict[K, tuple[float, V]] = {}
        self.locks: dict[K, asyncio.Lock] = {}

    async def get(
        self,
        key: K,
        read: Callable[[], Awaitable[V]],
        *,
        taken_after: float,
        shareable: Callable[[V], bool] = lambda _: True,
    ) -> V:
        """A reading of `key` started at or after `taken_after` (time.monotonic()); `shareable` says whether a
        fresh one may be handed to others."""
        lock = self.locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self.latest.get(key)
            if cached is not None and cached[0] >= taken_after:
                return cached[1]
            started = time.monotonic()
            value = await read()
            if shareable(value):
                self.latest[key] = (started, value)
            else:
                self.latest.pop(key, None)
            return value
