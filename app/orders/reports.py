"""What organizers see of orders: lists with search, one order with everything that happened to it, totals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import NotFound
from app.events.models import Event
from app.mail.models import OutboundMail
from app.orders.models import Order, OrderLine, OrderStatus, PaymentRecord
from app.tickets.models import Ticket


async def event_orders(session: AsyncSession, event: Event, query: str = "", limit: int = 200) -> list[Order]:
    statement = select(Order).where(Order.event_id == event.id)
    if query.strip():
        needle = query.strip()
        statement = statement.where(
            or_(
                Order.number == needle.upper(),
                Order.buyer_email.ilike(f"%{needle}%"),
                Order.buyer_name.ilike(f"%{needle}%"),
            )
        )
    return list((await session.scalars(statement.order_by(Order.created_at.desc()).limit(limit))).all())


@dataclass(frozen=True)
class TierTotal:
    tier_name: str
    tickets: int
    revenue_minor: int


async def tier_totals(session: AsyncSession, event_id) -> tuple[list[TierTotal], dict[str, int]]:
    """Tickets and revenue (before discounts and fees) per tier of paid orders, and order counts by status."""
    rows = await session.execute(
        select(
            OrderLine.tier_name,
            func.sum(OrderLine.quantity),
            func.sum(OrderLine.quantity * OrderLine.unit_price_minor),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.event_id == event_id, Order.status == OrderStatus.PAID)
        .group_by(OrderLine.tier_name)
        .order_by(OrderLine.tier_name)
    )
    statuses = dict(
        (
            await session.execute(
                select(Order.status, func.count()).where(Order.event_id == event_id).group_by(Order.status)
            )
        ).all()
    )
    return [TierTotal(name, int(tickets), int(revenue)) for name, tickets, revenue in rows], statuses


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    event: Event
    tickets: list[Ticket]
    payments: list[PaymentRecord]
    mails: list[OutboundMail]


async def order_detail(session: AsyncSession, actor: Actor, number: str) -> OrderDetail:
    order = await session.scalar(
        select(Order).where(Order.number == number.upper(), Order.organization_id.in_(actor.organization_ids()))
    )
    if order is None:
        raise NotFound("Order not found.")
    actor.require(order.organization_id, Role.DOOR, "Order")
    return OrderDetail(
        order,
        await session.get(Event, order.event_id),
        list((await session.scalars(select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.label))).all()),
        list(
            (
                await session.scalars(
                    select(PaymentRecord).where(PaymentRecord.order_id == order.id).order_by(PaymentRecord.created_at)
                )
            ).all()
        ),
        list(
            (
                await session.scalars(
                    select(OutboundMail).where(OutboundMail.order_id == order.id).order_by(OutboundMail.created_at)
                )
            ).all()
        ),
    )
