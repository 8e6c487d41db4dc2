"""A cart's holds priced by the event's tiers now (app/events/prices.py has the rule), each at the buyer's chosen
price type; when an order is placed, early-bird quantities are counted atomically, and given back if it is never
paid."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ValidationFailed
from app.events import prices
from app.events.models import Event, PriceTier
from app.orders.models import Order
from app.orders.pricing import PricedLine
from app.seating import sales


def _not_offered(event: Event, item: sales.CartItem, chosen: str | None, now: datetime) -> ValidationFailed:
    what = f"Seat {item.label}" if item.kind == "seat" else item.label
    offered = prices.price_types(event.tiers, item.category, now)
    if chosen is not None and offered:
        names = " or ".join(t or "the standard price" for t in offered)
        message = f"The price “{chosen}” is not offered for {what}; choose {names}."
    else:
        message = f"{what} {prices.not_on_sale_reason(event.tiers, item.category, now)}."
    return ValidationFailed({"cart": message}, message)


async def _claim(session: AsyncSession, tiers: list[PriceTier], quantity: int) -> PriceTier | None:
    """The first tier with `quantity` tickets left, counted atomically (never past an early-bird limit, however
    many order at once); unlimited tiers are not counted."""
    for tier in tiers:
        if tier.quantity_limit is None:
            return tier
        counted = await session.scalar(
            update(PriceTier)
            .where(PriceTier.id == tier.id, PriceTier.sold_count + quantity <= PriceTier.quantity_limit)
            .values(sold_count=PriceTier.sold_count + quantity)
            .returning(PriceTier.id)
            .execution_options(synchronize_session=False)
        )
        if counted is not None:
            return tier
    return None


async def give_back_early_birds(session: AsyncSession, order: Order) -> None:
    """An order that was never paid gives its early-bird tickets back, as it gives back its promo code's use."""
    for line in order.lines:
        if line.tier_id is not None:
            await session.execute(
                update(PriceTier)
                .where(
                    PriceTier.id == line.tier_id,
                    PriceTier.quantity_limit.is_not(None),
                    PriceTier.sold_count >= line.quantity,
                )
                .values(sold_count=PriceTier.sold_count - line.quantity)
                .execution_options(synchronize_session=False)
            )


async def cart_lines(
    session: AsyncSession, event: Event, cart_id: uuid.UUID, *, lock: bool, chosen: dict[str, str] | None = None
) -> list[PricedLine]:
    """The cart's holds priced by the event's tiers now, each at the buyer's chosen price type (the default when
    none). With `lock` the holds stay locked for the rest of the transaction and early-bird quantities are
    counted; lines are claimed in (category, key) order so concurrent orders lock tiers in one order."""
    now = await session.scalar(select(func.now()))
    chosen = chosen or {}
    items = await sales.cart_contents(session, event.id, cart_id, lock=lock)
    if items and (strays := sorted(set(chosen) - {item.key for item in items})):
        message = f"{', '.join(strays[:5])} is not in your basket; choose a price only for what you hold."
        raise ValidationFailed({"cart": message}, message)
    priced = {}
    for item in sorted(items, key=lambda i: (i.category, i.key)):
        price_type = chosen.get(item.key)
        if price_type is None:
            price_type = next(iter(prices.price_types(event.tiers, item.category, now)), "")
        candidates = prices.candidates(event.tiers, item.category, price_type, now)
        tier = await _claim(session, candidates, item.quantity) if lock else next(iter(candidates), None)
        if tier is None:
            raise _not_offered(event, item, chosen.get(item.key), now)
        choices = tuple(
            (t, offer.price_minor)
            for t in prices.price_types(event.tiers, item.category, now)
            if (offer := prices.current_price(event.tiers, item.category, t, now))
        )
        priced[item.key] = PricedLine(
            item.kind,
            item.key,
            item.label,
            item.category,
            f"{tier.name} · {tier.price_type}" if tier.price_type else tier.name,
            item.quantity,
            tier.price_minor,
            tier.price_type,
            tier.id,
            choices,
        )
    return [priced[item.key] for item in items]
