"""Snapshots of an event's live seat states: what a new viewer, or one that lost track, starts from.

A snapshot lists only what is not available (everything else is), with versions, holder tags and the places left
in standing areas. When a thousand viewers connect in the same second, or resync together, each process builds
one snapshot and shares it; every viewer then replays the deltas recorded after it from the Redis stream, so a
shared snapshot is never stale. While Redis is away a snapshot still comes from PostgreSQL, but is not shared (no
replay can complete it).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.live import UNKNOWN, latest_delta_id
from app.seating.availability import AreaState, area_states, seat_states
from app.seating.carts import holder_tag
from app.viewers import SharedReading

SHARE_SECONDS = 1.0  # how old a snapshot a newly arriving viewer may start from (it replays what came after)


async def snapshot_payload(
    db: AsyncSession, secret_key: str, event_id: uuid.UUID, standing: list[AreaState] | None = None
) -> dict:
    """`standing` when the caller has it already (pages that also list the standing areas)."""
    seq, states = await seat_states(db, event_id, unavailable_only=True)
    if standing is None:
        standing = await area_states(db, event_id)
    return {
        "seq": max([seq, *(a.version for a in standing)]),
        "seats": [
            [s.key, s.status, s.version, holder_tag(secret_key, s.cart_id) if s.cart_id else None] for s in states
        ],
        "areas": [[a.key, max(a.left, 0), a.version] for a in standing],
    }


@dataclass(frozen=True)
class Snapshot:
    stream_id: str  # the delta stream's head when the snapshot was taken (UNKNOWN: Redis did not say)
    payload: dict


class SnapshotCache:
    """One per app process."""

    def __init__(self, redis: Redis, sessionmaker: async_sessionmaker[AsyncSession], secret_key: str) -> None:
        self.redis = redis
        self.sessionmaker = sessionmaker
        self.secret_key = secret_key
        self.shared: SharedReading[uuid.UUID, Snapshot] = SharedReading()

    async def get(self, event_id: uuid.UUID, *, taken_after: float | None = None) -> Snapshot:
        """A snapshot started after `taken_after` (time.monotonic()), by default one at most SHARE_SECONDS old."""
        if taken_after is None:
            taken_after = time.monotonic() - SHARE_SECONDS
        return await self.shared.get(
            event_id,
            lambda: self._take(event_id),
            taken_after=taken_after,
            shareable=lambda snapshot: snapshot.stream_id != UNKNOWN,
        )

    async def _take(self, event_id: uuid.UUID) -> Snapshot:
        head = await latest_delta_id(self.redis, event_id)  # read the head first: the snapshot is at least as new
        async with self.sessionmaker() as session:
            payload = await snapshot_payload(session, self.secret_key, event_id)
        return Snapshot(head, payload)
