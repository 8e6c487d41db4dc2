"""The buyer's countdown on the checkout and pay pages, and the one extension of a hold (WCAG 2.2.1: a buyer who
needs more time can ask for it). One extension per purchase: a basket extended before checkout passes that on to
its order (app/seating/sales.py: move_to_order), and no extension reaches past the end of sales."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.events.models import Event
from app.orders.models import Order, OrderStatus
from app.seating.carts import HoldClock, HoldNotExtended, extend_basket_hold, extend_hold, hold_clock
from app.timeutil import format_local


def extended_notice(clock: HoldClock, event: Event) -> str:
    until = format_local(clock.expires_at, event.timezone, "%H:%M") if clock.expires_at else ""
    return f"Done: your seats are held until {until}." if until else ""


async def basket_clock(session: AsyncSession, settings: Settings, event: Event, cart_id: uuid.UUID | None) -> HoldClock:
    if cart_id is None:
        return HoldClock(None, False, settings.hold_extension_seconds)
    return await hold_clock(session, event.id, cart_id, extension_seconds=settings.hold_extension_seconds)


async def order_clock(session: AsyncSession, settings: Settings, order: Order) -> HoldClock:
    """An unpaid order's payment window; its holds live in the cart named after the order."""
    clock = await hold_clock(session, order.event_id, order.id, extension_seconds=settings.hold_extension_seconds)
    return HoldClock(order.expires_at, clock.extended, clock.extension_seconds)


async def extend_basket(session: AsyncSession, settings: Settings, event: Event, cart_id: uuid.UUID) -> datetime:
    """The basket's holds, HOLD_EXTENSION_SECONDS later, once (HoldNotExtended otherwise: nothing changed)."""
    return await extend_basket_hold(session, event.id, cart_id, seconds=settings.hold_extension_seconds)


async def extend_order(session: AsyncSession, settings: Settings, order_id: uuid.UUID) -> datetime:
    """An unpaid order's payment window and its holds move together, once. The order row is locked first (as
    payments and the expiry job lock it), then the holds; an order no longer waiting for payment is refused."""
    order = await session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None or order.status != OrderStatus.PENDING:
        await session.rollback()
        raise HoldNotExtended("expired")
    try:
        until = await extend_hold(session, order.event_id, order.id, seconds=settings.hold_extension_seconds)
    except HoldNotExtended:
        await session.rollback()
        raise
    order.expires_at = until
    await session.commit()
    return until
