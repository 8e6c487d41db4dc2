"""Live news over Redis: seat deltas published after commit, and the hub that gives every process one subscription
per channel, whatever the number of viewers.

Each seat delta is appended to a capped Redis stream (for replay after a reconnect) and published on the event's
channel in one Lua call. Every app process runs one LiveHub: one Redis connection of its own, subscribed to every
channel that has viewers here, fanned out to in-process queues (never a Redis connection per browser).

Redis carries news, never the truth. When it is away, publishing fails soft (the sale stands), reads of the stream
say "unknown" (viewers get a snapshot from PostgreSQL), and the hub reconnects by itself and then tells every
viewer RESYNC. News this process failed to publish is made impossible to replay across (see forget_lost_news).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
REPLAY_DEPTH = 5000  # deltas kept per event for Last-Event-ID catch-up; older reconnects get a snapshot
QUEUE_DEPTH = 2000  # a viewer this far behind is resynchronised with a snapshot instead
RESYNC = "resync"  # to a viewer: start over from the truth (also published when news was lost)
UNKNOWN = "0-0"  # a point in the delta stream before everything: a viewer starting there gets a snapshot
REDIS_WAIT_SECONDS = 1.0  # a Redis that hangs must not hang the request that only wanted to tell the news
HEARTBEAT_SECONDS = 5.0  # the hub pings when its connection was quiet this long, and gives up after as long again
CONFIRM_SECONDS = 2.0  # how long a new viewer waits for Redis to confirm its channel's subscription
RECONNECT_SECONDS = 0.5

_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[1])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
return id
"""

_FORGET = """
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', KEYS[2], ARGV[1])
"""

# Events whose news this process could not publish; cleared once forget_lost_news has told Redis.
_lost_news: set[uuid.UUID] = set()


@dataclass(frozen=True)
class SeatChange:
    key: str
    status: str
    v: int
    by: str | None = None  # holder tag of the cart that holds it, so a page can tell its own holds
    left: int | None = None  # standing areas only: places still free ("sold" once none are)


@dataclass(frozen=True)
class News:
    """What a viewer's queue receives: a message published on its channel, or RESYNC."""

    data: str
    at: float  # time.monotonic() when the hub received it: a reading started later reflects it

    @property
    def is_resync(self) -> bool:
        return self.data == RESYNC


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


def split_delta(message: str) -> tuple[str, str]:
    """(stream id, payload) of a delta as published on an event's seat channel."""
    stream_id, _, payload = message.partition(" ")
    return stream_id, payload


async def publish_seat_changes(redis: Redis, event_id: uuid.UUID, changes: list[SeatChange]) -> str | None:
    """Announce committed changes. A Redis failure loses only the news: the sale stands, pages resync later."""
    if not changes:
        return None
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            await forget_lost_news(redis)
            stream_id = await redis.eval(
                _PUBLISH, 2, stream(event_id), channel(event_id), delta_payload(changes), REPLAY_DEPTH
            )
    except (RedisError, OSError, TimeoutError) as exc:
        _lost_news.add(event_id)
        log.warning(
            "seat changes not announced: Redis unavailable; live maps resync when it answers",
            extra={"event_id": str(event_id), "error": type(exc).__name__},
        )
        return None
    return stream_id.decode() if isinstance(stream_id, bytes) else stream_id


async def forget_lost_news(redis: Redis) -> None:
    """For each event whose news this process failed to publish: drop its delta stream, so a reconnect cannot
    replay across the gap (it gets a snapshot), and tell every process's viewers of it to resync."""
    for event_id in list(_lost_news):
        await redis.eval(_FORGET, 2, stream(event_id), channel(event_id), RESYNC)
        _lost_news.discard(event_id)


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
    """Where the event's delta stream stands now (a snapshot taken after this point is complete up to it), or
    UNKNOWN when Redis does not answer."""
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            entries = await redis.xrevrange(stream(event_id), count=1)
            if entries:
                return entries[0][0].decode()
            # An empty stream gets a marker entry, so a later reconnect can prove it missed nothing since.
            marker = await redis.xadd(stream(event_id), {"d": ""}, maxlen=REPLAY_DEPTH, approximate=True)
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("live position unknown: Redis unavailable", extra={"error": type(exc).__name__})
        return UNKNOWN
    return marker.decode() if isinstance(marker, bytes) else marker


async def deltas_since(redis: Redis, event_id: uuid.UUID, last_id: str) -> list[tuple[str, str]] | None:
    """The deltas after `last_id`, or None when some may be gone (trimmed, lost, or Redis does not answer), so a
    snapshot is needed."""
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            oldest = await redis.xrange(stream(event_id), count=1)
            if not oldest or _stream_order(oldest[0][0].decode()) > _stream_order(last_id):
                return None
            entries = await redis.xrange(stream(event_id), min=f"({last_id}")
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("missed seat changes unknown: Redis unavailable", extra={"error": type(exc).__name__})
        return None
    return [(entry_id.decode(), fields[b"d"].decode()) for entry_id, fields in entries if fields[b"d"]]


def newer(stream_id: str, than: str) -> bool:
    return _stream_order(stream_id) > _stream_order(than)


