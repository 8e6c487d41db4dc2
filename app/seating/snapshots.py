"""Snapshots of an event's live seat states: what a new viewer, or one that lost track, starts from.

A snapshot lists only what is not available (everything else is), with versions, holder tags and the places left
in standing areas. When a thousand viewers connect in the same second, each process builds one snapshot and shares
it for up to a second; every viewer then replays the deltas recorded after it from the Redis stream, so a shared
snapshot is never stale.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.live import latest_delta_id
from app.seating.availability import AreaState, area_states, seat_states
from app.seating.carts import holder_tag

SHARE_SECONDS = 1.0


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
    stream_id: str  # the delta stream's head when the snapshot was taken: replay everything after it
    payload: dict
    taken_at: float


class SnapshotCache:
    """One per app process."""

    def __init__(self, redis: Redis, sessionmaker: async_sessionmaker[AsyncSession], secret_key: str) -> None:
        self.redis = redis
        self.sessionmaker = sessionmaker
        self.secret_key = secret_key
        self.latest: dict[uuid.UUID, Snapshot] = {}
        self.locks: dict[uuid.UUID, asyncio.Lock] = {}

    async def get(self, event_id: uuid.UUID) -> Snapshot:
        lock = self.locks.setdefault(event_id, asyncio.Lock())
        async with lock:  # viewers arriving together wait for one snapshot instead of each taking their own
            cached = self.latest.get(event_id)
            if cached is not None and time.monotonic() - cached.taken_at < SHARE_SECONDS:
                return cached
            return await self.fresh(event_id)

    async def fresh(self, event_id: uuid.UUID) -> Snapshot:
        head = await latest_delta_id(self.redis, event_id)  # read the head first: the snapshot is at least as new
        async with self.sessionmaker() as session:
            payload = await snapshot_payload(session, self.secret_key, event_id)
        snapshot = Snapshot(head, payload, time.monotonic())
        self.latest[event_id] = snapshot
        return snapshot
