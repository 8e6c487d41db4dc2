"""The sweeper: expired seat holds and standing places go back on sale and the live maps hear of it. Correctness
never depends on it (an expired hold is free at once); it tidies up and broadcasts. Safe on several workers at
once: rows are claimed with SKIP LOCKED."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.live import SeatChange
from app.seating.areas import move_area_counters, reclaim_expired_places
from app.seating.models import AreaHold, EventArea, EventSeat, SeatStatus, seat_versions
from app.seating.rules import area_hold_has_lapsed, seat_hold_has_lapsed


async def sweep_expired_holds(session: AsyncSession, limit: int = 5000) -> dict[uuid.UUID, list[SeatChange]]:
    """Turn expired seat holds back into available seats and report them per event."""
    claimed = (
        select(EventSeat.event_id, EventSeat.key)
        .where(seat_hold_has_lapsed())
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("claimed")
    )
    released = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == claimed.c.event_id, EventSeat.key == claimed.c.key)
            .values(status=SeatStatus.AVAILABLE, cart_id=None, held_until=None, version=seat_versions.next_value())
            .returning(EventSeat.event_id, EventSeat.key, EventSeat.version)
        )
    ).all()
    await session.commit()
    by_event: dict[uuid.UUID, list[SeatChange]] = {}
    for r in released:
        by_event.setdefault(r.event_id, []).append(SeatChange(r.key, SeatStatus.AVAILABLE, r.version))
    return by_event


async def sweep_expired_area_holds(session: AsyncSession, limit: int = 500) -> dict[uuid.UUID, list[SeatChange]]:
    """Give expired standing places back, area by area; areas busy in another transaction are skipped
    (SKIP LOCKED) and picked up next time."""
    expiring = (
        select(AreaHold.event_id, AreaHold.area_key).where(area_hold_has_lapsed()).distinct().limit(limit).subquery()
    )
    areas = (
        await session.execute(
            select(EventArea.event_id, EventArea.key)
            .join(expiring, (expiring.c.event_id == EventArea.event_id) & (expiring.c.area_key == EventArea.key))
            .order_by(EventArea.event_id, EventArea.key)
            .with_for_update(of=EventArea, skip_locked=True, key_share=True)
        )
    ).all()
    by_event: dict[uuid.UUID, list[SeatChange]] = {}
    for event_id, key in areas:
        reclaimed = await reclaim_expired_places(session, event_id, key)
        if not reclaimed:
            continue
        by_event.setdefault(event_id, []).append(await move_area_counters(session, event_id, key, held=-reclaimed))
    await session.commit()
    return by_event
