"""'Choose from a list': the seats a buyer can pick now, step by step (section, then row, then seats), for keyboard
and screen-reader users and pages without JavaScript. A seat is pickable when buyers see it available (not sold,
blocked or held by a live hold) and a tier prices its category now. Reads only, one grouped query per step: a
10,400-seat stadium lists at most one section's rows, never every seat."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import any_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.seating.best_available import RowSeat, SeatRow, adjacent_blocks, is_accessible_block, whole_rows
from app.seating.models import EventSeat, SeatStatus
from app.seating.rules import seat_status

FLAG_WORDS = {"wheelchair": "wheelchair space", "companion": "companion seat", "restricted_view": "restricted view"}


@dataclass(frozen=True)
class SectionChoice:
    key: str
    name: str
    left: int  # pickable seats now
    unpriced: int  # free seats no tier sells now (its sales window is closed, or its early birds are gone)


@dataclass(frozen=True)
class RowChoice:
    """A row as the list offers it: its pickable seats and, for a party, the blocks of seats side by side."""

    index: int
    label: str
    seats: list[RowSeat]
    groups: list[list[RowSeat]]


async def sections(session: AsyncSession, event_id: uuid.UUID, priced: Collection[str]) -> list[SectionChoice]:
    """Every section with its pickable seats counted (sold-out sections too, with 0 left), by name."""
    free = seat_status() == SeatStatus.AVAILABLE
    priced_category = EventSeat.category.in_(list(priced))
    rows = await session.execute(
        select(
            EventSeat.section_key,
            func.min(EventSeat.section_name).label("name"),
            func.count().filter(free & priced_category),
            func.count().filter(free & ~priced_category),
        )
        .where(EventSeat.event_id == event_id)
        .group_by(EventSeat.section_key)
        .order_by("name")
    )
    return [SectionChoice(key, name, left, unpriced) for key, name, left, unpriced in rows]


async def rows(
    session: AsyncSession,
    event_id: uuid.UUID,
    section_key: str,
    priced: Collection[str],
    *,
    party: int,
    wheelchair: bool,
) -> list[RowChoice]:
    """The section's rows that still offer something: pickable seats or, for a party of two or more or a
    wheelchair user, at least one group. Empty for an unknown section."""
    offered = []
    for row in await whole_rows(session, event_id, section_key=section_key):
        choice = _offer(row, priced, party=party, wheelchair=wheelchair)
        if choice.groups if (party > 1 or wheelchair) else choice.seats:
            offered.append(choice)
    return offered


def _offer(row: SeatRow, priced: Collection[str], *, party: int, wheelchair: bool) -> RowChoice:
    def fits(seat: RowSeat) -> bool:
        return seat.category in priced

    pickable = [s for s in row.seats if s.free and fits(s)]
    groups = [row.seats[start : start + party] for start in adjacent_blocks(row.seats, party, fits)]
    if wheelchair:
        groups = [g for g in groups if is_accessible_block(g)]
    return RowChoice(row.index, row.label, pickable, groups)


def seat_words(seat: RowSeat) -> list[str]:
    """What a seat's flags mean to a buyer, e.g. ['wheelchair space']."""
    return [FLAG_WORDS[f] for f in seat.flags if f in FLAG_WORDS]


async def wheelchair_categories(session: AsyncSession, event_id: uuid.UUID) -> set[str]:
    """The seat categories that have wheelchair spaces, so best available offers the choice where it can help."""
    found = await session.scalars(
        select(EventSeat.category)
        .where(EventSeat.event_id == event_id, literal("wheelchair") == any_(EventSeat.flags))
        .distinct()
    )
    return set(found)


def group_names(group: list[RowSeat]) -> str:
    """A group's seat numbers with what each is, e.g. '7 (wheelchair space), 8 (companion seat)'."""
    return ", ".join(s.number + (f" ({', '.join(words)})" if (words := seat_words(s)) else "") for s in group)
