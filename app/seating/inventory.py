"""An event's seat inventory: created from its frozen layout when it is published, counted for organizers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Subquery, case, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import Event
from app.seating.models import EventArea, EventSeat
from app.seating.service import SeatDetail, seat_details
from app.venues.models import SeatLayoutVersion
from app.venues.seatmap import SeatMap, parse


@dataclass(frozen=True)
class InventoryCount:
    category: str
    available: int
    held: int
    sold: int
    blocked: int


async def inventory_counts(session: AsyncSession, event_id: uuid.UUID) -> list[InventoryCount]:
    """Seats per category and effective status (an expired hold counts as available)."""
    effective = case(
        (
            (EventSeat.status == "held") & (EventSeat.held_until <= func.now()),
            literal("available"),
        ),
        else_=EventSeat.status,
    ).label("effective")
    rows = (
        await session.execute(
            select(EventSeat.category, effective, func.count())
            .where(EventSeat.event_id == event_id)
            .group_by(EventSeat.category, effective)
        )
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for category, status, count in rows:
        counts.setdefault(category, {})[status] = count
    return [
        InventoryCount(category, c.get("available", 0), c.get("held", 0), c.get("sold", 0), c.get("blocked", 0))
        for category, c in sorted(counts.items())
    ]


async def blocked_seats(session: AsyncSession, event_id: uuid.UUID) -> list[SeatDetail]:
    keys = await session.scalars(
        select(EventSeat.key).where(EventSeat.event_id == event_id, EventSeat.status == "blocked")
    )
    return await seat_details(session, event_id, list(keys))


async def layout_of(session: AsyncSession, event: Event) -> SeatMap | None:
    if event.layout_version_id is None:
        return None
    version = await session.get(SeatLayoutVersion, event.layout_version_id)
    return parse(version.document) if version else None


def unpriced_categories(seatmap: SeatMap, event: Event) -> list[str]:
    priced = {t.seat_category for t in event.tiers if t.seat_category}
    used = {seat.category for _, _, seat in seatmap.seats()} | {a.category for a in seatmap.ga_areas}
    names = {c.key: c.name for c in seatmap.categories}
    return sorted(names[c] for c in used - priced)


async def create_inventory(session: AsyncSession, event: Event) -> int:
    """Snapshot the event's layout into one row per seat (once; later layout edits never touch it).
    Runs inside the caller's publish transaction."""
    if event.layout_version_id is None:
        return 0
    if await has_inventory(session, event.id):
        return 0
    seatmap = await layout_of(session, event)
    assert seatmap is not None
    rows = [
        {
            "event_id": event.id,
            "key": seat.key,
            "section_key": section.key,
            "section_name": section.name,
            "row_label": row.label,
            "row_index": r,
            "seat_index": n,
            "number": seat.number,
            "category": seat.category,
            "x": seat.x,
            "y": seat.y,
            "flags": list(seat.flags),
        }
        for section in seatmap.sections
        for r, row in enumerate(section.rows)
        for n, seat in enumerate(row.seats)
    ]
    for start in range(0, len(rows), 2000):
        await session.execute(insert(EventSeat), rows[start : start + 2000])
    if seatmap.ga_areas:
        await session.execute(
            insert(EventArea),
            [
                {"event_id": event.id, "key": a.key, "name": a.name, "category": a.category, "capacity": a.capacity}
                for a in seatmap.ga_areas
            ],
        )
    return len(rows) + sum(a.capacity for a in seatmap.ga_areas)


async def has_inventory(session: AsyncSession, event_id: uuid.UUID) -> bool:
    seat = select(EventSeat.key).where(EventSeat.event_id == event_id).limit(1)
    area = select(EventArea.key).where(EventArea.event_id == event_id).limit(1)
    return await session.scalar(seat.union_all(area).limit(1)) is not None


def section_names(event_id: uuid.UUID) -> Subquery:
    """`(key, section)` of every seat and standing area of the event, for reports that group by section (the
    seat-map format keeps seat and area keys distinct)."""
    seats = select(EventSeat.key, EventSeat.section_name.label("section")).where(EventSeat.event_id == event_id)
    areas = select(EventArea.key, EventArea.name.label("section")).where(EventArea.event_id == event_id)
    return seats.union_all(areas).subquery("sections")
