"""Availability as buyers see it, for many events at once: places counted by inventory (a higher layer, which
registers its probes here so events never imports it), the from-price and the "few left" / "sold out" badges of
each event and each of its tiers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.events.models import Event, PriceTier, TierState
from app.events.publishing import seat_map_of
from app.venues.seatmap import SeatMap

FEW_LEFT_PLACES = 10  # "few left" from 10 places down, or from a tenth of the capacity when that is more


@dataclass(frozen=True)
class Places:
    capacity: int
    left: int
    sold: int


@dataclass(frozen=True)
class TierPlaces:
    """A tier's places: its seats (counted when the page loads) and its areas (kept current by live `left`)."""

    places: Places
    seats_left: int = 0
    area_keys: tuple[str, ...] = ()


def sum_places(places: list[Places]) -> Places | None:
    """Places of several events or tiers together; None when none was counted."""
    if not places:
        return None
    return Places(sum(p.capacity for p in places), sum(p.left for p in places), sum(p.sold for p in places))


PlacesProbe = Callable[[AsyncSession, list[uuid.UUID]], Awaitable[dict[uuid.UUID, Places]]]
TierPlacesProbe = Callable[[AsyncSession, list[Event]], Awaitable[dict[uuid.UUID, dict[uuid.UUID, TierPlaces]]]]
_places_probes: list[PlacesProbe] = []
_tier_probes: list[TierPlacesProbe] = []


def on_count_places(probe: PlacesProbe) -> PlacesProbe:
    """Register how places of published events are counted per event (inventory registers it)."""
    _places_probes.append(probe)
    return probe


def on_count_tier_places(probe: TierPlacesProbe) -> TierPlacesProbe:
    """Register how places of published events are counted per tier (inventory registers it)."""
    _tier_probes.append(probe)
    return probe


async def count_places(session: AsyncSession, event_ids: list[uuid.UUID]) -> dict[uuid.UUID, Places]:
    totals: dict[uuid.UUID, Places] = {}
    for probe in _places_probes:
        for event_id, p in (await probe(session, event_ids)).items():
            known = totals.get(event_id, Places(0, 0, 0))
            totals[event_id] = Places(known.capacity + p.capacity, known.left + p.left, known.sold + p.sold)
    return totals


def few_left_at(capacity: int) -> int:
    """The number of places left from which a badge says "few left"."""
    return max(FEW_LEFT_PLACES, capacity // 10)


Badge = Literal["few left", "sold out"]


def badge(places: Places | None) -> Badge | None:
    """No badge for places not counted (never published) or plentiful."""
    if places is None or not places.capacity:
        return None
    if places.left <= 0:
        return "sold out"
    return "few left" if places.left <= few_left_at(places.capacity) else None


@dataclass(frozen=True)
class Offer:
    """One tier's or one event's places with its badge; `few_at` lets the page recompute the badge from live counts."""

    places: Places | None
    seats_left: int = 0
    area_keys: tuple[str, ...] = ()

    @property
    def badge(self) -> Badge | None:
        return badge(self.places)

    @property
    def few_at(self) -> int:
        return few_left_at(self.places.capacity) if self.places else 0


@dataclass(frozen=True)
class EventAvailability(Offer):
    from_price: PriceTier | None = None  # the cheapest tier on sale now (else soon) with places left
    tiers: dict[uuid.UUID, Offer] = field(default_factory=dict)


def _sum(offers: list[Offer]) -> Offer:
    counted = [o for o in offers if o.places]
    if not counted:
        return Offer(None)
    places = sum_places([o.places for o in counted])
    return Offer(places, sum(o.seats_left for o in counted), tuple(k for o in counted for k in o.area_keys))


async def event_availability(session: AsyncSession, events: list[Event]) -> dict[uuid.UUID, EventAvailability]:
    """Availability of each event (tiers loaded) in one query per kind of place, whatever the number of events."""
    counted: dict[uuid.UUID, dict[uuid.UUID, TierPlaces]] = {}
    published = [e for e in events if e.first_published_at]
    for probe in _tier_probes:
        counted |= await probe(session, published)
    now = utcnow()
    result: dict[uuid.UUID, EventAvailability] = {}
    for event in events:
        tiers: dict[uuid.UUID, Offer] = {}
        for tier in event.tiers:
            found = counted.get(event.id, {}).get(tier.id)
            tiers[tier.id] = Offer(found.places, found.seats_left, found.area_keys) if found else Offer(None)
        # Several price types price the same seats: count each seat category's places once.
        total = _sum(list({t.seat_category or t.id: tiers[t.id] for t in event.tiers}.values()))
        states = {t.id: t.sales_state(now) for t in event.tiers if tiers[t.id].badge != "sold out"}
        # Before any tier's sales open, the price of those to come; an early bird whose first N are sold gives none.
        buyable = [t for t in event.tiers if states.get(t.id) == TierState.ON_SALE] or [
            t for t in event.tiers if states.get(t.id) == TierState.UPCOMING
        ]
        cheapest = min(buyable, key=lambda t: t.price_minor, default=None)
        result[event.id] = EventAvailability(total.places, total.seats_left, total.area_keys, cheapest, tiers)
    return result


def _category_labels(seatmap: SeatMap) -> dict[str, str]:
    seated = {seat.category for _, _, seat in seatmap.seats()}
    return {c.key: f"Seated · {c.name}" if c.key in seated else "Standing" for c in seatmap.categories}


# Layout versions are frozen once an event is sold with them, so their labels never go stale.
_labels_of_version: dict[uuid.UUID, dict[str, str]] = {}
LABELLED_VERSIONS_KEPT = 256


async def what_tiers_sell(session: AsyncSession, event: Event) -> dict[uuid.UUID, str]:
    """What each tier sells, as buyers call it: the seat map's category names, never its internal keys; a
    category only standing areas use is "Standing". The map is read once per process and layout version."""
    version = event.layout_version_id
    if version is not None and version not in _labels_of_version:
        seatmap = await seat_map_of(session, event)
        if len(_labels_of_version) >= LABELLED_VERSIONS_KEPT:
            _labels_of_version.pop(next(iter(_labels_of_version)))
        _labels_of_version[version] = _category_labels(seatmap) if seatmap else {}
    labels = _labels_of_version.get(version, {}) if version else {}
    return {
        tier.id: "General admission" if tier.seat_category is None else labels.get(tier.seat_category, "Seated")
        for tier in event.tiers
    }
