"""Seat holds and releases: each is one call of a SQL function (sql/hold_seats.sql) and one commit.

Rules of the lock (written out in sql/locks.sql):
- a hold takes its cart's advisory lock, then the requested seats `ORDER BY key FOR UPDATE`, decides, updates,
  commits, all in one statement: a hot seat is locked for microseconds, not round trips;
- a held seat whose `held_until` has passed is available at once, whether or not the sweeper has run;
- `lock_timeout` (set on every connection, app/db.py) bounds each wait, so nothing piles up behind a stuck one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import fetch_row
from app.errors import NotFound
from app.live import SeatChange
from app.seating.models import SeatStatus
from app.seating.rules import InvalidSeats, SalesState, SeatsUnavailable, raise_for_sales_state


@dataclass(frozen=True)
class HoldResult:
    event_id: uuid.UUID
    seats: list[str]
    expires_at: datetime | None
    changes: list[SeatChange]


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
    """All or nothing: every requested seat becomes held by the cart, or none does (SeatsUnavailable). The
    cart's other holds move to the same deadline. Safe to repeat: holding what the cart holds changes nothing
    but the deadline."""
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
    if outcome == "unknown":
        unknown = list(row["seats"])
        raise InvalidSeats(f"Unknown seats: {', '.join(unknown[:10])}", unknown=unknown)
    if outcome == "unavailable":
        raise SeatsUnavailable(list(row["seats"]))
    if outcome == "limit":
        raise InvalidSeats(
            f"At most {max_seats} tickets per order; you already hold {row['holding']}.", limit=max_seats
        )
    if outcome != "ok":
        raise_for_sales_state(SalesState(outcome))
    changes = [
        SeatChange(k, SeatStatus.HELD, v, holder_tag)
        for k, v in zip(row["changed"] or [], row["versions"] or [], strict=True)
    ]
    return HoldResult(uuid.UUID(str(row["event_id"])), list(row["seats"]), row["held_until"], changes)


async def release_seat(
    session: AsyncSession, slug: str, cart_id: uuid.UUID, key: str
) -> tuple[uuid.UUID, list[SeatChange]]:
    """Give a held seat back. Safe to repeat: releasing a seat the cart does not hold changes nothing."""
    row = await fetch_row(session, "SELECT * FROM usher_release_seat($1, $2, $3)", slug, cart_id, key)
    await session.commit()
    if row["outcome"] == "not_found":
        raise NotFound("Event not found.")
    if row["outcome"] == "unknown":
        raise NotFound(f"No seat {key} in this event.")
    event_id = uuid.UUID(str(row["event_id"]))
    released = row["outcome"] == "released"
    return event_id, [SeatChange(key, SeatStatus.AVAILABLE, row["version"])] if released else []
