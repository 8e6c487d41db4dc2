"""Publishing checks: an event that would sell nothing, seats its map does not have, or a seat at two prices at
once cannot be published, and each problem is named."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
import pytest

from app.errors import Conflict, ValidationFailed
from app.events import service as events
from app.events.models import EventStatus
from app.venues.layouts import SAMPLES_DIR, import_layout
from app.venues.service import create_venue
from tests.seating.conftest import THEATRE_TIERS, make_owner

STARTS = datetime.now() + timedelta(days=30)


async def draft_event(db, *, seated: bool) -> tuple:
    """An unpublished event at a venue, on the theatre seat map when `seated`; returns (actor, slug)."""
    actor, organization_id = await make_owner(db, "draft")
    venue = await create_venue(db, actor, organization_id, name="Playhouse", address="", timezone="Europe/London")
    version = None
    if seated:
        version = await import_layout(db, actor, venue.id, name="Main", document=SAMPLES_DIR / "theatre.json")
    await events.create_event(
        db,
        actor,
        organization_id,
        events.EventInput(
            title="Draft",
            slug="draft",
            timezone="Europe/London",
            venue_id=venue.id,
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=2),
            layout_version_id=version.id if version else None,
        ),
    )
    return actor, "draft"


async def add_seated(db, actor, name: str, category: str, *, start: int | None = None, end: int | None = None):
    """A seated tier on sale from `start` to `end` days from now (open-ended when None)."""
    window = {
        "sales_start_at": datetime.now() + timedelta(days=start) if start is not None else None,
        "sales_end_at": datetime.now() + timedelta(days=end) if end is not None else None,
    }
    data = events.TierInput(name=name, price_minor=1000, currency="GBP", seat_category=category, **window)
    await events.add_tier(db, actor, "draft", data)


async def refusal(db, actor) -> str:
    with pytest.raises(Conflict) as refused:
        await events.set_status(db, actor, "draft", EventStatus.PUBLISHED)
    await db.rollback()
    return refused.value.message


async def test_an_event_with_nothing_to_sell_cannot_be_published(db):
    actor, _ = await draft_event(db, seated=False)
    assert "Nothing to sell. Add at least one price tier." in await refusal(db, actor)


async def test_a_seated_tier_needs_a_seat_map_and_one_of_its_categories_and_nothing_is_added_otherwise(db):
    actor, _ = await draft_event(db, seated=False)
    with pytest.raises(ValidationFailed) as no_map:
        await add_seated(db, actor, "Stalls", "stalls")
    assert "no seat map" in no_map.value.errors["seat_category"]
    await db.rollback()
    event = await events.get_event_for(db, actor, "draft")
    version = await import_layout(db, actor, event.venue_id, name="Main", document=SAMPLES_DIR / "theatre.json")
    await events.update_event(
        db, actor, "draft", msgspec.structs.replace(events.event_input_of(event), layout_version_id=version.id)
    )
    for typed in ("boxes", "Stalls"):  # unknown, and a display name where the key is meant
        with pytest.raises(ValidationFailed) as unknown:
            await add_seated(db, actor, "Boxes", typed)
        await db.rollback()
        assert "Premium (premium), Stalls (stalls), Balcony (balcony)" in unknown.value.errors["seat_category"]
    assert (await events.get_event_for(db, actor, "draft")).tiers == []


async def test_tiers_whose_seat_map_was_changed_or_removed_afterwards_are_named(db):
    actor, _ = await draft_event(db, seated=True)
    for category in THEATRE_TIERS:
        await add_seated(db, actor, category.title(), category)
    event = await events.get_event_for(db, actor, "draft")
    arena = await import_layout(db, actor, event.venue_id, name="Arena", document=SAMPLES_DIR / "arena.json")
    data = events.event_input_of(event)
    await events.update_event(db, actor, "draft", msgspec.structs.replace(data, layout_version_id=arena.id))
    message = await refusal(db, actor)
    assert "Tier “Stalls” sells seats of category “stalls”, which the seat map does not have" in message
    assert "(it has floor, lower, upper)" in message
    await events.update_event(db, actor, "draft", msgspec.structs.replace(data, layout_version_id=None))
    assert "Tier “Stalls” sells seats (stalls), but the event has no seat map." in await refusal(db, actor)


async def test_two_tiers_pricing_the_same_seats_at_the_same_time_are_named(db):
    actor, _ = await draft_event(db, seated=True)
    for category in THEATRE_TIERS:
        await add_seated(db, actor, category.title(), category)
    await add_seated(db, actor, "Stalls early bird", "stalls", end=10)
    message = await refusal(db, actor)
    assert "Tiers “Stalls” and “Stalls early bird” both price stalls seats at the same time" in message


async def test_tiers_for_the_same_seats_one_after_the_other_publish(db):
    actor, _ = await draft_event(db, seated=True)
    await add_seated(db, actor, "Premium", "premium")
    await add_seated(db, actor, "Balcony", "balcony")
    await add_seated(db, actor, "Stalls early bird", "stalls", end=10)
    await add_seated(db, actor, "Stalls", "stalls", start=10)
    event = await events.set_status(db, actor, "draft", EventStatus.PUBLISHED)
    assert event.status == EventStatus.PUBLISHED


async def test_the_organizer_sees_every_problem_before_publishing(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org, title="Empty night")
    refused = await browser.publish(slug)
    assert refused.status_code == 409 and "Nothing to sell. Add at least one price tier." in refused.text
