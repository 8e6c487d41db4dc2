"""SAQ jobs of the seating domain."""

from __future__ import annotations

from typing import Any

from app.live import publish_seat_changes
from app.seating.expiry import sweep_expired_area_holds, sweep_expired_holds


async def sweep_holds(ctx: dict[str, Any]) -> int:
    """Cron: free expired seat holds and standing places, and tell the live maps (safe on several workers:
    SKIP LOCKED)."""
    released = 0
    async with ctx["sessionmaker"]() as session:
        seats = await sweep_expired_holds(session)
        areas = await sweep_expired_area_holds(session)
    for event_id in seats.keys() | areas.keys():
        changes = seats.get(event_id, []) + areas.get(event_id, [])
        await publish_seat_changes(ctx["redis"], event_id, changes)
        released += len(changes)
    return released
