"""'Best available N together': adjacent seats in one row, closest to the stage, never leaving a lone seat
stranded next to the block when another choice exists."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict
from app.events.models import Event
from app.events.publishing import seat_map_of
from app.seating.holds import Client, HoldResult, hold_seats
from app.seating.models import EventSeat, SeatStatus
from app.seating.rules import InvalidSeats, SeatsUnavailable, seat_status


@dataclass(frozen=True)
class _Seat:
    key: str
    category: str
    free: bool
    x: float
    y: float


def _stranded(row: list[_Seat], start: int, end: int) -> bool:
    """Would taking row[start:end] leave a single free seat boxed in at either side?"""
    left_lone = start >= 1 and row[start - 1].free and (start < 2 or not row[start - 2].free)
    right_lone = end < len(row) and row[end].free and (end + 1 >= len(row) or not row[end + 1].free)
    return left_lone or right_lone


def choose_block(
    rows: list[list[_Seat]], category: str, quantity: int, stage: tuple[float, float], excluded: set[str]
) -> list[str] | None:
    best: tuple | None = None
    for row in rows:
        distance = sum(math.dist((s.x, s.y), stage) for s in row) / len(row)
        middle = (len(row) - 1) / 2
        for start in range(len(row) - quantity + 1):
            block = row[start : start + quantity]
            if not all(s.free and s.category == category and s.key not in excluded for s in block):
                continue
            score = (
                _stranded(row, start, start + quantity),
                round(distance, 1),
                abs(start + (quantity - 1) / 2 - middle),
            )
            if best is None or score < best[0]:
                best = (score, [s.key for s in block])
    return best[1] if best else None


async def hold_best_available(
    session: AsyncSession,
    event: Event,
    cart_id: uuid.UUID,
    category: str,
    quantity: int,
    *,
    ttl_seconds: int,
    max_seats: int,
    holder_tag: str,
    client: Client | None = None,
) -> HoldResult:
    if not 1 <= quantity <= max_seats:
        raise InvalidSeats(f"Choose between 1 and {max_seats} seats.")
    seatmap = await seat_map_of(session, event)
    if seatmap is None or category not in {c.key for c in seatmap.categories}:
        raise InvalidSeats("Choose one of this map's seat categories.")
    stage = (
        (seatmap.stage.x + seatmap.stage.width / 2, seatmap.stage.y + seatmap.stage.height / 2)
        if seatmap.stage
        else (seatmap.width / 2, 0.0)
    )
    excluded: set[str] = set()
    for _ in range(3):  # another buyer may win a chosen seat between the look and the hold; look again
        rows_in_category = (
            select(EventSeat.section_key, EventSeat.row_index)
            .where(EventSeat.event_id == event.id, EventSeat.category == category)
            .distinct()
            .subquery()
        )
        found = (
            await session.execute(
                select(
                    EventSeat.section_key,
                    EventSeat.row_index,
                    EventSeat.key,
                    EventSeat.category,
                    seat_status().label("effective"),
                    EventSeat.x,
                    EventSeat.y,
                )
                .join(
                    rows_in_category,
                    (rows_in_category.c.section_key == EventSeat.section_key)
                    & (rows_in_category.c.row_index == EventSeat.row_index),
                )
                .where(EventSeat.event_id == event.id)
                .order_by(EventSeat.section_key, EventSeat.row_index, EventSeat.seat_index)
            )
        ).all()
        await session.commit()  # the look takes no locks; hold_seats decides under lock
        rows: dict[tuple[str, int], list[_Seat]] = defaultdict(list)
        for r in found:
            rows[(r.section_key, r.row_index)].append(
                _Seat(r.key, r.category, r.effective == SeatStatus.AVAILABLE, r.x, r.y)
            )
        block = choose_block(list(rows.values()), category, quantity, stage, excluded)
        if block is None:
            raise Conflict(f"No {quantity} adjacent seats are left in this category. Try fewer, or pick on the map.")
        try:
            return await hold_seats(
                session,
                event.slug,
                cart_id,
                block,
                ttl_seconds=ttl_seconds,
                max_seats=max_seats,
                holder_tag=holder_tag,
                client=client,
            )
        except SeatsUnavailable as exc:
            await session.rollback()
            await session.refresh(event)
            excluded.update(exc.keys)
    raise Conflict("Seats are going fast; please try again.")
