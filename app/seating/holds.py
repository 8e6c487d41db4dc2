"""Seat holds and releases: each is one call of a SQL function (sql/hold_seats.sql) and one commit.

Rules of the lock (written out in sql/locks.sql):
- a hold takes its cart's advisory lock, then the requested seats `ORDER BY key FOR UPDATE`, decides, updates,
  commits, all in one statement: a hot seat is locked for microseconds, not round trips;
- a held seat whose `held_until` has passed is available at once, whether or not the sweeper has run;
- `lock_timeout` (set on every connection, app/db.py) bounds each wait, so nothing piles up behind a stuck one;
- a hold for a client takes the client's lock before the cart's, so its holds across carts are counted one at a
  time (sql/rules.sql: usher_client_may_hold) and twenty carts opened at once hold no more than one client may.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import fetch_row
from app.errors import NotFound, RateLimited
from app.live import SeatChange
from app.ratelimit import duration
from app.seating.models import Cart, SeatStatus
from app.seating.rules import InvalidSeats, SalesState, SeatsUnavailable, raise_for_sales_state
from app.seating.tiers import require_seats_priced_now


@dataclass(frozen=True)
class Client:
    """Who holds, across all their carts: a network (an IPv4 address or an IPv6 /64) and the logged-in account,
    each allowed at most so many tickets of one event held at once (0: no limit)."""

    network: str | None
    account: uuid.UUID | None = None
    network_max: int = 0
    account_max: int = 0

    def limit_of(self, outcome: str) -> tuple[str, int]:
        """Who is limited and how much, for a network_limit or account_limit outcome."""
        if outcome == "network_limit":
            return "Your internet connection", self.network_max
        return "Your account", self.account_max


class ClientLimitReached(RateLimited):
    """The client holds as many tickets of this event as one client may; one of its holds must end first."""

    def __init__(self, who: str, limit: int, holding: int, retry_after: int) -> None:
        super().__init__(
            f"{who} already holds {holding} tickets for this event, in all its baskets together; the limit is "
            f"{limit} at once. Try again in {duration(retry_after)}, when one of those holds ends.",
            retry_after,
        )


def raise_for_client_limit(client: Client, outcome: str, holding: int, retry_after: int | None) -> None:
    """The refusal for a network_limit or account_limit outcome (sql/rules.sql: usher_client_may_hold)."""
    who, limit = client.limit_of(outcome)
    if retry_after is None:  # nothing held to wait for: the request alone is over the limit
        raise InvalidSeats(f"{who} can hold at most {limit} tickets for this event at once.", limit=limit)
    raise ClientLimitReached(who, limit, holding, max(retry_after, 1))


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
    client: Client | None = None,
) -> HoldResult:
    """All or nothing: every requested seat becomes held by the cart, or none does (SeatsUnavailable). The
    cart's other holds move to the same deadline. Safe to repeat: holding what the cart holds changes nothing
    but the deadline. With a client, its limits across carts apply (ClientLimitReached)."""
    wanted = sorted(set(keys))
    if not wanted:
        raise InvalidSeats("Choose at least one seat.")
    if len(wanted) > max_seats:
        raise InvalidSeats(f"At most {max_seats} seats per order.", limit=max_seats)
    await require_seats_priced_now(session, slug, wanted)
    row = await fetch_row(
        session,
        "SELECT * FROM usher_hold_seats($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        slug,
        cart_id,
        wanted,
        ttl_seconds,
        max_seats,
        client.network if client else None,
        client.account if client else None,
        client.network_max if client else 0,
        client.account_max if client else 0,
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
    if outcome in ("network_limit", "account_limit") and client:
        raise_for_client_limit(client, outcome, row["holding"], row["retry_after"])
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


async def hand_over_client(session: AsyncSession, cart_id: uuid.UUID, order_cart_id: uuid.UUID) -> None:
    """Holds an order took over from a basket (sales.move_to_order) still count against the basket's client, so
    placing orders does not make room under the client's limits. Inside the caller's transaction."""
    basket = select(Cart).where(Cart.id == cart_id).subquery()
    await session.execute(
        update(Cart)
        .where(Cart.id == order_cart_id)
        .values(
            client_network=select(basket.c.client_network).scalar_subquery(),
            client_account=select(basket.c.client_account).scalar_subquery(),
        )
    )
