"""'Best available N together': adjacent seats in one row, closest to the stage, never leaving a lone seat
stranded next to the block when another choice exists. With `wheelchair`, the block is a wheelchair space and
companion seats next to it (or, when no row has them side by side, in the same row). The row logic here
(`adjacent_blocks`) also gives the seat list its groups for a party."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict
from app.events.models import Event
from app.events.publishing import seat_map_of
from app.seating.holds import Client, HoldResult, hold_seats
from app.seating.models import EventSeat, SeatStatus
from app.seating.rules import InvalidSeats, SeatsUnavailable, seat_status

WHEELCHAIR, COMPANION = "wheelchair", "companion"


@dataclass(frozen=True)
class RowSeat:
    """A seat in its row, in seat order, as best available and the seat list judge it."""

    key: str
    category: str
    free: bool
    x: float
    y: float
    flags: tuple[str, ...] = ()
    number: str = ""


def _stranded(row: list[RowSeat], start: int, end: int) -> bool:
    """Would taking row[start:end] leave a single free seat boxed in at either side?"""
    left_lone = start >= 1 and row[start - 1].free and (start < 2 or not row[start - 2].free)
    right_lone = end < len(row) and row[end].free and (end + 1 >= len(row) or not row[end + 1].free)
    return left_lone or right_lone


def adjacent_blocks(row: list[RowSeat], quantity: int, fits: Callable[[RowSeat], bool]) -> Iterator[int]:
    """Where `quantity` free seats that all fit sit side by side in the row: the index of each block's first seat."""
    run = 0
    for index, seat in enumerate(row):
        run = run + 1 if seat.free and fits(seat) else 0
        if run >= quantity:
            yield index - quantity + 1


def is_accessible_block(block: list[RowSeat]) -> bool:
    """Exactly one wheelchair space: the party's wheelchair user, the others beside them."""
    return sum(WHEELCHAIR in s.flags for s in block) == 1


def choose_block(
    rows: list[list[RowSeat]],
    category: str,
    quantity: int,
    stage: tuple[float, float],
    excluded: set[str],
    *,
    wheelchair: bool = False,
) -> list[str] | None:
    """The best block of `quantity` seats of the category: with `wheelchair`, a wheelchair space and companion seats
    (companion-marked seats preferred); otherwise wheelchair spaces are left for those who need them if possible."""
    best: tuple | None = None

    def fits(s: RowSeat) -> bool:
        return s.category == category and s.key not in excluded

    for row in rows:
        distance = sum(math.dist((s.x, s.y), stage) for s in row) / len(row)
        middle = (len(row) - 1) / 2
        for start in adjacent_blocks(row, quantity, fits):
            block = row[start : start + quantity]
            spaces = sum(WHEELCHAIR in s.flags for s in block)
            if wheelchair and spaces != 1:
                continue
            unsuited = sum(COMPANION not in s.flags for s in block) - 1 if wheelchair else spaces
            score = (
                unsuited,
                _stranded(row, start, start + quantity),
                round(distance, 1),
                abs(start + (quantity - 1) / 2 - middle),
            )
            if best is None or score < best[0]:
                best = (score, [s.key for s in block])
    if best is None and wheelchair:
        return _wheelchair_apart(rows, quantity, stage, fits)
    return best[1] if best else None


def _wheelchair_apart(
    rows: list[list[RowSeat]], quantity: int, stage: tuple[float, float], fits: Callable[[RowSeat], bool]
) -> list[str] | None:
    """No row has them side by side: a wheelchair space and the nearest free seats of its row (companion seats
    first), closest to the stage."""
    best: tuple | None = None
    for row in rows:
        for index, space in enumerate(row):
            if not (space.free and WHEELCHAIR in space.flags and fits(space)):
                continue
            others = sorted(
                (COMPANION not in s.flags, abs(i - index), i)
                for i, s in enumerate(row)
                if i != index and s.free and WHEELCHAIR not in s.flags and fits(s)
            )[: quantity - 1]
            if len(others) < quantity - 1:
                continue
            score = round(math.dist((space.x, space.y), stage), 1)
            if best is None or score < best[0]:
                best = (score, [space.key] + [row[i].key for _, _, i in others])
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
    wheelchair: bool = False,
) -> HoldResult:
    """Choose the block and hold it all or nothing (holds.hold_seats); a block taken between the look and the hold
    is looked for again, twice. Safe to repeat (it holds another block each time)."""
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
        rows = [row.seats for row in await whole_rows(session, event.id, category=category)]
        await session.commit()  # the look takes no locks; hold_seats decides under lock
        block = choose_block(rows, category, quantity, stage, excluded, wheelchair=wheelchair)
        if block is None:
            raise Conflict(_nothing_left(quantity, wheelchair))
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


def _nothing_left(quantity: int, wheelchair: bool) -> str:
    if wheelchair:
        companions = f" and {quantity - 1} companion seat{'s' if quantity > 2 else ''}" if quantity > 1 else ""
        return f"No wheelchair space{companions} left in this category. Try another category or fewer seats."
    return f"No {quantity} adjacent seats are left in this category. Try fewer, or pick on the map."


@dataclass(frozen=True)
class SeatRow:
    section_key: str
    index: int
    label: str
    seats: list[RowSeat]


async def whole_rows(
    session: AsyncSession, event_id: uuid.UUID, *, category: str | None = None, section_key: str | None = None
) -> list[SeatRow]:
    """Every row holding a seat of the category (or every row of the section), whole: its other seats decide what
    a block would strand. Each seat with its status as buyers see it now; rows in section and row order."""
    wanted = EventSeat.category == category if category is not None else EventSeat.section_key == section_key
    rows_wanted = (
        select(EventSeat.section_key, EventSeat.row_index)
        .where(EventSeat.event_id == event_id, wanted)
        .distinct()
        .subquery()
    )
    found = await session.execute(
        select(
            EventSeat.section_key,
            EventSeat.row_index,
            EventSeat.row_label,
            EventSeat.key,
            EventSeat.category,
            seat_status().label("effective"),
            EventSeat.x,
            EventSeat.y,
            EventSeat.flags,
            EventSeat.number,
        )
        .join(
            rows_wanted,
            (rows_wanted.c.section_key == EventSeat.section_key) & (rows_wanted.c.row_index == EventSeat.row_index),
        )
        .where(EventSeat.event_id == event_id)
        .order_by(EventSeat.section_key, EventSeat.row_index, EventSeat.seat_index)
    )
    rows: dict[tuple[str, int], SeatRow] = {}
    for r in found:
        row = rows.setdefault((r.section_key, r.row_index), SeatRow(r.section_key, r.row_index, r.row_label, []))
        row.seats.append(
            RowSeat(r.key, r.category, r.effective == SeatStatus.AVAILABLE, r.x, r.y, tuple(r.flags), r.number)
        )
    return list(rows.values())
