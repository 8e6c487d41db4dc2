"""The one rule for what a ticket costs: among the tiers pricing its seats (same seat category, or the general-
admission tier's own area) and the chosen price type, the first by sort order that is in its sales window and
has tickets left. When an early-bird tier ends, by date or by quantity, the next one takes over by itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from app.events.models import PriceTier, TierState


def tier_category(tier_id: uuid.UUID) -> str:
    """The inventory category of a general-admission tier's own area (as usher_tier_category() in SQL)."""
    return f"tier:{tier_id}"


def category_of(tier: PriceTier) -> str:
    return tier.seat_category or tier_category(tier.id)


def in_sort_order(tiers: Sequence[PriceTier]) -> list[PriceTier]:
    """As Event.tiers is loaded; a tier appended in this session is not yet in its place."""
    return sorted(tiers, key=lambda t: (t.sort_order, t.price_minor))


def pricing_tiers(tiers: Sequence[PriceTier], category: str) -> list[PriceTier]:
    """Every tier that prices the category, in sort order."""
    return [t for t in in_sort_order(tiers) if category_of(t) == category]


def on_sale(tiers: Sequence[PriceTier], category: str, now: datetime) -> list[PriceTier]:
    return [t for t in pricing_tiers(tiers, category) if t.sales_state(now) == TierState.ON_SALE]


def price_types(tiers: Sequence[PriceTier], category: str, now: datetime) -> list[str]:
    """The price types a buyer may choose for the category now, the default first."""
    return list(dict.fromkeys(t.price_type for t in on_sale(tiers, category, now)))


def candidates(tiers: Sequence[PriceTier], category: str, price_type: str, now: datetime) -> list[PriceTier]:
    """The tiers that may price one ticket of the category and price type, the current one first (the next ones
    take over when its quantity turns out to be used up when counted)."""
    return [t for t in on_sale(tiers, category, now) if t.price_type == price_type]


def current_price(tiers: Sequence[PriceTier], category: str, price_type: str | None, now: datetime) -> PriceTier | None:
    """The tier a buyer sees now for the category (and price type; the default when None)."""
    chosen = price_type if price_type is not None else next(iter(price_types(tiers, category, now)), "")
    return next(iter(candidates(tiers, category, chosen, now)), None)


def not_on_sale_reason(tiers: Sequence[PriceTier], category: str, now: datetime) -> str:
    """Why nothing of the category can be bought now: not on sale yet, sold out at every price, or ended."""
    states = {t.sales_state(now) for t in pricing_tiers(tiers, category)}
    if TierState.UPCOMING in states:
        starts = min(t.sales_start_at for t in pricing_tiers(tiers, category) if t.sales_state(now) == "upcoming")
        return f"is not on sale yet (on sale from {starts:%Y-%m-%d %H:%M} UTC)"
    if TierState.SOLD_OUT in states:
        return "is sold out at every price"
    return "is no longer on sale (sales ended)" if states else "is not on sale"
