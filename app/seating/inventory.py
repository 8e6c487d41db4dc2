"""An event's seat inventory: created from its frozen layout when the event is first published, counted for
organizers, and seats blocked or unblocked by them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Subquery, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.events import service as events
from app.events.models import Event
from app.events.publishing import seat_map_of
from app.live import SeatChange
from app.seating.availability import SeatDetail, seat_details
from app.seating.models import EventArea, EventSeat, SeatStatus, seat_versions
from app.seating.rules import InvalidSeats, SeatsUnavailable, seat_status
from app.seating.tiers import add_tier_areas


@dataclass(frozen=True)
class InventoryCount:
    category: str
    available: int
    held: int
    sold: int
    blocked: int


@events.on_first_publish
async def create_inventory(session: AsyncSession, event: Event) -> int:
    """Snapshot the event's layout into one row per seat and standing area, and give each general-admission tier
    its area (once; later layout edits never touch it). Runs inside the caller's publish transaction."""
    if await has_inventory(session, event.id):
        return 0
    places = await add_tier_areas(session, event.id)
    seatmap = await seat_map_of(session, event)
    if seatmap is None:
        return places
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
    return places + len(rows) + sum(a.capacity for a in seatmap.ga_areas)


@events.on_tier_added
async def add_tier_places(session: AsyncSession, event: Event) -> int:
    """A general-admission tier added to a published event gets its area (safe to repeat)."""
    return await add_tier_areas(session, event.id)


async def has_inventory(session: AsyncSession, event_id: uuid.UUID) -> bool:
    seat = select(EventSeat.key).where(EventSeat.event_id == event_id).limit(1)
    area = select(EventArea.key).where(EventArea.event_id == event_id).limit(1)
    return await session.scalar(seat.union_all(area).limit(1)) is not None


async def inventory_counts(session: AsyncSession, event_id: uuid.UUID) -> list[InventoryCount]:
    """Seats per category and status as buyers see it (an expired hold counts as available)."""
    status = seat_status().label("effective")
    rows = (
        await session.execute(
            select(EventSeat.category, status, func.count())
            .where(EventSeat.event_id == event_id)
            .group_by(EventSeat.category, status)
        )
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for category, effective, count in rows:
        counts.setdefault(category, {})[effective] = count
    return [
        InventoryCount(
            category,
            c.get(SeatStatus.AVAILABLE, 0),
            c.get(SeatStatus.HELD, 0),
            c.get(SeatStatus.SOLD, 0),
            c.get(SeatStatus.BLOCKED, 0),
        )
        for category, c in sorted(counts.items())
    ]


async def blocked_seats(session: AsyncSession, event_id: uuid.UUID) -> list[SeatDetail]:
    keys = await session.scalars(
        select(EventSeat.key).where(EventSeat.event_id == event_id, EventSeat.status == SeatStatus.BLOCKED)
    )
    return await seat_details(session, event_id, list(keys))


async def set_blocked(
    session: AsyncSession, actor: Actor, event: Event, keys: list[str], blocked: bool
) -> list[SeatChange]:
    """House seats and sight-line kills; only available seats can be blocked, only blocked ones unblocked. All
    or nothing, one transaction; safe to repeat only in the sense that a repeat is refused with the seats named."""
    actor.require(event.organization_id, Role.MANAGER)
    wanted = sorted(set(keys))
    if not wanted:
        raise InvalidSeats("Select seats on the map first.")
    rows = (
        await session.execute(
            select(EventSeat.key, seat_status().label("effective"))
            .where(EventSeat.event_id == event.id, EventSeat.key.in_(wanted))
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    if len(rows) != len(wanted):
        found = {r.key for r in rows}
        raise InvalidSeats("Unknown seats: " + ", ".join(k for k in wanted if k not in found))
    source = SeatStatus.AVAILABLE if blocked else SeatStatus.BLOCKED
    if refused := [r.key for r in rows if r.effective != source]:
        reason = "Only available seats can be blocked, not" if blocked else "Only blocked seats can be unblocked, not"
        raise SeatsUnavailable(refused, reason)
    updated = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event.id, EventSeat.key.in_(wanted))
            .values(
                status=SeatStatus.BLOCKED if blocked else SeatStatus.AVAILABLE,
                cart_id=None,
                held_until=None,
                version=seat_versions.next_value(),
            )
            .returning(EventSeat.key, EventSeat.status, EventSeat.version)
        )
    ).all()
    await session.commit()
    return [SeatChange(r.key, r.status, r.version) for r in updated]


def section_names(event_id: uuid.UUID) -> Subquery:
    """`(key, section)` of every seat and standing area of the event, for reports that group by section (the
    seat-map format keeps seat and area keys distinct)."""
    seats = select(EventSeat.key, EventSeat.section_name.label("section")).where(EventSeat.event_id == event_id)
    areas = select(EventArea.key, EventArea.name.label("section")).where(EventArea.event_id == event_id)
    return seats.union_all(areas).subquery("sections")
