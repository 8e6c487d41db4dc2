"""SAQ jobs of the orders domain: closing unpaid orders and paying refunds back."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from app.db import utcnow
from app.live import publish_seat_changes
from app.orders.completion import expire_orders as expire_unpaid_orders
from app.orders.completion import order_due_for_refund, record_refund_sent
from app.orders.payments.providers import RefundFailed, provider_for

log = logging.getLogger(__name__)
REFUNDS_PER_RUN = 20


async def expire_orders(ctx: dict[str, Any]) -> int:
    """Cron: unpaid orders past their payment window release their seats, and the live maps hear of it."""
    async with ctx["sessionmaker"]() as session:
        by_event = await expire_unpaid_orders(session)
    for event_id, changes in by_event.items():
        await publish_seat_changes(ctx["redis"], event_id, changes)
    return sum(len(c) for c in by_event.values())


async def settle_refunds(ctx: dict[str, Any]) -> int:
    """Cron and nudge: give money back for orders set for a refund (late payments, organizer refunds), one order
    per transaction: claimed with SKIP LOCKED, refunded at the provider, recorded by the commit right after.

    Safe to repeat and to kill at any moment: the provider's refund is idempotent per order (a worker killed
    before its commit leaves the order due, and the retry gets back the refund already made), and the record is
    unique per refund. A provider failure leaves the order due for the next run."""
    settled = 0
    tried: list[uuid.UUID] = []
    for _ in range(REFUNDS_PER_RUN):
        async with ctx["sessionmaker"]() as session:
            order = await order_due_for_refund(session, passed=tried)
            if order is None:
                break
            tried.append(order.id)
            try:
                reference = await provider_for(ctx["settings"], order.provider).refund(order)
            except (RefundFailed, OSError) as exc:
                log.warning("refund failed; will retry", extra={"order": order.number, "error": str(exc)})
                order.updated_at = utcnow()  # to the back of the queue
            else:
                await record_refund_sent(session, order, reference)
                settled += 1
            await session.commit()
    return settled
