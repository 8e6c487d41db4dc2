"""Prices, discounts and fees in integer minor units (never floats); rounding is half up, once, per amount."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from app.orders.models import PromoCode, PromoKind


@dataclass(frozen=True)
class PricedLine:
    kind: str  # seat | area
    key: str
    label: str
    category: str
    tier_name: str
    quantity: int
    unit_price_minor: int
    price_type: str = ""
    tier_id: uuid.UUID | None = None
    # The price types the buyer may choose for this line now, with their current price (the default first).
    choices: tuple[tuple[str, int], ...] = field(default=())

    @property
    def total_minor(self) -> int:
        return self.unit_price_minor * self.quantity


@dataclass(frozen=True)
class Totals:
    currency: str
    tickets: int
    subtotal_minor: int
    discount_minor: int
    fee_minor: int

    @property
    def total_minor(self) -> int:
        return self.subtotal_minor - self.discount_minor + self.fee_minor


def share(amount_minor: int, basis_points: int) -> int:
    """basis_points/10000 of an amount, rounded half up."""
    return (amount_minor * basis_points + 5000) // 10000


def discount_for(promo: PromoCode | None, subtotal_minor: int) -> int:
    if promo is None:
        return 0
    if promo.kind == PromoKind.PERCENT:
        return share(subtotal_minor, promo.value * 100)
    return min(promo.value, subtotal_minor)


def totals(
    lines: list[PricedLine],
    currency: str,
    *,
    fee_percent_bp: int,
    fee_fixed_minor: int,
    promo: PromoCode | None = None,
) -> Totals:
    subtotal = sum(line.total_minor for line in lines)
    tickets = sum(line.quantity for line in lines)
    discount = discount_for(promo, subtotal)
    # No fee on a free order: nothing is charged, so nothing is processed.
    fee = share(subtotal - discount, fee_percent_bp) + fee_fixed_minor * tickets if subtotal - discount > 0 else 0
    return Totals(currency, tickets, subtotal, discount, fee)


def promo_problem(promo: PromoCode | None, now: datetime) -> str | None:
    """Why a code cannot be used right now (its use count is checked atomically when the order is made)."""
    if promo is None or not promo.active:
        return "This promo code is not valid for this event."
    if promo.valid_from and now < promo.valid_from:
        return "This promo code is not valid yet."
    if promo.valid_until and now >= promo.valid_until:
        return "This promo code has expired."
    if promo.max_uses is not None and promo.used_count >= promo.max_uses:
        return "This promo code has been used up."
    return None
