"""Carts: tokens (a cart id plus an HMAC, so a visitor can only ever present a cart the server gave out), the
cart's hold deadline as the buyer's countdown shows it, and its one extension (sql/rules.sql: usher_extend_hold)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import fetch_row
from app.errors import Conflict
from app.seating.models import AreaHold, Cart, EventSeat
from app.seating.rules import SalesState, area_hold_is_live, seat_hold_is_live

CART_COOKIE = "usher_cart"


def _mac(secret: str, cart_id: uuid.UUID) -> str:
    return hmac.new(secret.encode(), b"cart:" + cart_id.bytes, hashlib.sha256).hexdigest()[:32]


def sign_cart(secret: str, cart_id: uuid.UUID) -> str:
    return f"{cart_id.hex}.{_mac(secret, cart_id)}"


def cart_from_token(secret: str, token: str | None) -> uuid.UUID | None:
    """The cart id of a genuine token; None for missing, malformed or forged ones (the caller starts a new cart).
    Non-ASCII text is malformed: hmac.compare_digest refuses to compare it."""
    if not token or "." not in token or len(token) > 80 or not token.isascii():
        return None
    raw_id, mac = token.split(".", 1)
    try:
        cart_id = uuid.UUID(hex=raw_id)
    except ValueError:
        return None
    return cart_id if hmac.compare_digest(mac, _mac(secret, cart_id)) else None


def holder_tag(secret: str, cart_id: uuid.UUID) -> str:
    """A short public tag for 'held by this cart' in live updates; reveals nothing usable about the cart."""
    return hmac.new(secret.encode(), b"tag:" + cart_id.bytes, hashlib.sha256).hexdigest()[:10]


@dataclass(frozen=True)
class HoldClock:
    """What a countdown shows: when the cart's holds end (None: it holds nothing live) and whether the buyer may
    still ask for the one extension of `extension_seconds`."""

    expires_at: datetime | None
    extended: bool
    extension_seconds: int

    @property
    def may_extend(self) -> bool:
        return self.expires_at is not None and not self.extended

    @property
    def extension_label(self) -> str:
        """'5 more minutes', '1 more minute', '90 more seconds'."""
        minutes, seconds = divmod(self.extension_seconds, 60)
        if seconds:
            return f"{self.extension_seconds} more seconds"
        return f"{minutes} more minute{'s' if minutes != 1 else ''}"


class HoldNotExtended(Conflict):
    """The extension was refused; nothing changed."""

    def __init__(self, outcome: str) -> None:
        super().__init__(_REFUSALS.get(outcome) or SalesState(outcome).message)
        self.outcome = outcome


_REFUSALS = {
    "expired": "Your hold has expired, so it cannot be extended; the seats are back on sale. Choose them again.",
    "already_extended": "Your hold was already extended once; it cannot be extended again.",
    "too_late": "Sales end before your hold does, so it cannot be extended.",
}


async def hold_clock(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, *, extension_seconds: int
) -> HoldClock:
    """The cart's countdown, read without locks (extending decides under lock)."""
    deadlines = union_all(
        select(EventSeat.held_until.label("held_until")).where(
            EventSeat.event_id == event_id, EventSeat.cart_id == cart_id, seat_hold_is_live()
        ),
        select(AreaHold.held_until).where(
            AreaHold.event_id == event_id, AreaHold.cart_id == cart_id, area_hold_is_live()
        ),
    ).subquery()
    expires_at = await session.scalar(select(func.min(deadlines.c.held_until)))
    extended_at = await session.scalar(select(Cart.extended_at).where(Cart.id == cart_id))
    return HoldClock(expires_at, extended_at is not None, extension_seconds)


async def extend_hold(session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, *, seconds: int) -> datetime:
    """Every live hold of the cart moves `seconds` later (never past the end of sales), once per cart; returns the
    new deadline. HoldNotExtended after expiry, on a second try, or when the event is no longer on sale: then
    nothing changed. Joins the caller's transaction (the caller commits). Safe to repeat: a repeat is refused."""
    row = await fetch_row(session, "SELECT * FROM usher_extend_hold($1, $2, $3)", event_id, cart_id, seconds)
    if row["outcome"] != "extended":
        raise HoldNotExtended(row["outcome"])
    return row["held_until"]


async def extend_basket_hold(
    session: AsyncSession, event_id: uuid.UUID, cart_id: uuid.UUID, *, seconds: int
) -> datetime:
    """extend_hold in a transaction of its own: a basket's extension (the checkout page, the API). Committed when
    granted; rolled back and HoldNotExtended when refused."""
    try:
        until = await extend_hold(session, event_id, cart_id, seconds=seconds)
    except HoldNotExtended:
        await session.rollback()
        raise
    await session.commit()
    return until
