"""The inventory rules as Python sees them: the on-sale rule and hold liveness are SQL functions (sql/rules.sql)
that every path calls; this module gives them names, typed outcomes and the refusals buyers read."""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound, ValidationFailed
from app.events.models import Event
from app.seating.models import AreaHold, EventSeat, SeatStatus


class SalesState(enum.StrEnum):
    """What usher_sales_state() answers."""

    ON_SALE = "on_sale"
    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"
    NO_MAP = "no_map"
    NOT_STARTED = "not_started"
    ENDED = "ended"

    @property
    def message(self) -> str:
        return _SALES_MESSAGES[self]


_SALES_MESSAGES = {
    SalesState.ON_SALE: "On sale.",
    SalesState.NOT_FOUND: "Event not found.",
    SalesState.CANCELLED: "This event is cancelled.",
    SalesState.NO_MAP: "This event has no seat map.",
    SalesState.NOT_STARTED: "Sales have not started yet.",
    SalesState.ENDED: "Sales for this event have ended.",
}


class NotOnSale(Conflict):
    def __init__(self, state: SalesState) -> None:
        super().__init__(state.message)
        self.state = state


class SeatsUnavailable(Conflict):
    def __init__(self, keys: list[str], reason: str = "Some of these seats were just taken") -> None:
        super().__init__(f"{reason}: " + ", ".join(keys[:10]) + (" …" if len(keys) > 10 else ""))
        self.keys = keys


class InvalidSeats(ValidationFailed):
    def __init__(self, message: str, **details: object) -> None:
        super().__init__({"seats": message}, message)
        self.details = details


class AreaFull(Conflict):
    def __init__(self, name: str, left: int) -> None:
        message = f"{name} is sold out." if left <= 0 else f"Only {left} places are left in {name}."
        super().__init__(message)
        self.left = max(left, 0)


class NoLongerAvailable(Exception):
    """Some of what was paid for went to someone else (the payment came after the hold lapsed)."""


def raise_for_sales_state(state: SalesState) -> None:
    if state == SalesState.NOT_FOUND:
        raise NotFound(state.message)
    if state != SalesState.ON_SALE:
        raise NotOnSale(state)


async def sales_state(session: AsyncSession, event: Event) -> SalesState:
    state = await session.scalar(
        select(func.usher_sales_state(literal_column("events"))).select_from(Event).where(Event.id == event.id)
    )
    return SalesState(state or SalesState.NOT_FOUND)


async def require_on_sale(session: AsyncSession, event: Event) -> None:
    """NotOnSale (or NotFound for an unpublished event) unless the event takes holds and orders now."""
    raise_for_sales_state(await sales_state(session, event))


def seat_status() -> ColumnElement[str]:
    """A seat's status as buyers see it: an expired hold is available."""
    return func.usher_seat_status(EventSeat.status, EventSeat.held_until)


def seat_hold_is_live() -> ColumnElement[bool]:
    return (EventSeat.status == SeatStatus.HELD) & func.usher_hold_is_live(EventSeat.held_until)


def area_hold_is_live() -> ColumnElement[bool]:
    return func.usher_hold_is_live(AreaHold.held_until)


def seat_hold_has_lapsed() -> ColumnElement[bool]:
    """Held, but past its deadline (the planner turns the NOT into `held_until <= now()`, an index range)."""
    return (EventSeat.status == SeatStatus.HELD) & ~func.usher_hold_is_live(EventSeat.held_until)


def area_hold_has_lapsed() -> ColumnElement[bool]:
    return ~func.usher_hold_is_live(AreaHold.held_until)
