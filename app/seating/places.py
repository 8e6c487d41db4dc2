"""Places of several events at once (capacity, left, sold), for a series' list of dates. Reads only; registered
with events (a lower layer) when the package is imported."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events import series_public as series
from app.seating.models import AreaHold, EventArea, EventSeat, SeatStatus
from app.seating.rules import area_hold_is_live, seat_status


@series.on_count_places
async def count_places(session: AsyncSession, event_ids: list[uuid.UUID]) -> dict[uuid.UUID, series.Places]:
    """Seats and standing places per event as buyers see them (an expired hold is available again)."""
    if not event_ids:
        return {}
    status = seat_status()
    seats = (
        select(
            EventSeat.event_id,
            func.count().filter(EventSeat.status != SeatStatus.BLOCKED),
            func.count().filter(status == SeatStatus.AVAILABLE),
            func.count().filter(status == SeatStatus.SOLD),
        )
        .where(EventSeat.event_id.in_(event_ids))
        .group_by(EventSeat.event_id)
    )
    live = (
        select(AreaHold.event_id, func.sum(AreaHold.quantity).label("quantity"))
        .where(AreaHold.event_id.in_(event_ids), area_hold_is_live())
        .group_by(AreaHold.event_id)
        .subquery()
    )
    sold = func.sum(EventArea.sold)
    areas = (
        select(EventArea.event_id, func.sum(EventArea.capacity), sold, func.max(func.coalesce(live.c.quantity, 0)))
        .outerjoin(live, live.c.event_id == EventArea.event_id)
        .where(EventArea.event_id.in_(event_ids))
        .group_by(EventArea.event_id)
    )
    places: dict[uuid.UUID, series.Places] = {}
    for event_id, capacity, left, sold_seats in await session.execute(seats):
        places[event_id] = series.Places(capacity, left, sold_seats)
    for event_id, capacity, sold_places, held in await session.execute(areas):
        known = places.get(event_id, series.Places(0, 0, 0))
        places[event_id] = series.Places(
            known.capacity + capacity, known.left + capacity - sold_places - held, known.sold + sold_places
        )
    return places
