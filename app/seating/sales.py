"""Inventory moves of a sale: a paid cart's holds become sold, an unpaid one's go back on sale, a refunded
sale's seats return. Same lock order as holds: seats in key order, then area rows, then area holds."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.live import SeatChange
from app.seating.areas import move_area_counters
from app.seating.models import AreaHold, EventArea, EventSeat, seat_versions


class NoLongerAvailable(Exception):
    """Some of what was paid for went to someone else (the payment came after the hold lapsed)."""


async def sell(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, seats: list[str], places: dict[str, int]
) -> list[SeatChange]:
    """Mark the seats and places sold if the cart still holds them, or (its hold lapsed) nobody took them in
    between; otherwise raise NoLongerAvailable and let the caller roll back."""
    rows = (
        await session.execute(
            select(EventSeat.key, EventSeat.status, EventSeat.cart_id, EventSeat.held_until, func.now().label("now"))
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(seats))
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    for r in rows:
        mine = r.status == "held" and r.cart_id == cart_id
        lapsed_free = r.status == "available" or (r.status == "held" and r.held_until <= r.now)
        if not (mine or lapsed_free):
            raise NoLongerAvailable(r.key)
    if len(rows) != len(set(seats)):
        raise NoLongerAvailable("unknown seat")
    sold = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(seats))
            .values(status="sold", cart_id=None, held_until=None, version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    changes = [SeatChange(r.key, "sold", r.version) for r in sold]
    for area_key, quantity in sorted(places.items()):
        held_by_cart = await _take_area_hold(session, event_id, area_key, cart_id)  # 0 if it lapsed and was reclaimed
        moved = await move_area_counters(
            session, event_id, area_key, held=-held_by_cart, sold=quantity, within_capacity=True
        )
        if moved is None:
            raise NoLongerAvailable(area_key)
        changes.append(moved)
    return changes


async def release_cart(session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID) -> list[SeatChange]:
    """Everything the cart still holds goes back on sale (an order expired or was refunded before payment)."""
    keys = (
        await session.scalars(
            select(EventSeat.key)
            .where(EventSeat.event_id == event_id, EventSeat.cart_id == cart_id, EventSeat.status == "held")
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    released = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(keys))
            .values(status="available", cart_id=None, held_until=None, version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    changes = [SeatChange(r.key, "available", r.version) for r in released]
    area_keys = (
        await session.scalars(
            select(AreaHold.area_key)
            .where(AreaHold.event_id == event_id, AreaHold.cart_id == cart_id)
            .order_by(AreaHold.area_key)
        )
    ).all()
    for area_key in area_keys:
        quantity = await _take_area_hold(session, event_id, area_key, cart_id)
        if quantity:
            changes.append(await move_area_counters(session, event_id, area_key, held=-quantity))
    return changes


async def return_sold(
    session: AsyncSession, event_id: uuid.UUID, seats: list[str], places: dict[str, int]
) -> list[SeatChange]:
    """A refunded sale: its seats and places are on sale again."""
    returned = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(sorted(seats)), EventSeat.status == "sold")
            .values(status="available", version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    changes = [SeatChange(r.key, "available", r.version) for r in returned]
    for area_key, quantity in sorted(places.items()):
        changes.append(await move_area_counters(session, event_id, area_key, sold=-quantity))
    return changes


async def _take_area_hold(session: AsyncSession, event_id: uuid.UUID, area_key: str, cart_id: uuid.UUID) -> int:
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
