"""Seat inventory rules: holds, releases, blocking, the sweeper. Every change is one transaction that locks the
rows it changes (cart first, then seats in key order, so concurrent holds never deadlock) and is announced
only after it commits.

Rules of the lock:
- a hold takes its cart's advisory lock, then the requested seats `ORDER BY key FOR UPDATE`, decides, updates,
  commits, all in one statement (usher_hold_seats): a hot seat is locked for microseconds, not round trips;
- a held seat whose `held_until` has passed is available at once, whether or not the sweeper has run;
- `lock_timeout` (set on every connection, app/db.py) bounds each wait, so nothing piles up behind a stuck one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.db import fetch_row, utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.events.models import Event, EventStatus
from app.live import SeatChange
from app.seating.models import Cart, EventSeat, seat_versions


class SeatsUnavailable(Conflict):
    def __init__(self, keys: list[str], reason: str = "Some of these seats were just taken") -> None:
        super().__init__(f"{reason}: " + ", ".join(keys[:10]) + (" …" if len(keys) > 10 else ""))
        self.keys = keys


class NotOnSale(Conflict):
    pass


class InvalidSeats(ValidationFailed):
    def __init__(self, message: str, **details: object) -> None:
        super().__init__({"seats": message}, message)
        self.details = details


# Why an event takes no holds; the same rules run inside usher_hold_seats (migration 0004).
NOT_ON_SALE = {
    "cancelled": "This event is cancelled.",
    "no_map": "This event has no seat map.",
    "not_started": "Sales have not started yet.",
    "ended": "Sales for this event have ended.",
}


@dataclass(frozen=True)
class HoldResult:
    event_id: uuid.UUID
    seats: list[str]
    expires_at: datetime | None
    changes: list[SeatChange]


def effective_status(status: str, held_until: datetime | None, now: datetime) -> str:
    """An expired hold is available the instant it expires."""
    return "available" if status == "held" and (held_until is None or held_until <= now) else status


def check_on_sale(event: Event, now: datetime | None = None) -> None:
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED:
        raise NotOnSale(NOT_ON_SALE["cancelled"])
    if event.status != EventStatus.PUBLISHED:
        raise NotFound("Event not found.")
    if event.layout_version_id is None:
        raise NotOnSale(NOT_ON_SALE["no_map"])
    if event.sales_start_at and now < event.sales_start_at:
        raise NotOnSale(NOT_ON_SALE["not_started"])
    if (event.sales_end_at and now >= event.sales_end_at) or now >= event.ends_at:
        raise NotOnSale(NOT_ON_SALE["ended"])


async def published_event(session: AsyncSession, slug: str, *, with_tiers: bool = True) -> Event:
    query = select(Event).where(Event.slug == slug, Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
    if not with_tiers:
        query = query.options(raiseload(Event.tiers), raiseload(Event.venue))
    event = await session.scalar(query)
    if event is None:
        raise NotFound("Event not found.")
    return event


async def lock_cart(session: AsyncSession, cart_id: uuid.UUID) -> None:
    """Requests of one cart run one at a time (the same advisory lock as usher_hold_seats)."""
    await session.execute(select(func.pg_advisory_xact_lock(1, func.hashtext(str(cart_id)))))
    await session.execute(insert(Cart).values(id=cart_id).on_conflict_do_nothing(index_elements=[Cart.id]))


async def hold_seats(
    session: AsyncSession,
    slug: str,
    cart_id: uuid.UUID,
    keys: list[str],
    *,
    ttl_seconds: int,
    max_seats: int,
    holder_tag: str,
) -> HoldResult:
    """All or nothing: every requested seat becomes held by the cart, or none does (SeatsUnavailable).

    The rules run in PostgreSQL (usher_hold_seats, migration 0004) as one statement: the cart's advisory lock,
    then its seats and the requested ones `ORDER BY key FOR UPDATE`, decide, update. A hot seat's lock lasts
    one statement, not several round trips."""
    wanted = sorted(set(keys))
    if not wanted:
        raise InvalidSeats("Choose at least one seat.")
    if len(wanted) > max_seats:
        raise InvalidSeats(f"At most {max_seats} seats per order.", limit=max_seats)
    row = await fetch_row(
        session,
        "SELECT * FROM usher_hold_seats($1, $2, $3, $4, $5)",
        slug,
        cart_id,
        wanted,
        ttl_seconds,
        max_seats,
    )
    await session.commit()
    outcome = row["outcome"]
    if outcome == "not_found":
        raise NotFound("Event not found.")
    if outcome in NOT_ON_SALE:
        raise NotOnSale(NOT_ON_SALE[outcome])
    if outcome == "unknown":
        unknown = list(row["seats"])
        raise InvalidSeats(f"Unknown seats: {', '.join(unknown[:10])}", unknown=unknown)
    if outcome == "unavailable":
        raise SeatsUnavailable(list(row["seats"]))
    if outcome == "limit":
        raise InvalidSeats(
            f"At most {max_seats} tickets per order; you already hold {row['holding']}.", limit=max_seats
        )
    changes = [
        SeatChange(k, "held", v, holder_tag) for k, v in zip(row["changed"] or [], row["versions"] or [], strict=True)
    ]
    return HoldResult(uuid.UUID(str(row["event_id"])), list(row["seats"]), row["held_until"], changes)


async def release_seat(
    session: AsyncSession, slug: str, cart_id: uuid.UUID, key: str
) -> tuple[uuid.UUID, list[SeatChange]]:
    """Give a held seat back. Releasing a seat one does not hold changes nothing (idempotent). One statement
    (usher_release_seat, migration 0004)."""
    row = await fetch_row(session, "SELECT * FROM usher_release_seat($1, $2, $3)", slug, cart_id, key)
    await session.commit()
    if row["outcome"] == "not_found":
        raise NotFound("Event not found.")
    if row["outcome"] == "unknown":
        raise NotFound(f"No seat {key} in this event.")
    event_id = uuid.UUID(str(row["event_id"]))
    return event_id, [SeatChange(key, "available", row["version"])] if row["outcome"] == "released" else []


async def cart_holds(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID
) -> tuple[list[str], datetime | None]:
    rows = (
        await session.execute(
            select(EventSeat.key, EventSeat.held_until)
            .where(
                EventSeat.event_id == event_id,
                EventSeat.cart_id == cart_id,
                EventSeat.status == "held",
                EventSeat.held_until > func.now(),
            )
            .order_by(EventSeat.key)
        )
    ).all()
    return [r.key for r in rows], min((r.held_until for r in rows), default=None)


@dataclass(frozen=True)
class SeatDetail:
    key: str
    section_name: str
    row_label: str
    number: str
    category: str
    flags: list[str]


async def seat_details(session: AsyncSession, event_id: uuid.UUID, keys: list[str]) -> list[SeatDetail]:
    if not keys:
        return []
    rows = await session.execute(
        select(
            EventSeat.key,
            EventSeat.section_name,
            EventSeat.row_label,
            EventSeat.number,
            EventSeat.category,
            EventSeat.flags,
        )
        .where(EventSeat.event_id == event_id, EventSeat.key.in_(keys))
        .order_by(EventSeat.section_key, EventSeat.row_index, EventSeat.seat_index)
    )
    return [SeatDetail(r.key, r.section_name, r.row_label, r.number, r.category, list(r.flags)) for r in rows]


@dataclass(frozen=True)
class SeatState:
    key: str
    status: str
    category: str
    version: int
    cart_id: uuid.UUID | None


async def seat_states(
    session: AsyncSession, event_id: uuid.UUID, *, unavailable_only: bool = False
) -> tuple[int, list[SeatState]]:
    """Seats with their effective status (all, or only those not available), and the highest version of any
    seat (the snapshot's `seq`)."""
    query = select(
        EventSeat.key,
        EventSeat.status,
        EventSeat.category,
        EventSeat.version,
        EventSeat.cart_id,
        EventSeat.held_until,
        func.now().label("now"),
    ).where(EventSeat.event_id == event_id)
    if unavailable_only:
        query = query.where(EventSeat.status != "available")
    rows = (await session.execute(query.order_by(EventSeat.key))).all()
    states = []
    for r in rows:
        status = effective_status(r.status, r.held_until, r.now)
        if unavailable_only and status == "available":
            continue
        states.append(SeatState(r.key, status, r.category, r.version, r.cart_id if status == "held" else None))
    if unavailable_only:
        seq = await session.scalar(select(func.max(EventSeat.version)).where(EventSeat.event_id == event_id))
    else:
        seq = max((s.version for s in states), default=0)
    return seq or 0, states


async def set_blocked(
    session: AsyncSession, actor: Actor, event: Event, keys: list[str], blocked: bool
) -> list[SeatChange]:
    """House seats and sight-line kills; only available seats can be blocked, only blocked ones unblocked."""
    actor.require(event.organization_id, Role.MANAGER)
    wanted = sorted(set(keys))
    rows = (
        await session.execute(
            select(EventSeat.key, EventSeat.status, EventSeat.held_until, func.now().label("now"))
            .where(EventSeat.event_id == event.id, EventSeat.key.in_(wanted))
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    if len(rows) != len(wanted):
        found = {r.key for r in rows}
        raise InvalidSeats("Unknown seats: " + ", ".join(k for k in wanted if k not in found))
    source = "available" if blocked else "blocked"
    movable = [r.key for r in rows if effective_status(r.status, r.held_until, r.now) == source]
    if len(movable) != len(wanted):
        reason = "Only available seats can be blocked, not" if blocked else "Only blocked seats can be unblocked, not"
        raise SeatsUnavailable([r.key for r in rows if r.key not in movable], reason)
    updated = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event.id, EventSeat.key.in_(movable))
            .values(
                status="blocked" if blocked else "available",
                cart_id=None,
                held_until=None,
                version=seat_versions.next_value(),
            )
            .returning(EventSeat.key, EventSeat.status, EventSeat.version)
        )
    ).all()
    await session.commit()
    return [SeatChange(r.key, r.status, r.version) for r in updated]


async def sweep_expired_holds(session: AsyncSession, limit: int = 5000) -> dict[uuid.UUID, list[SeatChange]]:
    """Turn expired holds back into available seats and report them per event. Safe on several workers at once:
    rows are claimed with SKIP LOCKED. (Correctness never depends on this: expired holds already count as free.)"""
    claimed = (
        select(EventSeat.event_id, EventSeat.key)
        .where(EventSeat.status == "held", EventSeat.held_until <= func.now())
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("claimed")
    )
    released = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == claimed.c.event_id, EventSeat.key == claimed.c.key)
            .values(status="available", cart_id=None, held_until=None, version=seat_versions.next_value())
            .returning(EventSeat.event_id, EventSeat.key, EventSeat.version)
        )
    ).all()
    await session.commit()
    by_event: dict[uuid.UUID, list[SeatChange]] = {}
    for r in released:
        by_event.setdefault(r.event_id, []).append(SeatChange(r.key, "available", r.version))
    return by_event
