"""The live seat map's stream: what an SSE viewer receives. New viewers and those that lost track start from a
snapshot; everyone then gets the deltas of committed changes in order, each once. While Redis is away a viewer
still gets the truth from PostgreSQL, and a fresh snapshot when the news comes back."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterator

from litestar.response import ServerSentEventMessage
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.service import get_public_event
from app.live import UNKNOWN, LiveHub, channel, deltas_since, is_stream_id, newer, split_delta
from app.seating.snapshots import SnapshotCache
from app.viewers import KEEPALIVE, KEEPALIVE_SECONDS


async def event_to_stream(session: AsyncSession, slug: str) -> uuid.UUID:
    """The public event's id. Ends the session's transaction: a stream may stay open for hours and must not keep
    a database connection."""
    event_id = (await get_public_event(session, slug, with_tiers=False)).id
    await session.commit()
    return event_id


def _delta(stream_id: str, payload: str) -> ServerSentEventMessage:
    return ServerSentEventMessage(event="delta", id=stream_id, data=payload)


async def _catch_up(
    redis: Redis, snapshots: SnapshotCache, event_id: uuid.UUID, after: str | None, *, taken_after: float | None
) -> AsyncIterator[ServerSentEventMessage]:
    """What the viewer missed since `after`: those deltas, or a snapshot (shared with viewers asking at the same
    moment) plus the deltas recorded after it."""
    missed = await deltas_since(redis, event_id, after) if is_stream_id(after) else None
    if missed is None:
        snapshot = await snapshots.get(event_id, taken_after=taken_after)
        yield ServerSentEventMessage(
            event="snapshot", id=snapshot.stream_id, data=json.dumps(snapshot.payload, separators=(",", ":"))
        )
        known = snapshot.stream_id != UNKNOWN
        missed = (await deltas_since(redis, event_id, snapshot.stream_id) if known else None) or []
    for stream_id, payload in missed:
        yield _delta(stream_id, payload)


async def seat_news(
    redis: Redis, hub: LiveHub, snapshots: SnapshotCache, event_id: uuid.UUID, last_id: str | None
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """Catch up from `last_id` (the deltas missed, or a snapshot), then every delta as it is published."""
    async with hub.listen(channel(event_id)) as queue:  # listen first, then catch up: nothing falls in between
        sent = UNKNOWN
        async for message in _catch_up(redis, snapshots, event_id, last_id, taken_after=None):
            sent = str(message.id)
            yield message
        while True:
            try:
                news = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield KEEPALIVE
                continue
            if news.is_resync:  # this viewer fell behind, or news was lost: start over from the truth
                async for message in _catch_up(redis, snapshots, event_id, None, taken_after=news.at):
                    sent = str(message.id)
                    yield message
                continue
            stream_id, payload = split_delta(news.data)
            if newer(stream_id, sent):
                sent = stream_id
                yield _delta(stream_id, payload)
