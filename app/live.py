"""Live seat news over Redis: publishing deltas after commit, and one subscription per event per process.

Each delta is appended to a capped Redis stream (for replay after a reconnect) and published on the event's
channel in one Lua call. Every app process runs one LiveHub: one pub/sub connection, one subscription per event
that has viewers here, fanned out to in-process queues (never a Redis connection per browser).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
REPLAY_DEPTH = 5000  # deltas kept per event for Last-Event-ID catch-up; older reconnects get a snapshot
QUEUE_DEPTH = 2000  # a viewer this far behind is resynchronised with a snapshot instead
RESYNC = "resync"

_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[1])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
return id
"""


@dataclass(frozen=True)
class SeatChange:
    key: str
    status: str
    v: int
    by: str | None = None  # holder tag of the cart that holds it, so a page can tell its own holds
    left: int | None = None  # standing areas only: places still free ("sold" once none are)


def channel(event_id: uuid.UUID) -> str:
    return f"usher:event:{event_id}:seats"


def stream(event_id: uuid.UUID) -> str:
    return f"usher:event:{event_id}:deltas"


def delta_payload(changes: list[SeatChange]) -> str:
    return json.dumps(
        {
            "seq": max(c.v for c in changes),
            "changes": [{k: v for k, v in asdict(c).items() if v is not None} for c in changes],
        },
        separators=(",", ":"),
    )


async def publish_seat_changes(redis: Redis, event_id: uuid.UUID, changes: list[SeatChange]) -> str | None:
    """Announce committed changes. A Redis failure loses only the news: the sale stands, pages resync later."""
    if not changes:
        return None
    try:
        stream_id = await redis.eval(
            _PUBLISH, 2, stream(event_id), channel(event_id), delta_payload(changes), REPLAY_DEPTH
        )
    except RedisError:
        log.exception("could not publish seat changes", extra={"event_id": str(event_id)})
        return None
    return stream_id.decode() if isinstance(stream_id, bytes) else stream_id


def _stream_order(stream_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = stream_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def is_stream_id(value: str | None) -> bool:
    if not value or len(value) > 40:
        return False
    try:
        _stream_order(value)
    except ValueError:
        return False
    return True


async def latest_delta_id(redis: Redis, event_id: uuid.UUID) -> str:
    """Where the event's delta stream stands now; a snapshot taken after this point is complete up to it."""
    entries = await redis.xrevrange(stream(event_id), count=1)
    if entries:
        return entries[0][0].decode()
    # An empty stream gets a marker entry, so a later reconnect can prove it missed nothing since.
    marker = await redis.xadd(stream(event_id), {"d": ""}, maxlen=REPLAY_DEPTH, approximate=True)
    return marker.decode() if isinstance(marker, bytes) else marker


async def deltas_since(redis: Redis, event_id: uuid.UUID, last_id: str) -> list[tuple[str, str]] | None:
    """The deltas after `last_id`, or None when some may be gone (trimmed or lost), so a snapshot is needed."""
    oldest = await redis.xrange(stream(event_id), count=1)
    if not oldest or _stream_order(oldest[0][0].decode()) > _stream_order(last_id):
        return None
    entries = await redis.xrange(stream(event_id), min=f"({last_id}")
    return [(entry_id.decode(), fields[b"d"].decode()) for entry_id, fields in entries if fields[b"d"]]


def newer(stream_id: str, than: str) -> bool:
    return _stream_order(stream_id) > _stream_order(than)


class LiveHub:
    """One per app process."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.pubsub = redis.pubsub()
        self.listeners: dict[str, set[asyncio.Queue]] = {}
        self.lock = asyncio.Lock()
        self.reader: asyncio.Task | None = None

    @asynccontextmanager
    async def listen(self, event_id: uuid.UUID) -> AsyncIterator[asyncio.Queue]:
        """A queue receiving (stream_id, payload) for every delta of the event, or RESYNC."""
        name = channel(event_id)
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_DEPTH)
        async with self.lock:
            if name not in self.listeners:
                await self.pubsub.subscribe(name)
                self.listeners[name] = set()
            self.listeners[name].add(queue)
            if self.reader is None or self.reader.done():
                self.reader = asyncio.create_task(self._read(), name="live-hub-reader")
        try:
            yield queue
        finally:
            async with self.lock:
                viewers = self.listeners.get(name)
                if viewers is not None:
                    viewers.discard(queue)
                    if not viewers:
                        del self.listeners[name]
                        try:
                            await self.pubsub.unsubscribe(name)
                        except RedisError:
                            log.warning("unsubscribe failed", exc_info=True)

    def viewer_count(self, event_id: uuid.UUID) -> int:
        return len(self.listeners.get(channel(event_id), ()))

    async def _read(self) -> None:
        while True:
            try:
                message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
            except (RedisError, OSError):
                log.warning("live updates lost their Redis connection; retrying", exc_info=True)
                self._broadcast_resync()
                await asyncio.sleep(1)
                continue
            except RuntimeError:  # nothing subscribed right now
                await asyncio.sleep(0.2)
                continue
            if message is None or message.get("type") != "message":
                continue
            name = message["channel"].decode()
            stream_id, _, payload = message["data"].decode().partition(" ")
            for queue in list(self.listeners.get(name, ())):
                try:
                    queue.put_nowait((stream_id, payload))
                except asyncio.QueueFull:
                    _replace_with_resync(queue)

    def _broadcast_resync(self) -> None:
        for viewers in self.listeners.values():
            for queue in viewers:
                _replace_with_resync(queue)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        with suppress(RedisError):
            await self.pubsub.aclose()


def _replace_with_resync(queue: asyncio.Queue) -> None:
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(RESYNC)
