"""Inventory moves of a sale, called by orders inside their own transactions (the caller commits): a cart's holds
move to an order, a paid order's holds become sold, an unpaid one's go back on sale, a refunded sale's seats
return. Lock order as for holds (sql/locks.sql): the cart, seats in key order, area rows, then area holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.live import SeatChange
from app.seating.areas import move_area_counters, take_area_hold
from app.seating.locks import lock_cart
from app.seating.models import AreaHold, Cart, EventArea, EventSeat, SeatStatus, seat_versions
from app.seating.rules import NoLongerAvailable, area_hold_is_live, seat_hold_is_live, seat_status


@dataclass(frozen=True)
class CartItem:
    """One line of what a cart holds: a seat, or N places of a standing area."""

    kind: Literal["seat", "area"]
    key: str
    label: str
    category: str
    quantity: int


async def cart_contents(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, *, lock: bool
) -> list[CartItem]:
    """The cart's live holds, seats in map order then areas. With `lock` the cart is locked and its holds
    row-locked for the rest of the caller's transaction (placing an order decides under that lock)."""
    seats = (
        select(
            EventSeat.key,
            EventSeat.section_key,
            EventSeat.section_name,
            EventSeat.row_index,
            EventSeat.seat_index,
            EventSeat.row_label,
            EventSeat.number,
            EventSeat.category,
        )
        .where(EventSeat.event_id == event_id, EventSeat.cart_id == cart_id, seat_hold_is_live())
        .order_by(EventSeat.key)
    )
    places = (
        select(AreaHold.area_key, AreaHold.quantity, EventArea.name, EventArea.category)
        .join(EventArea, (EventArea.event_id == AreaHold.event_id) & (EventArea.key == AreaHold.area_key))
        .where(AreaHold.event_id == event_id, AreaHold.cart_id == cart_id, area_hold_is_live())
        .order_by(AreaHold.area_key)
    )
    if lock:
        await lock_cart(session, cart_id)
        seats, places = seats.with_for_update(of=EventSeat), places.with_for_update(of=AreaHold)
    items = [
        CartItem("seat", r.key, f"{r.section_name} · row {r.row_label} · seat {r.number}", r.category, 1)
        for r in sorted((await session.execute(seats)).all(), key=lambda r: (r.section_key, r.row_index, r.seat_index))
    ]
    items += [CartItem("area", r.area_key, r.name, r.category, r.quantity) for r in await session.execute(places)]
    return items


async def move_to_order(
    session: AsyncSession,
    event_id: uuid.UUID,
    cart_id: uuid.UUID,
    order_id: uuid.UUID,
    *,
    seats: list[str],
    areas: list[str],
    until: datetime,
    holder_tag: str,
) -> list[SeatChange]:
    """The order takes the cart's holds over: they move to a cart named after the order with the payment window
    as their deadline, so the buyer's basket cannot release them under a pending payment. A basket already
    extended passes that on: one extension per purchase. The caller locked them (cart_contents with lock).
    Returns the news for the live map: the seats stay held, by a new holder."""
    await lock_cart(session, order_id)
    extended_at = select(Cart.extended_at).where(Cart.id == cart_id).scalar_subquery()
    await session.execute(update(Cart).where(Cart.id == order_id).values(extended_at=extended_at))
    moved = await session.execute(
        update(EventSeat)
        .where(EventSeat.event_id == event_id, EventSeat.key.in_(seats))
        .values(cart_id=order_id, held_until=until, version=seat_versions.next_value())
        .returning(EventSeat.key, EventSeat.version)
    )
    changes = [SeatChange(r.key, SeatStatus.HELD, r.version, holder_tag) for r in moved]
    await session.execute(
        update(AreaHold)
        .where(AreaHold.event_id == event_id, AreaHold.cart_id == cart_id, AreaHold.area_key.in_(areas))
        .values(cart_id=order_id, held_until=until)
    )
    return changes


async def sell(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, seats: list[str], places: dict[str, int]
) -> list[SeatChange]:
    """Mark the seats and places sold if the cart still holds them, or (its hold lapsed) nobody took them in
    between; otherwise raise NoLongerAvailable and let the caller roll back."""
    rows = (
        await session.execute(
            select(EventSeat.key, EventSeat.cart_id, seat_status().label("effective"))
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(seats))
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    for r in rows:
        if not (r.effective == SeatStatus.AVAILABLE or (r.effective == SeatStatus.HELD and r.cart_id == cart_id)):
            raise NoLongerAvailable(r.key)
    if len(rows) != len(set(seats)):
        raise NoLongerAvailable("unknown seat")
    sold = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(seats))
            .values(status=SeatStatus.SOLD, cart_id=None, held_until=None, version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    changes = [SeatChange(r.key, SeatStatus.SOLD, r.version) for r in sold]
    for area_key, quantity in sorted(places.items()):
        held_by_cart = await take_area_hold(session, event_id, area_key, cart_id)  # 0 if it lapsed and was reclaimed
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
            .where(EventSeat.event_id == event_id, EventSeat.cart_id == cart_id, EventSeat.status == SeatStatus.HELD)
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    released = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event_id, EventSeat.key.in_(keys))
            .values(status=SeatStatus.AVAILABLE, cart_id=None, held_until=None, version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    changes = [SeatChange(r.key, SeatStatus.AVAILABLE, r.version) for r in released]
    area_keys = (
        await session.scalars(
            select(AreaHold.area_key)
            .where(AreaHold.event_id == event_id, AreaHold.cart_id == cart_id)
            .order_by(AreaHold.area_key)
        )
    ).all()
    for area_key in area_keys:
        quantity = await take_area_hold(session, event_id, area_key, cart_id)
        if quantity:
            changes.append(await move_area_counters(session, event_id, area_key, held=-quantity))
    return changes


async def return_to_sale(
    session: AsyncSession, event_id: uuid.UUID, seats: list[str], places: dict[str, int]
) -> list[SeatChange]:
    """A refunded sale: its seats and places are on sale again."""
    returned = (
        await session.execute(
            update(EventSeat)
            .where(
                EventSeat.event_id == event_id, EventSeat.key.in_(sorted(seats)), EventSeat.status == SeatStatus.SOLD
            )
            .values(status=SeatStatus.AVAILABLE, version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    changes = [SeatChange(r.key, SeatStatus.AVAILABLE, r.version) for r in returned]
    for area_key, quantity in sorted(places.items()):
        changes.append(await move_area_counters(session, event_id, area_key, sold=-quantity))
    return changes
