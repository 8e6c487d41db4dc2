"""After an order changes: announce its seats on the live map and nudge the worker (mail, refunds).
Everything here is news of a committed change; losing it only delays it (the crons find the work)."""

from __future__ import annotations

import uuid

from litestar.datastructures import State

from app.live import SeatChange, publish_seat_changes
from app.orders.completion import Outcome
from app.queue import enqueue_nudge


async def announce(state: State, outcome: Outcome) -> None:
    await publish_seat_changes(state.redis, outcome.order.event_id, outcome.changes)
    for mail_id in outcome.mail_ids:
        await enqueue_nudge(state.queue, "deliver_mail", mail_id=str(mail_id))
    if outcome.result == "refund_due":
        await enqueue_nudge(state.queue, "settle_refunds")


async def announce_placed(state: State, event_id: uuid.UUID, changes: list[SeatChange]) -> None:
    """The order took its basket's holds over: the seats stay held, by a new holder."""
    await publish_seat_changes(state.redis, event_id, changes)
