"""General-admission price tiers (a capacity, no seat category) sold as standing areas of their own: each gets an
`event_areas` row at first publication (sql/general_admission.sql), so holds, the sweeper, live counts, checkout,
tickets and the door treat its places like those of a standing area of a seat map."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import Event, PriceTier


def tier_category(tier_id: uuid.UUID) -> str:
    """The same category as usher_tier_category() in SQL."""
    return f"tier:{tier_id}"


def general_admission_tiers(event: Event) -> list[PriceTier]:
    return [t for t in event.tiers if t.seat_category is None]


def tiers_by_category(event: Event) -> dict[str, PriceTier]:
    """The tier that prices each inventory category: seated tiers by their seat category, general-admission tiers
    by the category of their own area."""
    tiers = {t.seat_category: t for t in event.tiers if t.seat_category}
    tiers.update({tier_category(t.id): t for t in general_admission_tiers(event)})
    return tiers


async def add_tier_areas(session: AsyncSession, event_id: uuid.UUID) -> int:
    """Create the areas of the event's general-admission tiers; safe to repeat. Returns the places added."""
    return await session.scalar(select(func.usher_add_tier_areas(event_id))) or 0
