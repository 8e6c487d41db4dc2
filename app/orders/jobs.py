"""SAQ jobs of the orders domain: closing unpaid orders and paying refunds back."""

from __future__ import annotations

import logging
from typing import Any

from app.db import utcnow
from app.live import publish_seat_changes
from app.orders.completion import expire_orders as expire_unpaid_orders
from app.orders.completion import orders_due_for_refund
from app.orders.models import OrderStatus, PaymentRecord
from app.orders.payments.providers import RefundFailed, provider_for

log = logging.getLogger(__name__)


async def expire_orders(ctx: dict[str, Any]) -> int:
    """Cron: unpaid orders past their payment window release their seats, and the live maps hear of it."""
    async with ctx["sessionmaker"]() as session:
        by_event = await expire_unpaid_orders(session)
    for event_id, changes in by_event.items():
        await publish_seat_changes(ctx["redis"], event_id, changes)
    return sum(len(c) for c in by_event.values())


async def settle_refunds(ctx: dict[str, Any]) -> int:
    """Cron and nudge: give money back for orders set for a refund (late payments, organizer refunds).
    Each order is claimed with SKIP LOCKED; a provider failure leaves it due for the next run."""
    settled = 0
    async with ctx["sessionmaker"]() as session:
        for order in await orders_due_for_refund(session):
            try:
                reference = await provider_for(ctx["settings"], order.provider).refund(order)
            except (RefundFailed, OSError) as exc:
                log.warning("refund failed; will retry", extra={"order": order.number, "error": str(exc)})
                order.updated_at = utcnow()  # to the back of the queue
                continue
            order.status = OrderStatus.REFUNDED
            order.refunded_at = utcnow()
            session.add(
                PaymentRecord(
                    order_id=order.id,
                    provider=order.provider,
                    external_id=f"refund:{reference}",
                    kind="refund_sent",
                    amount_minor=order.total_minor,
                )
            )
            settled += 1
        await session.commit()
    return settled
