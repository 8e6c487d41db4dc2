"""What happens to an order after it is placed: paid (tickets, e-mail, seats sold — one transaction), declined,
expired, refunded. Every entry point is idempotent: callbacks may come twice, late or out of order.

Lock order: the order row, then the inventory (seats in key order, then areas), as for holds.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.events.models import Event
from app.live import SeatChange
from app.orders.confirmation import queue_confirmation, queue_refund_notice
from app.orders.models import Order, OrderStatus, PaymentRecord, PromoCode
from app.orders.priced_cart import give_back_early_birds
from app.seating import sales
from app.seating.rules import NoLongerAvailable
from app.tickets.models import TicketStatus
from app.tickets.service import TicketLine, issue_tickets, tickets_of, void_tickets
from app.validation import FieldErrors

log = logging.getLogger(__name__)

LATE_PAYMENT = (
    "Your payment arrived after your order's payment window had closed, and some of its seats had been sold to "
    "someone else in the meantime, so we could not issue your tickets."
)


# What a payment callback or an organizer's action did to the order.
OutcomeResult = Literal["paid", "duplicate", "already_settled", "declined", "refund_due", "refunded", "resent"]


@dataclass
class Outcome:
    """What a payment callback did, and what to announce after the commit."""

    order: Order
    result: OutcomeResult
    changes: list[SeatChange] = field(default_factory=list)
    mail_ids: list[uuid.UUID] = field(default_factory=list)


async def _record(
    session: AsyncSession,
    order_id: uuid.UUID | None,
    provider: str,
    external_id: str,
    kind: str,
    amount: int | None,
    detail: str = "",
) -> bool:
    """Store a provider callback once; False when this exact callback was seen before."""
    inserted = await session.scalar(
        insert(PaymentRecord)
        .values(
            id=uuid.uuid4(),
            order_id=order_id,
            provider=provider,
            external_id=external_id,
            kind=kind,
            amount_minor=amount,
            detail=detail[:500],
        )
        .on_conflict_do_nothing(index_elements=[PaymentRecord.provider, PaymentRecord.external_id])
        .returning(PaymentRecord.id)
    )
    return inserted is not None


async def _locked_order(session: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound("Order not found.")
    return order


def _inventory(order: Order) -> tuple[list[str], dict[str, int]]:
    seats = [line.key for line in order.lines if line.kind == "seat"]
    places: dict[str, int] = {}
    for line in order.lines:
        if line.kind == "area":
            places[line.key] = places.get(line.key, 0) + line.quantity
    return seats, places


async def complete_payment(
    session: AsyncSession,
    settings: Settings,
    order_id: uuid.UUID,
    *,
    provider: str,
    external_id: str,
    reference: str | None,
    amount_minor: int,
    currency: str,
) -> Outcome:
    """The money arrived. Sell the seats, issue the tickets and queue the e-mail in one transaction; if the
    seats went to someone else after the order expired, the order is set for a refund instead."""
    order = await _locked_order(session, order_id)
    if not await _record(session, order.id, provider, external_id, "payment_succeeded", amount_minor):
        await session.commit()
        return Outcome(order, "duplicate")
    if order.status != OrderStatus.PENDING and order.status != OrderStatus.EXPIRED:
        # Paid already (a second success for one order), or refunded: nothing more to sell.
        await session.commit()
        return Outcome(order, "already_settled")
    if reference:
        order.provider_reference = reference
    event = await session.get(Event, order.event_id)
    if amount_minor != order.total_minor or currency.upper() != order.currency:
        return await _set_for_refund(
            session, settings, order, event, "The amount paid did not match your order, so we are refunding it."
        )
    seats, places = _inventory(order)
    try:
        async with session.begin_nested():  # a savepoint: a failed sale rolls back alone
            changes = await sales.sell(session, order.event_id, order.id, seats, places)
    except NoLongerAvailable:
        return await _set_for_refund(session, settings, order, event, LATE_PAYMENT)
    order.status = OrderStatus.PAID
    order.paid_at = utcnow()
    tickets = issue_tickets(
        order_id=order.id,
        event_id=order.event_id,
        organization_id=order.organization_id,
        lines=[
            TicketLine(
                seat_key=line.key if line.kind == "seat" else None,
                area_key=line.key if line.kind == "area" else None,
                label=line.label,
                tier_name=line.tier_name,
                attendee_name=line.attendee_name or order.buyer_name,
            )
            for line in order.lines
            for _ in range(line.quantity)
        ],
    )
    session.add_all(tickets)
    await session.flush()
    mail = await queue_confirmation(session, settings, order, event, tickets)
    await session.commit()
    return Outcome(order, "paid", changes, [mail.id])


async def _set_for_refund(
    session: AsyncSession, settings: Settings, order: Order, event: Event, reason: str
) -> Outcome:
    changes = await sales.release_cart(session, order.event_id, order.id)
    await _give_back_promo(session, order)
    await give_back_early_birds(session, order)
    order.status = OrderStatus.REFUND_DUE
    order.refund_reason = reason
    mail = queue_refund_notice(session, settings, order, event)
    await session.commit()
    log.warning("order set for refund", extra={"order": order.number, "reason": reason})
    return Outcome(order, "refund_due", changes, [mail.id])


async def record_decline(
    session: AsyncSession, order_id: uuid.UUID, *, provider: str, external_id: str, detail: str
) -> Outcome:
    """A declined card: noted once; the order stays payable until its window closes."""
    order = await _locked_order(session, order_id)
    fresh = await _record(session, order.id, provider, external_id, "payment_failed", None, detail)
    await session.commit()
    return Outcome(order, "declined" if fresh else "duplicate")


async def _give_back_promo(session: AsyncSession, order: Order) -> None:
    if order.promo_code_id is not None:
        await session.execute(
            update(PromoCode)
            .where(PromoCode.id == order.promo_code_id, PromoCode.used_count > 0)
            .values(used_count=PromoCode.used_count - 1)
        )


async def expire_orders(session: AsyncSession, limit: int = 200) -> dict[uuid.UUID, list[SeatChange]]:
    """Cron: unpaid orders past their payment window give their seats back (SKIP LOCKED: several workers may
    run it; an order being paid right now is skipped and settled by its payment)."""
    orders = (
        await session.scalars(
            select(Order)
            .where(Order.status == OrderStatus.PENDING, Order.expires_at <= func.now())
            .order_by(Order.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    by_event: dict[uuid.UUID, list[SeatChange]] = {}
    for order in orders:
        by_event.setdefault(order.event_id, []).extend(await sales.release_cart(session, order.event_id, order.id))
        await _give_back_promo(session, order)
        await give_back_early_birds(session, order)
        order.status = OrderStatus.EXPIRED
    await session.commit()
    return by_event


async def refund_order(session: AsyncSession, settings: Settings, actor: Actor, number: str, reason: str) -> Outcome:
    """An organizer refunds a paid order: tickets void, seats back on sale, money back through the worker."""
    order = await session.scalar(
        select(Order).where(Order.number == number, Order.organization_id.in_(actor.organization_ids()))
    )
    if order is None:
        raise NotFound("Order not found.")
    actor.require(order.organization_id, Role.MANAGER)
    errors = FieldErrors()
    if not reason.strip():
        errors.add("reason", "Say why you refund the order: the buyer reads it on the order page and in the e-mail.")
    reason = errors.text("reason", reason, max_length=1000)
    errors.raise_if_any()
    order = await _locked_order(session, order.id)
    if order.status != OrderStatus.PAID:
        raise Conflict("Only paid orders can be refunded.")
    seats, places = _inventory(order)
    changes = await sales.return_to_sale(session, order.event_id, seats, places)
    await void_tickets(session, order.id)
    order.status = OrderStatus.REFUND_DUE
    order.refund_reason = reason
    event = await session.get(Event, order.event_id)
    mail = queue_refund_notice(session, settings, order, event)
    await session.commit()
    return Outcome(order, "refund_due", changes, [mail.id])


async def record_refund(
    session: AsyncSession, order_id: uuid.UUID, *, provider: str, external_id: str, amount_minor: int | None
) -> Outcome:
    """The provider confirms money went back (our own refund, or one made in the provider's dashboard)."""
    order = await _locked_order(session, order_id)
    if not await _record(session, order.id, provider, external_id, "refunded", amount_minor):
        await session.commit()
        return Outcome(order, "duplicate")
    changes: list[SeatChange] = []
    if order.status == OrderStatus.PAID:  # refunded outside Usher: the tickets stop being valid
        seats, places = _inventory(order)
        changes = await sales.return_to_sale(session, order.event_id, seats, places)
        await void_tickets(session, order.id)
        order.refund_reason = order.refund_reason or "Your payment was refunded."
    if order.status in (OrderStatus.PAID, OrderStatus.REFUND_DUE):
        order.status = OrderStatus.REFUNDED
        order.refunded_at = utcnow()
    await session.commit()
    return Outcome(order, "refunded", changes)


async def resend_confirmation(session: AsyncSession, settings: Settings, actor: Actor, number: str) -> Outcome:
    """A manager sends a paid order's confirmation (with its valid tickets) again: a new outbox message each
    call, committed."""
    order = await session.scalar(
        select(Order).where(Order.number == number.upper(), Order.organization_id.in_(actor.organization_ids()))
    )
    if order is None:
        raise NotFound("Order not found.")
    actor.require(order.organization_id, Role.MANAGER, "Order")
    if order.status != OrderStatus.PAID:
        raise Conflict("Only paid orders have tickets to send.")
    valid = [t for t in await tickets_of(session, order.id) if t.status == TicketStatus.VALID]
    mail = await queue_confirmation(session, settings, order, await session.get(Event, order.event_id), valid)
    await session.commit()
    return Outcome(order, "resent", [], [mail.id])


async def order_due_for_refund(session: AsyncSession, *, passed: Collection[uuid.UUID] = ()) -> Order | None:
    """The next order set for a refund, locked with SKIP LOCKED for the caller's transaction, so two workers never
    refund one order; `passed` are the orders this run has tried already."""
    return await session.scalar(
        select(Order)
        .where(Order.status == OrderStatus.REFUND_DUE, Order.id.not_in(passed))
        .order_by(Order.updated_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


async def record_refund_sent(session: AsyncSession, order: Order, reference: str) -> None:
    """The provider gave the money back: the order is refunded, the refund recorded once (the caller commits)."""
    await _record(session, order.id, order.provider, f"refund:{reference}", "refund_sent", order.total_minor)
    order.status = OrderStatus.REFUNDED
    order.refunded_at = utcnow()
