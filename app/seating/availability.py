"""What buyers and organizers see of inventory: seat and area states, a cart's contents. Reads only; every
status is the one buyers see (an expired hold is available), computed by the SQL rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.seating.models import AreaHold, EventArea, EventSeat, SeatStatus
from app.seating.rules import area_hold_is_live, seat_hold_is_live, seat_status


@dataclass(frozen=True)
class SeatDetail:
    key: str
    section_name: str
    row_label: str
    number: str
    category: str
    flags: list[str]


@dataclass(frozen=True)
class SeatState:
    key: str
    status: SeatStatus
    category: str
    version: int
    cart_id: uuid.UUID | None


@dataclass(frozen=True)
class AreaState:
    key: str
    name: str
    category: str
    capacity: int
    left: int
    version: int


@dataclass(frozen=True)
class CartPlaces:
    key: str
    name: str
    category: str
    quantity: int
    held_until: datetime


async def seat_states(
    session: AsyncSession, event_id: uuid.UUID, *, unavailable_only: bool = False
) -> tuple[int, list[SeatState]]:
    """Seats with their status (all, or only those not available), and the highest version of any seat (the
    snapshot's `seq`)."""
    status = seat_status().label("effective")
    query = select(EventSeat.key, status, EventSeat.category, EventSeat.version, EventSeat.cart_id).where(
        EventSeat.event_id == event_id
    )
    if unavailable_only:
        query = query.where(EventSeat.status != SeatStatus.AVAILABLE)
    states = [
        SeatState(r.key, SeatStatus(r.effective), r.category, r.version, r.cart_id if r.effective == "held" else None)
        for r in (await session.execute(query.order_by(EventSeat.key))).all()
        if not (unavailable_only and r.effective == SeatStatus.AVAILABLE)
    ]
    if unavailable_only:
        seq = await session.scalar(select(func.max(EventSeat.version)).where(EventSeat.event_id == event_id))
    else:
        seq = max((s.version for s in states), default=0)
    return seq or 0, states


async def seat_details(session: AsyncSession, event_id: uuid.UUID, keys: list[str]) -> list[SeatDetail]:
    if not keys:
        return []
    rows = await session.execute(
        select(
            EventSeat.key,
            EventSeat.section_name,
            EventSeat.row_label,
            EventSeat.number,
            EventSeat.category,
            EventSeat.flags,
        )
        .where(EventSeat.event_id == event_id, EventSeat.key.in_(keys))
        .order_by(EventSeat.section_key, EventSeat.row_index, EventSeat.seat_index)
    )
    return [SeatDetail(r.key, r.section_name, r.row_label, r.number, r.category, list(r.flags)) for r in rows]


async def cart_holds(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID
) -> tuple[list[str], datetime | None]:
    """The seats the cart holds now, and when the first of them lapses."""
    rows = (
        await session.execute(
            select(EventSeat.key, EventSeat.held_until)
            .where(EventSeat.event_id == event_id, EventSeat.cart_id == cart_id, seat_hold_is_live())
            .order_by(EventSeat.key)
        )
    ).all()
    return [r.key for r in rows], min((r.held_until for r in rows), default=None)


def _live_places(event_id: uuid.UUID):
    """Places held right now per area (expired holds excluded, reclaimed or not)."""
    return (
        select(AreaHold.area_key, func.sum(AreaHold.quantity).label("quantity"))
        .where(AreaHold.event_id == event_id, area_hold_is_live())
        .group_by(AreaHold.area_key)
        .subquery()
    )


async def area_states(session: AsyncSession, event_id: uuid.UUID) -> list[AreaState]:
    live = _live_places(event_id)
    rows = await session.execute(
        select(
            EventArea.key,
            EventArea.name,
            EventArea.category,
            EventArea.capacity,
            (EventArea.capacity - EventArea.sold - func.coalesce(live.c.quantity, 0)).label("left"),
            EventArea.version,
        )
        .outerjoin(live, live.c.area_key == EventArea.key)
        .where(EventArea.event_id == event_id)
        .order_by(EventArea.key)
    )
    return [AreaState(r.key, r.name, r.category, r.capacity, r.left, r.version) for r in rows]


async def cart_area_holds(session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID) -> list[CartPlaces]:
    rows = await session.execute(
        select(EventArea.key, EventArea.name, EventArea.category, AreaHold.quantity, AreaHold.held_until)
        .join(AreaHold, (AreaHold.event_id == EventArea.event_id) & (AreaHold.area_key == EventArea.key))
        .where(AreaHold.event_id == event_id, AreaHold.cart_id == cart_id, area_hold_is_live())
        .order_by(EventArea.key)
    )
    return [CartPlaces(r.key, r.name, r.category, r.quantity, r.held_until) for r in rows]
