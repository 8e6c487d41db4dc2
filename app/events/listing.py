"""The public listing: published events that have not ended, searched and filtered, a page at a time; and the
same events and their series for the sitemap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import msgspec
from sqlalchemy import Date, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import like_contains, utcnow
from app.events.models import Event, EventSeries, EventStatus
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


@dataclass(frozen=True)
class SitemapEntry:
    path: str
    lastmod: datetime


async def sitemap_entries(session: AsyncSession) -> list[SitemapEntry]:
    """Published events that have not ended, and the series with such a date: what search engines may list."""
    upcoming = (Event.status == EventStatus.PUBLISHED, Event.ends_at > utcnow())
    events = await session.execute(select(Event.slug, Event.updated_at).where(*upcoming).order_by(Event.starts_at))
    series = await session.execute(
        select(EventSeries.slug, func.max(Event.updated_at))
        .join(Event, Event.series_id == EventSeries.id)
        .where(*upcoming)
        .group_by(EventSeries.slug)
        .order_by(EventSeries.slug)
    )
    return [SitemapEntry(f"/events/{slug}", updated) for slug, updated in events] + [
        SitemapEntry(f"/series/{slug}", updated) for slug, updated in series
    ]
