"""After an order changes: announce its seats on the live map and nudge the worker (mail, refunds).
Everything here is news of a committed change; losing it only delays it (the crons find the work)."""

from __future__ import annotations

import uuid

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.live import SeatChange, publish_seat_changes
from app.orders.completion import Outcome, complete_payment
from app.orders.models import Order, OrderStatus
from app.queue import enqueue_nudge, nudge_mail_delivery


async def announce(state: State, outcome: Outcome) -> None:
    await publish_seat_changes(state.redis, outcome.order.event_id, outcome.changes)
    for mail_id in outcome.mail_ids:
        await nudge_mail_delivery(state.queue, mail_id)
    if outcome.result == "refund_due":
        await enqueue_nudge(state.queue, "settle_refunds")


async def announce_placed(state: State, event_id: uuid.UUID, changes: list[SeatChange]) -> None:
    """The order took its basket's holds over: the seats stay held, by a new holder."""
    await publish_seat_changes(state.redis, event_id, changes)


async def settle_if_free(db: AsyncSession, settings: Settings, state: State, order: Order) -> bool:
    """An order with nothing to pay (free tickets, a 100 % promo) completes at once; True if it did."""
    if order.total_minor != 0 or order.status != OrderStatus.PENDING:
        return False
    outcome = await complete_payment(
        db,
        settings,
        order.id,
        provider="free",
        external_id=f"free:{order.id}",
        reference=None,
        amount_minor=0,
        currency=order.currency,
    )
    await announce(state, outcome)
    return True