class LiveHub:
    """One per app process. Queues get each message published on their channel, or RESYNC after the hub lost its
    connection, or when the viewer fell QUEUE_DEPTH messages behind."""

    def __init__(self, redis_url: str) -> None:
        # A client of its own whose connection never reconnects silently: every interruption must be seen here,
        # since news published meanwhile is lost and viewers must resync.
        self.redis = Redis.from_url(redis_url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=CONFIRM_SECONDS)
        self.listeners: dict[str, set[asyncio.Queue[News]]] = {}
        self.confirmed: dict[str, asyncio.Event] = {}  # per channel: Redis confirmed the subscription
        self.pubsub: PubSub | None = None  # None while Redis is away
        self.connected = asyncio.Event()  # subscribed to every watched channel
        self.interrupted = False  # Redis went away (or never answered): every viewer resyncs when it is back
        self.reader: asyncio.Task | None = None

    @asynccontextmanager
    async def listen(self, name: str) -> AsyncIterator[asyncio.Queue[News]]:
        """A queue of the channel's messages. Once this is entered, nothing published on the channel is missed
        (or RESYNC says so), even when Redis is away right now."""
        queue: asyncio.Queue[News] = asyncio.Queue(maxsize=QUEUE_DEPTH)
        viewers = self.listeners.setdefault(name, set())
        viewers.add(queue)
        if self.reader is None or self.reader.done():
            self._start_reader()
        if name not in self.confirmed:
            self.confirmed[name] = asyncio.Event()
            await self._command("subscribe", name)
        if not self.interrupted:
            try:
                await asyncio.wait_for(self._confirmation(name), CONFIRM_SECONDS)
            except TimeoutError:
                self.interrupted = True  # this viewer did not wait for the subscription: it resyncs once it is made
        try:
            yield queue
        finally:
            viewers.discard(queue)
            if not viewers and self.listeners.get(name) is viewers:
                del self.listeners[name]
                self.confirmed.pop(name, None)
                await self._command("unsubscribe", name)

    async def _confirmation(self, name: str) -> None:
        await self.connected.wait()
        if event := self.confirmed.get(name):
            await event.wait()

    async def _command(self, command: str, name: str) -> None:
        pubsub = self.pubsub
        if pubsub is None:  # the reader subscribes every watched channel when it connects
            return
        try:
            await getattr(pubsub, command)(name)
        except (RedisError, OSError) as exc:
            log.warning("live updates: %s failed; reconnecting", command, extra={"error": type(exc).__name__})
            self._restart()

    def _restart(self) -> None:
        """Start over on a new connection (and resync every viewer): a failed command may have left the current
        one half-subscribed."""
        self.interrupted = True
        self._lost()
        if self.reader is not None:
            self.reader.cancel()
        self._start_reader()

    def _start_reader(self) -> None:
        # A context of its own: the hub serves every viewer, not the request that happened to start it.
        self.reader = asyncio.create_task(self._run(), name="live-hub", context=contextvars.Context())

    async def _run(self) -> None:
        while True:
            pubsub = self.redis.pubsub()
            try:
                await self._connect(pubsub)
                await self._pump(pubsub)
            except (RedisError, OSError, TimeoutError) as exc:
                if not self.interrupted:
                    log.warning("live updates lost Redis; reconnecting", extra={"error": type(exc).__name__})
                self.interrupted = True
                self._lost()
                await asyncio.sleep(RECONNECT_SECONDS)
            finally:
                with suppress(RedisError, OSError):
                    await pubsub.aclose()

    async def _connect(self, pubsub: PubSub) -> None:
        """Subscribe every watched channel and wait for Redis to confirm them; then, after an interruption, tell
        other processes' viewers about news lost here and every viewer here to resync."""
        async with asyncio.timeout(CONFIRM_SECONDS):
            await pubsub.connect()
            self.pubsub = pubsub  # from here on, channels watched for the first time subscribe themselves
            self.confirmed = {name: asyncio.Event() for name in self.listeners}
            if self.confirmed:
                await pubsub.subscribe(*self.confirmed)
            while not all(event.is_set() for event in self.confirmed.values()):
                self._dispatch(await pubsub.get_message(timeout=CONFIRM_SECONDS))
            await forget_lost_news(self.redis)
        self.connected.set()
        if self.interrupted:
            log.info("live updates reconnected to Redis; viewers resync")
            self.interrupted = False
            for viewers in self.listeners.values():
                for queue in viewers:
                    _replace_with_resync(queue)

    async def _pump(self, pubsub: PubSub) -> None:
        pinged_at: float | None = None
        while True:
            message = await pubsub.get_message(timeout=HEARTBEAT_SECONDS)
            if message is not None:
                pinged_at = None
                self._dispatch(message)
            elif pinged_at is None:
                await pubsub.ping()
                pinged_at = time.monotonic()
            elif time.monotonic() - pinged_at > HEARTBEAT_SECONDS:
                raise TimeoutError("Redis did not answer the live hub's ping")

    def _dispatch(self, message: dict | None) -> None:
        if message is None:
            return
        if message["type"] == "subscribe":
            if event := self.confirmed.get(message["channel"].decode()):
                event.set()
        elif message["type"] == "message":
            news = News(message["data"].decode(), time.monotonic())
            for queue in list(self.listeners.get(message["channel"].decode(), ())):
                try:
                    queue.put_nowait(news)
                except asyncio.QueueFull:
                    _replace_with_resync(queue)

    def _lost(self) -> None:
        # Viewers waiting for a confirmation give up after CONFIRM_SECONDS; RESYNC follows the reconnect.
        self.pubsub = None
        self.connected.clear()

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with suppress(asyncio.CancelledError):
                await self.reader
        with suppress(RedisError, OSError):
            await self.redis.aclose()


def _replace_with_resync(queue: asyncio.Queue[News]) -> None:
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(News(RESYNC, time.monotonic()))
