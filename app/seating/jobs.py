"""SAQ jobs of the seating domain."""

from __future__ import annotations

from typing import Any

from app.live import publish_seat_changes
from app.seating.service import sweep_expired_holds


async def sweep_holds(ctx: dict[str, Any]) -> int:
    """Cron: free expired holds and tell the live maps (safe on several workers: SKIP LOCKED)."""
    released = 0
    async with ctx["sessionmaker"]() as session:
        by_event = await sweep_expired_holds(session)
    for event_id, changes in by_event.items():
        await publish_seat_changes(ctx["redis"], event_id, changes)
        released += len(changes)
    return released
