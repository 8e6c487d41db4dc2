"""General-admission (standing) areas: held and sold by quantity, never by seat.

A cart holds N places of an area in one row of `area_holds`; the area's `held` counter moves with one conditional
UPDATE (`held + sold + change <= capacity`) and a check constraint backs it. Expired holds count as free at once:
the hold that needs their places reclaims them inside its own transaction, and the sweeper does the rest.

Lock order (shared with seat holds, so nothing deadlocks): cart row, the cart's seats in key order, the area row,
then `area_holds` rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict
from app.events.models import Event
from app.live import SeatChange
from app.seating.models import AreaHold, EventArea, EventSeat, seat_versions
from app.seating.service import InvalidSeats, check_on_sale, lock_cart


class AreaFull(Conflict):
    def __init__(self, name: str, left: int) -> None:
        message = f"{name} is sold out." if left <= 0 else f"Only {left} places are left in {name}."
        super().__init__(message)
        self.left = max(left, 0)


@dataclass(frozen=True)
class AreaState:
    key: str
    name: str
    category: str
    capacity: int
    left: int
    version: int


@dataclass(frozen=True)
class AreaHoldResult:
    quantity: int
    expires_at: datetime | None
    changes: list[SeatChange]


def area_change(key: str, left: int, version: int) -> SeatChange:
    return SeatChange(key, "available" if left > 0 else "sold", version, left=left)


def _live_holds(event_id: uuid.UUID):
    """Places held right now per area (expired holds excluded, reclaimed or not)."""
    return (
        select(AreaHold.area_key, func.sum(AreaHold.quantity).label("quantity"))
        .where(AreaHold.event_id == event_id, AreaHold.held_until > func.now())
        .group_by(AreaHold.area_key)
        .subquery()
    )


async def area_states(session: AsyncSession, event_id: uuid.UUID) -> list[AreaState]:
    live = _live_holds(event_id)
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


@dataclass(frozen=True)
class CartPlaces:
    key: str
    name: str
    category: str
    quantity: int
    held_until: datetime


async def cart_area_holds(session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID) -> list[CartPlaces]:
    rows = await session.execute(
        select(EventArea.key, EventArea.name, EventArea.category, AreaHold.quantity, AreaHold.held_until)
        .join(AreaHold, (AreaHold.event_id == EventArea.event_id) & (AreaHold.area_key == EventArea.key))
        .where(AreaHold.event_id == event_id, AreaHold.cart_id == cart_id, AreaHold.held_until > func.now())
        .order_by(EventArea.key)
    )
    return [CartPlaces(r.key, r.name, r.category, r.quantity, r.held_until) for r in rows]


async def hold_area(
    session: AsyncSession,
    event: Event,
    cart_id: uuid.UUID,
    area_key: str,
    quantity: int,
    *,
    ttl_seconds: int,
    max_seats: int,
) -> AreaHoldResult:
    """Set how many places of the area the cart holds (0 gives them all back). All or nothing."""
    if not 0 <= quantity <= max_seats:
        raise InvalidSeats(f"Choose between 0 and {max_seats} places.", limit=max_seats)
    check_on_sale(event)
    await lock_cart(session, cart_id)
    now = await session.scalar(select(func.now()))
    held_until = now + timedelta(seconds=ttl_seconds)
    # The cart's seats move to the same deadline (locked in key order, as a seat hold would).
    my_seats = (
        await session.scalars(
            select(EventSeat.key)
            .where(
                EventSeat.event_id == event.id,
                EventSeat.cart_id == cart_id,
                EventSeat.status == "held",
                EventSeat.held_until > now,
            )
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    area = (
        await session.execute(
            select(EventArea.name, EventArea.capacity, EventArea.held, EventArea.sold)
            .where(EventArea.event_id == event.id, EventArea.key == area_key)
            .with_for_update(key_share=True)
        )
    ).one_or_none()
    if area is None:
        raise InvalidSeats(f"Unknown area: {area_key}", unknown=[area_key])
    reclaimed = await _reclaim_expired(session, event.id, area_key)
    mine = await session.scalar(
        select(AreaHold.quantity).where(
            AreaHold.event_id == event.id, AreaHold.area_key == area_key, AreaHold.cart_id == cart_id
        )
    )
    mine = mine or 0
    other_places = await session.scalar(
        select(func.coalesce(func.sum(AreaHold.quantity), 0)).where(
            AreaHold.event_id == event.id,
            AreaHold.cart_id == cart_id,
            AreaHold.area_key != area_key,
            AreaHold.held_until > now,
        )
    )
    if len(my_seats) + other_places + quantity > max_seats:
        raise InvalidSeats(
            f"At most {max_seats} tickets per order; you hold {len(my_seats) + other_places} elsewhere.",
            limit=max_seats,
        )
    change = quantity - mine
    moved = await move_area_counters(session, event.id, area_key, held=change - reclaimed, within_capacity=True)
    if moved is None:
        raise AreaFull(area.name, area.capacity - (area.held - reclaimed) - area.sold + mine)
    if quantity:
        await session.execute(
            insert(AreaHold)
            .values(event_id=event.id, area_key=area_key, cart_id=cart_id, quantity=quantity, held_until=held_until)
            .on_conflict_do_update(
                index_elements=[AreaHold.event_id, AreaHold.area_key, AreaHold.cart_id],
                set_={"quantity": quantity, "held_until": held_until},
            )
        )
    else:
        await session.execute(
            delete(AreaHold).where(
                AreaHold.event_id == event.id, AreaHold.area_key == area_key, AreaHold.cart_id == cart_id
            )
        )
    await _extend(session, event.id, cart_id, my_seats, held_until)
    await session.commit()
    return AreaHoldResult(quantity=quantity, expires_at=held_until, changes=[moved] if change or reclaimed else [])


async def _extend(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, seats: list[str], held_until: datetime
) -> None:
    if seats:
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(seats))
            .values(held_until=held_until)
        )
    await extend_area_holds(session, event_id, cart_id, held_until)


async def move_area_counters(
    session: AsyncSession,
    event_id: uuid.UUID,
    key: str,
    *,
    held: int = 0,
    sold: int = 0,
    within_capacity: bool = False,
) -> SeatChange | None:
    """Change an area's held and sold counters in one UPDATE and return the news for the live map. With
    `within_capacity` the update is conditional: None when the area has no room for it."""
    query = update(EventArea).where(EventArea.event_id == event_id, EventArea.key == key)
    if within_capacity:
        query = query.where(EventArea.held + held + EventArea.sold + sold <= EventArea.capacity)
    row = (
        await session.execute(
            query.values(
                held=EventArea.held + held, sold=EventArea.sold + sold, version=seat_versions.next_value()
            ).returning((EventArea.capacity - EventArea.held - EventArea.sold).label("left"), EventArea.version)
        )
    ).one_or_none()
    return area_change(key, row.left, row.version) if row else None


async def extend_area_holds(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, held_until: datetime
) -> int:
    """Move the cart's live standing-area holds to the new deadline; returns how many places they are."""
    quantities = await session.scalars(
        update(AreaHold)
        .where(AreaHold.event_id == event_id, AreaHold.cart_id == cart_id, AreaHold.held_until > func.now())
        .values(held_until=held_until)
        .returning(AreaHold.quantity)
    )
    return sum(quantities)


async def _reclaim_expired(session: AsyncSession, event_id: uuid.UUID, area_key: str) -> int:
    """Delete the area's expired holds (caller holds the area row lock) and return their places."""
    quantities = await session.scalars(
        delete(AreaHold)
        .where(AreaHold.event_id == event_id, AreaHold.area_key == area_key, AreaHold.held_until <= func.now())
        .returning(AreaHold.quantity)
    )
    return sum(quantities)


async def sweep_expired_area_holds(session: AsyncSession, limit: int = 500) -> dict[uuid.UUID, list[SeatChange]]:
    """Give expired standing places back, area by area; areas busy in another transaction are skipped
    (SKIP LOCKED) and picked up next time."""
    expiring = (
        select(AreaHold.event_id, AreaHold.area_key)
        .where(AreaHold.held_until <= func.now())
        .distinct()
        .limit(limit)
        .subquery()
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
        reclaimed = await _reclaim_expired(session, event_id, key)
        if not reclaimed:
            continue
        by_event.setdefault(event_id, []).append(await move_area_counters(session, event_id, key, held=-reclaimed))
    await session.commit()
    return by_event
