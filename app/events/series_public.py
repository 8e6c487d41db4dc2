"""What buyers see of a series: its dates with availability, and series in the public listing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import NotFound
from app.events.availability import Badge, Places, badge, count_places, sum_places
from app.events.models import Event, EventSeries, EventStatus, PriceTier
from app.timeutil import to_local

Availability = Literal["on sale", "few left", "sold out", "sales ended", "not yet on sale", "cancelled"]


def availability(event: Event, places: Places | None, now: datetime) -> Availability:
    if event.status == EventStatus.CANCELLED:
        return "cancelled"
    if event.ends_at <= now or (event.sales_end_at and event.sales_end_at <= now):
        return "sales ended"
    if event.sales_start_at and event.sales_start_at > now:
        return "not yet on sale"
    return badge(places) or "on sale"


@dataclass(frozen=True)
class SeriesDate:
    event: Event
    availability: Availability
    places: Places | None

    @property
    def month(self) -> str:
        return to_local(self.event.starts_at, self.event.timezone).strftime("%B %Y")


async def dated(session: AsyncSession, events: list[Event]) -> list[SeriesDate]:
    places = await count_places(session, [e.id for e in events if e.first_published_at])
    now = utcnow()
    return [SeriesDate(e, availability(e, places.get(e.id), now), places.get(e.id)) for e in events]


# --- public ----------------------------------------------------------------------------------------------------

_PUBLIC = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


async def public_series(session: AsyncSession, slug: str) -> tuple[EventSeries, list[SeriesDate]]:
    """A series with at least one public date, and its public dates that have not ended, soonest first."""
    series = await session.scalar(select(EventSeries).where(EventSeries.slug == slug))
    events = []
    if series is not None:
        query = select(Event).where(Event.series_id == series.id, Event.status.in_(_PUBLIC), Event.ends_at > utcnow())
        events = list(await session.scalars(query.order_by(Event.starts_at)))
    if not events:
        raise NotFound("Series not found.")
    return series, await dated(session, events)


@dataclass(frozen=True)
class ListedSeries:
    slug: str
    title: str
    dates: int
    places: Places | None  # of every upcoming date together: sold out only when every date is
    price_minor: int | None  # the lowest price of any upcoming date
    currency: str | None

    @property
    def badge(self) -> Badge | None:
        return badge(self.places)


async def listed_series(session: AsyncSession, events: list[Event]) -> dict[uuid.UUID, ListedSeries]:
    """For a listing page: each series of these events with its count of upcoming published dates, their places
    and lowest price (a fixed number of queries for any number of series)."""
    ids = {e.series_id for e in events if e.series_id}
    if not ids:
        return {}
    rows = (
        await session.execute(
            select(EventSeries.id, EventSeries.slug, EventSeries.title, func.array_agg(Event.id))
            .join(Event, Event.series_id == EventSeries.id)
            .where(EventSeries.id.in_(ids), Event.status == EventStatus.PUBLISHED, Event.ends_at > utcnow())
            .group_by(EventSeries.id)
        )
    ).all()
    date_ids = [d for *_, dates in rows for d in dates]
    places = await count_places(session, date_ids)
    prices = {
        series_id: (price, currency)
        for series_id, price, currency in await session.execute(
            select(Event.series_id, func.min(PriceTier.price_minor), func.min(PriceTier.currency))
            .join(PriceTier, PriceTier.event_id == Event.id)
            .where(Event.id.in_(date_ids))
            .group_by(Event.series_id)
        )
    }
    listed = {}
    for series_id, slug, title, dates in rows:
        total = sum_places([places[d] for d in dates if d in places])
        listed[series_id] = ListedSeries(slug, title, len(dates), total, *prices.get(series_id, (None, None)))
    return listed
