"""What publishing needs: the seat map an event is sold with, and why an event cannot be published yet (every
problem named, so an organizer knows what to fix)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.events.models import Event, PriceTier
from app.events.prices import in_sort_order
from app.venues.models import SeatLayoutVersion
from app.venues.seatmap import SeatMap, parse


async def seat_map_of(session: AsyncSession, event: Event) -> SeatMap | None:
    """The seat map the event is sold with (the layout version frozen on it), if it has one."""
    if event.layout_version_id is None:
        return None
    version = await session.get(SeatLayoutVersion, event.layout_version_id)
    return parse(version.document) if version else None


async def seat_categories_of(session: AsyncSession, event: Event) -> dict[str, str] | None:
    """The categories of the event's seat map, key -> display name in the map's order; None without a map."""
    seatmap = await seat_map_of(session, event)
    return {c.key: c.name for c in seatmap.categories} if seatmap else None


def unpriced_categories(seatmap: SeatMap, event: Event) -> list[str]:
    priced = {t.seat_category for t in event.tiers if t.seat_category}
    used = {seat.category for _, _, seat in seatmap.seats()} | {a.category for a in seatmap.ga_areas}
    names = {c.key: c.name for c in seatmap.categories}
    return sorted(names[c] for c in used - priced)


def _windows_overlap(a: PriceTier, b: PriceTier) -> bool:
    """Whether two tiers are on sale at some same moment (a missing start or end is open-ended)."""
    a_before_b_ends = a.sales_start_at is None or b.sales_end_at is None or a.sales_start_at < b.sales_end_at
    b_before_a_ends = b.sales_start_at is None or a.sales_end_at is None or b.sales_start_at < a.sales_end_at
    return a_before_b_ends and b_before_a_ends


def tier_problems(seatmap: SeatMap | None, event: Event) -> list[str]:
    """Tiers that would sell nothing, or seats the map does not have, or make a seat's price ambiguous."""
    problems = []
    seated = [t for t in in_sort_order(event.tiers) if t.seat_category]
    known = {c.key for c in seatmap.categories} if seatmap else set()
    for tier in seated:
        if seatmap is None:
            problems.append(f"Tier “{tier.name}” sells seats ({tier.seat_category}), but the event has no seat map.")
        elif tier.seat_category not in known:
            problems.append(
                f"Tier “{tier.name}” sells seats of category “{tier.seat_category}”, which the seat map does not "
                f"have (it has {', '.join(sorted(known))})."
            )
    for n, tier in enumerate(seated):  # in sort order: `tier` is the one a buyer would be offered first
        for other in seated[n + 1 :]:
            if _ambiguous(tier, other):
                kind = f"{tier.seat_category} seats" + (f" at the {tier.price_type} price" if tier.price_type else "")
                problems.append(
                    f"Tiers “{tier.name}” and “{other.name}” both price {kind} at the same time; give them sale "
                    "windows that do not overlap, or limit the first to its first N tickets (early bird)."
                )
    return problems


def _ambiguous(first: PriceTier, then: PriceTier) -> bool:
    """Two tiers price the same seats at the same price type at one moment, and nothing says which applies: a
    different price type is the buyer's choice, and an early bird limited to its first N hands over by itself."""
    return (
        first.seat_category == then.seat_category
        and first.price_type == then.price_type
        and first.quantity_limit is None
        and _windows_overlap(first, then)
    )


async def publish_problems(session: AsyncSession, event: Event) -> list[str]:
    """Why an event cannot be published yet, each problem named (empty when it can)."""
    problems = []
    seatmap = await seat_map_of(session, event)
    if seatmap and (missing := unpriced_categories(seatmap, event)):
        problems.append("Add price tiers for the seat categories: " + ", ".join(missing) + ".")
    if not event.tiers:
        problems.append("Nothing to sell. Add at least one price tier.")
    problems += tier_problems(seatmap, event)
    if event.venue_id is None and not event.online_url:
        problems.append("Choose a venue or give an online URL.")
    if event.ends_at <= utcnow():
        problems.append("The event has already ended.")
    return problems
