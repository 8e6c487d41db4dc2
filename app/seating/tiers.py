"""General-admission price tiers (a capacity, no seat category) sold as standing areas of their own: each gets an
`event_areas` row at first publication (sql/general_admission.sql), so holds, the sweeper, live counts, checkout,
tickets and the door treat its places like those of a standing area of a seat map."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import Conflict
from app.events.models import Event, PriceTier
from app.events.prices import category_of, current_price, not_on_sale_reason
from app.events.prices import tier_category as tier_category  # where seating/pages.py finds it
from app.seating.models import EventSeat


class TierNotOnSale(Conflict):
    """No tier prices these seats or places now: its sales window has not opened or has closed, or every early
    bird and later tier is sold out."""


def general_admission_tiers(event: Event) -> list[PriceTier]:
    return [t for t in event.tiers if t.seat_category is None]


def tiers_by_category(event: Event) -> dict[str, PriceTier]:
    """The tier that prices each inventory category now at its default price type (app/events/prices.py):
    seated tiers by their seat category, general-admission tiers by the category of their own area. A category
    with nothing on sale now is missing."""
    now = utcnow()
    categories = dict.fromkeys(category_of(t) for t in event.tiers)
    return {c: tier for c in categories if (tier := current_price(event.tiers, c, None, now)) is not None}


async def require_priced_now(session: AsyncSession, event_id: uuid.UUID, categories: dict[str, str]) -> None:
    """TierNotOnSale unless some tier prices each category (name -> what the buyer calls it) now. Checked before
    holding and again, under the order's locks, when the order is placed."""
    now = await session.scalar(select(func.now()))
    tiers = (
        await session.scalars(
            select(PriceTier)
            .where(PriceTier.event_id == event_id)
            .order_by(PriceTier.sort_order, PriceTier.price_minor)
            .execution_options(populate_existing=True)
        )
    ).all()
    for category, what in sorted(categories.items()):
        if current_price(tiers, category, None, now) is None:
            raise TierNotOnSale(f"{what} {not_on_sale_reason(tiers, category, now)}.")


async def require_seats_priced_now(session: AsyncSession, slug: str, keys: list[str]) -> None:
    """require_priced_now for the categories of these seats (unknown seats are left to the hold to name)."""
    event_id = await session.scalar(select(Event.id).where(Event.slug == slug))
    if event_id is None:
        return
    rows = await session.execute(
        select(EventSeat.category, func.min(EventSeat.key))
        .where(EventSeat.event_id == event_id, EventSeat.key.in_(keys))
        .group_by(EventSeat.category)
    )
    await require_priced_now(session, event_id, {category: f"Seat {key}" for category, key in rows})


async def add_tier_areas(session: AsyncSession, event_id: uuid.UUID) -> int:
    """Create the areas of the event's general-admission tiers; safe to repeat. Returns the places added."""
    return await session.scalar(select(func.usher_add_tier_areas(event_id))) or 0
