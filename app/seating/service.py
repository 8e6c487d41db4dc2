"""Seat inventory rules: holds, releases, blocking, the sweeper. Every change is one transaction that locks the
rows it changes (cart first, then seats in key order, so concurrent holds never deadlock) and is announced
only after it commits.

Rules of the lock (as in pretix's lock helper):
- a hold locks its cart row, then the requested seats `ORDER BY key FOR UPDATE`, decides, updates, commits;
- a held seat whose `held_until` has passed is available at once, whether or not the sweeper has run;
- `lock_timeout` (set on every connection, app/db.py) bounds each wait, so nothing piles up behind a stuck one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.db import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.events.models import Event, EventStatus
from app.live import SeatChange
from app.seating.models import Cart, EventSeat, seat_versions
from app.venues.models import SeatLayoutVersion
from app.venues.seatmap import SeatMap, parse


class SeatsUnavailable(Conflict):
    def __init__(self, keys: list[str]) -> None:
        super().__init__("Some of these seats were just taken: " + ", ".join(keys[:10]))
        self.keys = keys


class NotOnSale(Conflict):
    pass


class InvalidSeats(ValidationFailed):
    def __init__(self, message: str, **details: object) -> None:
        super().__init__({"seats": message}, message)
        self.details = details


@dataclass(frozen=True)
class HoldResult:
    seats: list[str]
    expires_at: datetime | None
    changes: list[SeatChange]


def effective_status(status: str, held_until: datetime | None, now: datetime) -> str:
    """An expired hold is available the instant it expires."""
    return "available" if status == "held" and (held_until is None or held_until <= now) else status


def check_on_sale(event: Event, now: datetime | None = None) -> None:
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED:
        raise NotOnSale("This event is cancelled.")
    if event.status != EventStatus.PUBLISHED:
        raise NotFound("Event not found.")
    if event.layout_version_id is None:
        raise NotOnSale("This event has no seat map.")
    if event.sales_start_at and now < event.sales_start_at:
        raise NotOnSale("Sales have not started yet.")
    if (event.sales_end_at and now >= event.sales_end_at) or now >= event.ends_at:
        raise NotOnSale("Sales for this event have ended.")


async def published_event(session: AsyncSession, slug: str, *, with_tiers: bool = True) -> Event:
    query = select(Event).where(Event.slug == slug, Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
    if not with_tiers:  # the hot hold path needs only the event's own columns
        query = query.options(noload(Event.tiers), noload(Event.venue))
    event = await session.scalar(query)
    if event is None:
        raise NotFound("Event not found.")
    return event


async def _lock_cart(session: AsyncSession, cart_id: uuid.UUID) -> None:
    # An upsert that always updates takes the row lock: requests of one cart run one at a time.
    await session.execute(
        insert(Cart).values(id=cart_id).on_conflict_do_update(index_elements=[Cart.id], set_={"id": cart_id})
    )


async def hold_seats(
    session: AsyncSession,
    event: Event,
    cart_id: uuid.UUID,
    keys: list[str],
    *,
    ttl_seconds: int,
    max_seats: int,
    holder_tag: str,
) -> HoldResult:
    """All or nothing: every requested seat becomes held by the cart, or none does (SeatsUnavailable)."""
    wanted = sorted(set(keys))
    if not wanted:
        raise InvalidSeats("Choose at least one seat.")
    if len(wanted) > max_seats:
        raise InvalidSeats(f"At most {max_seats} seats per order.", limit=max_seats)
    check_on_sale(event)
    await _lock_cart(session, cart_id)
    rows = (
        await session.execute(
            select(EventSeat.key, EventSeat.status, EventSeat.cart_id, EventSeat.held_until, func.now().label("now"))
            .where(EventSeat.event_id == event.id)
            .where((EventSeat.key.in_(wanted)) | ((EventSeat.cart_id == cart_id) & (EventSeat.status == "held")))
            .order_by(EventSeat.key)
            .with_for_update()
        )
    ).all()
    now = rows[0].now if rows else utcnow()
    requested = {r.key: r for r in rows if r.key in wanted}
    if unknown := [k for k in wanted if k not in requested]:
        raise InvalidSeats(f"Unknown seats: {', '.join(unknown[:10])}", unknown=unknown)
    unavailable = [
        k
        for k, r in requested.items()
        if not (
            effective_status(r.status, r.held_until, now) == "available"
            or (r.status == "held" and r.cart_id == cart_id)
        )
    ]
    if unavailable:
        raise SeatsUnavailable(unavailable)
    already_mine = {
        r.key for r in rows if r.cart_id == cart_id and effective_status(r.status, r.held_until, now) == "held"
    }
    total = already_mine | set(wanted)
    if len(total) > max_seats:
        raise InvalidSeats(
            f"At most {max_seats} seats per order; you already hold {len(already_mine)}.", limit=max_seats
        )
    held_until = now + timedelta(seconds=ttl_seconds)
    # The whole cart gets one deadline, so the buyer sees one countdown.
    updated = (
        await session.execute(
            update(EventSeat)
            .where(EventSeat.event_id == event.id, EventSeat.key.in_(sorted(total)))
            .values(status="held", cart_id=cart_id, held_until=held_until, version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    await session.commit()
    changes = [SeatChange(r.key, "held", r.version, holder_tag) for r in updated if r.key not in already_mine]
    return HoldResult(seats=sorted(total), expires_at=held_until, changes=changes)


async def release_seat(session: AsyncSession, event: Event, cart_id: uuid.UUID, key: str) -> list[SeatChange]:
    """Give a held seat back. Releasing a seat one does not hold changes nothing (idempotent)."""
    exists = await session.scalar(select(EventSeat.key).where(EventSeat.event_id == event.id, EventSeat.key == key))
    if exists is None:
        raise NotFound(f"No seat {key} in this event.")
    released = (
        await session.execute(
            update(EventSeat)
            .where(
                EventSeat.event_id == event.id,
                EventSeat.key == key,
                EventSeat.cart_id == cart_id,
                EventSeat.status == "held",
            )
            .values(status="available", cart_id=None, held_until=None, version=seat_versions.next_value())
            .returning(EventSeat.key, EventSeat.version)
        )
    ).all()
    await session.commit()
    return [SeatChange(r.key, "available", r.version) for r in released]


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


async def seat_states(session: AsyncSession, event_id: uuid.UUID) -> tuple[int, list[SeatState]]:
    """Every seat with its effective status, and the highest version seen (the snapshot's `seq`)."""
    rows = (
        await session.execute(
            select(
                EventSeat.key,
                EventSeat.status,
                EventSeat.category,
                EventSeat.version,
                EventSeat.cart_id,
                EventSeat.held_until,
                func.now().label("now"),
            )
            .where(EventSeat.event_id == event_id)
            .order_by(EventSeat.key)
        )
    ).all()
    states = []
    for r in rows:
        status = effective_status(r.status, r.held_until, r.now)
        states.append(SeatState(r.key, status, r.category, r.version, r.cart_id if status == "held" else None))
    return max((s.version for s in states), default=0), states


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
        raise SeatsUnavailable([r.key for r in rows if r.key not in movable])
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


# --- inventory ----------------------------------------------------------------------------------------------


async def layout_of(session: AsyncSession, event: Event) -> SeatMap | None:
    if event.layout_version_id is None:
        return None
    version = await session.get(SeatLayoutVersion, event.layout_version_id)
    return parse(version.document) if version else None


def unpriced_categories(seatmap: SeatMap, event: Event) -> list[str]:
    priced = {t.seat_category for t in event.tiers if t.seat_category}
    used = {seat.category for _, _, seat in seatmap.seats()} | {a.category for a in seatmap.ga_areas}
    names = {c.key: c.name for c in seatmap.categories}
    return sorted(names[c] for c in used - priced)


async def create_inventory(session: AsyncSession, event: Event) -> int:
    """Snapshot the event's layout into one row per seat (once; later layout edits never touch it).
    Runs inside the caller's publish transaction."""
    if event.layout_version_id is None:
        return 0
    if await session.scalar(select(EventSeat.key).where(EventSeat.event_id == event.id).limit(1)):
        return 0
    seatmap = await layout_of(session, event)
    assert seatmap is not None
    rows = [
        {
            "event_id": event.id,
            "key": seat.key,
            "section_key": section.key,
            "section_name": section.name,
            "row_label": row.label,
            "row_index": r,
            "seat_index": n,
            "number": seat.number,
            "category": seat.category,
            "x": seat.x,
            "y": seat.y,
            "flags": list(seat.flags),
        }
        for section in seatmap.sections
        for r, row in enumerate(section.rows)
        for n, seat in enumerate(row.seats)
    ]
    for start in range(0, len(rows), 2000):
        await session.execute(insert(EventSeat), rows[start : start + 2000])
    return len(rows)


async def has_inventory(session: AsyncSession, event_id: uuid.UUID) -> bool:
    return await session.scalar(select(EventSeat.key).where(EventSeat.event_id == event_id).limit(1)) is not None


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
