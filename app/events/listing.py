"""The public listing: published events that have not ended, searched and filtered, a page at a time."""

from __future__ import annotations

from datetime import date

import msgspec
from sqlalchemy import Date, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import like_contains, utcnow
from app.events.models import Event, EventStatus
from app.venues.models import Venue


class ListingFilter(msgspec.Struct, kw_only=True):
    q: str = ""
    category: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1


PAGE_SIZE = 24


async def list_public_events(session: AsyncSession, criteria: ListingFilter) -> tuple[list[Event], bool]:
    """Published events that have not ended, soonest first; returns (page of events, whether more follow)."""
    query = select(Event).where(Event.status == EventStatus.PUBLISHED, Event.ends_at > utcnow())
    if text := criteria.q.strip()[:100]:
        pattern = like_contains(text)
        query = query.outerjoin(Venue, Venue.id == Event.venue_id).where(
            or_(
                Event.title.ilike(pattern, escape="\\"),
                Event.description.ilike(pattern, escape="\\"),
                Venue.name.ilike(pattern, escape="\\"),
                func.array_to_string(Event.tags, " ").ilike(pattern, escape="\\"),
            )
        )
    if criteria.category:
        query = query.where(Event.category == criteria.category)
    # Dates are the event's own calendar dates, in its own timezone.
    local_day = cast(func.timezone(Event.timezone, Event.starts_at), Date)
    if criteria.date_from:
        query = query.where(local_day >= criteria.date_from)
    if criteria.date_to:
        query = query.where(local_day <= criteria.date_to)
    page = max(criteria.page, 1)
    rows = list(
        await session.scalars(
            query.order_by(Event.starts_at, Event.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
