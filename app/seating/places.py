"""Places of many events at once (capacity, left, sold) per event and per price tier, for the listing, the event
page and a series' dates: two grouped queries whatever the number of events. Reads only; registered with events
(a lower layer) when the package is imported."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events import availability
from app.events.availability import Places, TierPlaces
from app.events.models import Event
from app.seating.models import AreaHold, EventArea, EventSeat, SeatStatus
from app.seating.rules import area_hold_is_live, seat_status
from app.seating.tiers import tier_category


@dataclass(frozen=True)
class _Counted:
    event_id: uuid.UUID
    category: str
    area_key: str | None  # None: the event's seats of this category
    places: Places


async def _count(session: AsyncSession, event_ids: list[uuid.UUID]) -> list[_Counted]:
    """Seats per category and each standing or general-admission area, as buyers see them (an expired hold is
    available again)."""
    if not event_ids:
        return []
    status = seat_status()
    seats = (
        select(
            EventSeat.event_id,
            EventSeat.category,
            func.count().filter(EventSeat.status != SeatStatus.BLOCKED),
            func.count().filter(status == SeatStatus.AVAILABLE),
            func.count().filter(status == SeatStatus.SOLD),
        )
        .where(EventSeat.event_id.in_(event_ids))
        .group_by(EventSeat.event_id, EventSeat.category)
    )
    live = (
        select(AreaHold.event_id, AreaHold.area_key, func.sum(AreaHold.quantity).label("quantity"))
        .where(AreaHold.event_id.in_(event_ids), area_hold_is_live())
        .group_by(AreaHold.event_id, AreaHold.area_key)
        .subquery()
    )
    held = func.coalesce(live.c.quantity, 0)
    areas = (
        select(EventArea.event_id, EventArea.category, EventArea.key, EventArea.capacity, EventArea.sold, held)
        .outerjoin(live, (live.c.event_id == EventArea.event_id) & (live.c.area_key == EventArea.key))
        .where(EventArea.event_id.in_(event_ids))
    )
    counted = [_Counted(e, c, None, Places(n, left, sold)) for e, c, n, left, sold in await session.execute(seats)]
    counted += [
        _Counted(e, c, key, Places(n, n - sold - taken, sold))
        for e, c, key, n, sold, taken in await session.execute(areas)
    ]
    return counted


def _add(known: Places, more: Places) -> Places:
    return Places(known.capacity + more.capacity, known.left + more.left, known.sold + more.sold)


@availability.on_count_places
async def count_places(session: AsyncSession, event_ids: list[uuid.UUID]) -> dict[uuid.UUID, Places]:
    places: dict[uuid.UUID, Places] = {}
    for row in await _count(session, event_ids):
        places[row.event_id] = _add(places.get(row.event_id, Places(0, 0, 0)), row.places)
    return places


@availability.on_count_tier_places
async def count_tier_places(session: AsyncSession, events: list[Event]) -> dict[uuid.UUID, dict[uuid.UUID, TierPlaces]]:
    """Per event, per tier: the places of the tier's category (tiers of one category share them)."""
    per_category: dict[tuple[uuid.UUID, str], TierPlaces] = {}
    for row in await _count(session, [e.id for e in events]):
        known = per_category.get((row.event_id, row.category), TierPlaces(Places(0, 0, 0)))
        seats_left = known.seats_left + (0 if row.area_key else row.places.left)
        keys = known.area_keys + ((row.area_key,) if row.area_key else ())
        per_category[(row.event_id, row.category)] = TierPlaces(_add(known.places, row.places), seats_left, keys)
    result: dict[uuid.UUID, dict[uuid.UUID, TierPlaces]] = {}
    for event in events:
        categories = {t.id: (event.id, t.seat_category or tier_category(t.id)) for t in event.tiers}
        result[event.id] = {i: per_category[c] for i, c in categories.items() if c in per_category}
    return result
