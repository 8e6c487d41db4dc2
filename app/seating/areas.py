"""General-admission (standing) areas: held and sold by quantity, never by seat.

A cart holds N places of an area in one row of `area_holds`; the area's `held` counter moves with one conditional
UPDATE (`held + sold + change <= capacity`) and a check constraint backs it. Expired holds count as free at once:
the hold that needs their places reclaims them inside its own transaction, and the sweeper does the rest.

Lock order (sql/locks.sql, shared with seat holds, so nothing deadlocks): the client, the cart, the cart's seats
in key order, the area row, then `area_holds` rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import fetch_row
from app.events.models import Event
from app.live import SeatChange
from app.seating.holds import Client, raise_for_client_limit
from app.seating.locks import lock_cart, lock_client
from app.seating.models import AreaHold, EventArea, EventSeat, SeatStatus, seat_versions
from app.seating.rules import AreaFull, InvalidSeats, area_hold_has_lapsed, require_on_sale, seat_hold_is_live
from app.seating.tiers import require_priced_now


@dataclass(frozen=True)
class AreaHoldResult:
    quantity: int
    expires_at: datetime | None
    changes: list[SeatChange]


def area_change(key: str, left: int, version: int) -> SeatChange:
    return SeatChange(key, SeatStatus.AVAILABLE if left > 0 else SeatStatus.SOLD, version, left=left)


async def hold_area(
    session: AsyncSession,
    event: Event,
    cart_id: uuid.UUID,
    area_key: str,
    quantity: int,
    *,
    ttl_seconds: int,
    max_seats: int,
    client: Client | None = None,
) -> AreaHoldResult:
    """Set how many places of the area the cart holds (0 gives them all back). All or nothing; the cart's other
    holds move to the same deadline. Safe to repeat: the quantity is set, not added. With a client, its limits
    across carts apply (ClientLimitReached)."""
    if not 0 <= quantity <= max_seats:
        raise InvalidSeats(f"Choose between 0 and {max_seats} places.", limit=max_seats)
    await require_on_sale(session, event)
    if client:
        await lock_client(session, client.network, client.account)
    await lock_cart(session, cart_id)
    now = await session.scalar(select(func.now()))
    held_until = now + timedelta(seconds=ttl_seconds)
    await session.execute(
        select(EventSeat.key)
        .where(EventSeat.event_id == event.id, EventSeat.cart_id == cart_id, seat_hold_is_live())
        .order_by(EventSeat.key)
        .with_for_update()
    )
    area = (
        await session.execute(
            select(EventArea.name, EventArea.category, EventArea.capacity, EventArea.held, EventArea.sold)
            .where(EventArea.event_id == event.id, EventArea.key == area_key)
            .with_for_update(key_share=True)
        )
    ).one_or_none()
    if area is None:
        raise InvalidSeats(f"Unknown area: {area_key}", unknown=[area_key])
    reclaimed = await reclaim_expired_places(session, event.id, area_key)
    mine = await session.scalar(
        select(AreaHold.quantity).where(
            AreaHold.event_id == event.id, AreaHold.area_key == area_key, AreaHold.cart_id == cart_id
        )
    )
    mine = mine or 0
    if quantity > mine:  # giving places back is always allowed
        await require_priced_now(session, event.id, {area.category: area.name})
    elsewhere = await session.scalar(select(func.usher_cart_holding(event.id, cart_id))) - mine
    if elsewhere + quantity > max_seats:
        raise InvalidSeats(f"At most {max_seats} tickets per order; you hold {elsewhere} elsewhere.", limit=max_seats)
    change = quantity - mine
    if client:
        allowed = await fetch_row(
            session,
            "SELECT * FROM usher_client_may_hold($1, $2, $3, $4, $5, $6, $7)",
            event.id,
            cart_id,
            client.network,
            client.account,
            change,
            client.network_max,
            client.account_max,
        )
        if allowed["outcome"] != "ok":
            raise_for_client_limit(client, allowed["outcome"], allowed["holding"], allowed["retry_after"])
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
    held_until = await session.scalar(select(func.usher_extend_cart(event.id, cart_id, held_until)))
    await session.commit()
    return AreaHoldResult(quantity=quantity, expires_at=held_until, changes=[moved] if change or reclaimed else [])


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


async def reclaim_expired_places(session: AsyncSession, event_id: uuid.UUID, area_key: str) -> int:
    """Delete the area's expired holds (the caller holds the area row lock) and return their places."""
    quantities = await session.scalars(
        delete(AreaHold)
        .where(AreaHold.event_id == event_id, AreaHold.area_key == area_key, area_hold_has_lapsed())
        .returning(AreaHold.quantity)
    )
    return sum(quantities)


async def take_area_hold(session: AsyncSession, event_id: uuid.UUID, area_key: str, cart_id: uuid.UUID) -> int:
    """Lock the area row, then remove the cart's hold on it; returns the places it held."""
    await session.execute(
        select(EventArea.key)
        .where(EventArea.event_id == event_id, EventArea.key == area_key)
        .with_for_update(key_share=True)
    )
    quantity = await session.scalar(
        delete(AreaHold)
        .where(AreaHold.event_id == event_id, AreaHold.area_key == area_key, AreaHold.cart_id == cart_id)
        .returning(AreaHold.quantity)
    )
    return quantity or 0
