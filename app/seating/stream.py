"""The live seat map's stream: what an SSE viewer receives. New viewers and those that lost track start from a
snapshot; everyone then gets the deltas of committed changes in order, each once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

from litestar.response import ServerSentEventMessage
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.service import get_public_event
from app.live import RESYNC, LiveHub, deltas_since, is_stream_id, newer
from app.seating.snapshots import SnapshotCache

KEEPALIVE_SECONDS = 15


async def event_to_stream(session: AsyncSession, slug: str) -> uuid.UUID:
    """The public event's id. Ends the session's transaction: a stream may stay open for hours and must not keep
    a database connection."""
    event_id = (await get_public_event(session, slug, with_tiers=False)).id
    await session.commit()
    return event_id


def _delta(stream_id: str, payload: str) -> ServerSentEventMessage:
    return ServerSentEventMessage(event="delta", id=stream_id, data=payload)


async def _catch_up(
    redis: Redis, snapshots: SnapshotCache, event_id: uuid.UUID, after: str | None, *, fresh: bool = False
) -> AsyncIterator[ServerSentEventMessage]:
    """What the viewer missed since `after`: those deltas, or a snapshot (shared with viewers arriving in the
    same second) plus the deltas recorded after it."""
    missed = await deltas_since(redis, event_id, after) if is_stream_id(after) else None
    if missed is None:
        snapshot = await (snapshots.fresh(event_id) if fresh else snapshots.get(event_id))
        yield ServerSentEventMessage(
            event="snapshot", id=snapshot.stream_id, data=json.dumps(snapshot.payload, separators=(",", ":"))
        )
        missed = await deltas_since(redis, event_id, snapshot.stream_id) or []
    for stream_id, payload in missed:
        yield _delta(stream_id, payload)


async def seat_news(
    redis: Redis, hub: LiveHub, snapshots: SnapshotCache, event_id: uuid.UUID, last_id: str | None
) -> AsyncIterator[ServerSentEventMessage]:
    """Catch up from `last_id` (the deltas missed, or a snapshot), then every delta as it is published."""
    async with hub.listen(event_id) as queue:  # listen first, then catch up: nothing falls in between
        sent = "0-0"
        async for message in _catch_up(redis, snapshots, event_id, last_id):
            sent = str(message.id)
            yield message
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ServerSentEventMessage(comment="keepalive")
                continue
            if item == RESYNC:  # this viewer fell behind or Redis blinked: start over from the truth
                async for message in _catch_up(redis, snapshots, event_id, None, fresh=True):
                    sent = str(message.id)
                    yield message
                continue
            stream_id, payload = item
            if newer(stream_id, sent):
                sent = stream_id
                yield _delta(stream_id, payload)
