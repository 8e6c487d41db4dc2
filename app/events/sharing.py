"""What a shared link shows: the meta description, Open Graph and Twitter card of public pages, and the event's
schema.org `Event` data (JSON-LD) that search engines read. The online access URL is for ticket holders only and
never appears here: an online event's location is its public page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Organization
from app.db import utcnow
from app.events.availability import EventAvailability, event_availability
from app.events.models import Event, EventSeries, EventStatus, PriceTier, TierState
from app.money import format_amount
from app.timeutil import format_local, to_local
from app.venues.render import script_json

DESCRIPTION_LENGTH = 160  # what search results show before cutting
SCHEMA = "https://schema.org/"


@dataclass(frozen=True)
class Sharing:
    """The head of a public page: what link previews and search results show."""

    title: str
    description: str
    url: str
    image: str | None = None
    json_ld: str | None = None  # safe inside <script type="application/ld+json">


def summary(text: str, fallback: str) -> str:
    """The first DESCRIPTION_LENGTH characters of `text` on one line, cut at a word; `fallback` when it is blank."""
    flat = re.sub(r"\s+", " ", text).strip()
    if not flat:
        return fallback
    if len(flat) <= DESCRIPTION_LENGTH:
        return flat
    return flat[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def event_url(base_url: str, event: Event) -> str:
    return f"{base_url}/events/{event.slug}"


def cover_url(base_url: str, event: Event) -> str | None:
    return f"{base_url}/events/{event.slug}/cover.jpg?v={event.cover_version}" if event.cover_version else None


def _local_iso(moment: datetime, timezone: str) -> str:
    """2030-06-01T20:00:00+02:00: the event's wall clock with its offset, to the second."""
    return to_local(moment, timezone).replace(microsecond=0).isoformat()


def _where(event: Event) -> str:
    if event.venue:
        return event.venue.name
    return "online"


def _offer_availability(event: Event, tier: PriceTier, availability: EventAvailability) -> str:
    """schema.org's word for whether this price can be bought now, from the live counts and the sales windows."""
    if event.status == EventStatus.CANCELLED:
        return "Discontinued"
    offer = availability.tiers.get(tier.id)
    if offer and offer.badge == "sold out":
        return "SoldOut"
    now = utcnow()
    if event.sales_end_at and event.sales_end_at <= now:
        return "Discontinued"
    state = tier.sales_state(now)
    if state == TierState.UPCOMING or (event.sales_start_at and event.sales_start_at > now):
        return "PreOrder"
    return {TierState.SOLD_OUT: "SoldOut", TierState.ENDED: "Discontinued"}.get(state, "InStock")


def _offer(event: Event, tier: PriceTier, availability: EventAvailability, url: str) -> dict:
    offer = {
        "@type": "Offer",
        "name": tier.name + (f" · {tier.price_type}" if tier.price_type else ""),
        "price": format_amount(tier.price_minor, tier.currency),
        "priceCurrency": tier.currency,
        "availability": SCHEMA + _offer_availability(event, tier, availability),
        "url": url,
    }
    valid_from = tier.sales_start_at or event.sales_start_at or event.first_published_at
    if valid_from:
        offer["validFrom"] = _local_iso(valid_from, event.timezone)
    return offer


def _location(event: Event, url: str) -> list[dict]:
    places: list[dict] = []
    if event.venue:
        place: dict = {"@type": "Place", "name": event.venue.name}
        if event.venue.address:
            place["address"] = {"@type": "PostalAddress", "streetAddress": event.venue.address}
        places.append(place)
    if event.online_url:
        places.append({"@type": "VirtualLocation", "url": url})
    return places


def event_structured_data(
    event: Event, availability: EventAvailability, organizer: str, base_url: str
) -> dict[str, object]:
    """schema.org Event: times with the event's own offset, one offer per tier with live availability."""
    url = event_url(base_url, event)
    online, offline = bool(event.online_url), event.venue is not None
    mode = "MixedEventAttendanceMode" if online and offline else "OnlineEventAttendanceMode" if online else None
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "startDate": _local_iso(event.starts_at, event.timezone),
        "endDate": _local_iso(event.ends_at, event.timezone),
        "eventStatus": SCHEMA + ("EventCancelled" if event.status == EventStatus.CANCELLED else "EventScheduled"),
        "eventAttendanceMode": SCHEMA + (mode or "OfflineEventAttendanceMode"),
        "description": summary(event.description, event.title),
        "organizer": {"@type": "Organization", "name": organizer},
        "offers": [_offer(event, tier, availability, url) for tier in event.tiers],
    }
    location = _location(event, url)
    if location:
        data["location"] = location[0] if len(location) == 1 else location
    if image := cover_url(base_url, event):
        data["image"] = [image]
    return data


async def event_sharing(session: AsyncSession, event: Event, availability: EventAvailability, base_url: str) -> Sharing:
    organization = await session.get(Organization, event.organization_id)
    organizer = organization.name if organization else "Usher"
    when = format_local(event.starts_at, event.timezone)
    return Sharing(
        title=event.title,
        description=summary(event.description, f"Tickets for {event.title}: {when}, {_where(event)}."),
        url=event_url(base_url, event),
        image=cover_url(base_url, event),
        json_ld=script_json(event_structured_data(event, availability, organizer, base_url)),
    )


async def series_sharing(session: AsyncSession, series: EventSeries, dates: list[Event], base_url: str) -> Sharing:
    """A series previews with its next covered date's cover; search engines get each date as an Event."""
    covered = next((e for e in dates if e.cover_version), None)
    organization = await session.get(Organization, series.organization_id)
    organizer = organization.name if organization else "Usher"
    availability = await event_availability(session, dates)
    events = [event_structured_data(e, availability[e.id], organizer, base_url) for e in dates]
    return Sharing(
        title=series.title,
        description=summary(series.description, f"Tickets for {series.title}: {len(dates)} dates."),
        url=f"{base_url}/series/{series.slug}",
        image=cover_url(base_url, covered) if covered else None,
        json_ld=script_json(events) if events else None,
    )
