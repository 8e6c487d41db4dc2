"""General-admission tiers (a capacity, no seat category) are sold like standing areas: from the event page,
without a seat map, all or nothing, never oversold."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import msgspec
import pytest
from sqlalchemy import delete, select, text

from app.accounts.models import Role
from app.errors import ValidationFailed
from app.events import service as events
from app.main import create_app
from app.seating.models import AreaHold, EventArea
from tests.conftest import Browser, _client, serving
from tests.seating.conftest import make_general_admission_event


async def _area(db, event_id) -> EventArea:
    return await db.scalar(
        select(EventArea).where(EventArea.event_id == event_id).execution_options(populate_existing=True)
    )


async def _hold(browser: Browser, key: str, quantity: str, *, htmx: bool = True, slug: str = "the-comedy"):
    return await browser.post_form(f"/events/{slug}/areas/hold", {"area": key, "quantity": quantity}, htmx=htmx)


async def test_a_general_admission_event_without_a_seat_map_offers_places_on_its_page(comedy, browser, db):
    area = await _area(db, comedy.id)
    assert (area.name, area.capacity, area.held, area.sold) == ("General", 100, 0, 0)
    page = await browser.get("/events/the-comedy")
    assert page.status_code == 200
    assert 'data-testid="places-form"' in page.text and "100 of 100 left" in page.text
    assert f'name="area" value="{area.key}"' in page.text and "£15.00" in page.text
    assert "Choose seats" not in page.text


async def test_places_held_from_the_event_page_show_in_the_cart_with_their_price(comedy, browser, db):
    key = (await _area(db, comedy.id)).key
    response = await _hold(browser, key, "3")
    assert response.status_code == 200
    assert "3 \N{MULTIPLICATION SIGN} General" in response.text and "£45.00" in response.text
    assert 'data-testid="checkout"' in response.text
    assert "97 of 100 left" in (await browser.get("/events/the-comedy")).text
    released = await browser.post_form("/events/the-comedy/areas/hold", {"area": key, "release": "1"}, htmx=True)
    assert released.status_code == 200 and 'data-testid="cart-empty"' in released.text
    assert (await _area(db, comedy.id)).held == 0


async def test_the_quantity_picker_works_without_javascript(comedy, browser, db):
    key = (await _area(db, comedy.id)).key
    response = await _hold(browser, key, "2", htmx=False)
    assert response.status_code == 200
    assert "<html" in response.text and "2 \N{MULTIPLICATION SIGN} General" in response.text
    assert 'href="/events/the-comedy/checkout"' in response.text
    refused = await _hold(browser, key, "0", htmx=False)
    assert refused.status_code == 422 and "<html" in refused.text and "Choose between 1 and 10 places." in refused.text


async def test_bad_quantities_are_refused_with_a_clear_message_and_hold_nothing(browser, db):
    event = await make_general_admission_event(db, capacity=5)
    key = (await _area(db, event.id)).key
    refusals = {
        "0": (422, "Choose between 1 and 10 places."),
        "-2": (422, "Choose between 1 and 10 places."),
        "many": (422, "Choose between 1 and 10 places."),
        "11": (422, "Choose between 0 and 10 places."),
        "6": (409, "Only 5 places are left in General."),
    }
    for quantity, (status, message) in refusals.items():
        response = await _hold(browser, key, quantity)
        assert (response.status_code, message in response.text) == (status, True), (quantity, response.text)
        assert 'data-testid="cart-empty"' in response.text
    assert (await _area(db, event.id)).held == 0
    assert await db.scalar(select(AreaHold.quantity)) is None


async def test_an_event_published_before_tiers_had_areas_gets_them_when_migrating(comedy, browser, db):
    """Migration 0010's data step, run on an event whose tier areas are missing (published by older code)."""
    await db.execute(delete(EventArea).where(EventArea.event_id == comedy.id))
    await db.commit()
    assert (await browser.get("/events/the-comedy")).text.count('data-testid="places-form"') == 0
    await db.execute(text("SELECT usher_add_tier_areas(id) FROM events WHERE status = 'published'"))
    await db.execute(text("SELECT usher_add_tier_areas(id) FROM events WHERE status = 'published'"))  # repeatable
    await db.commit()
    area = await _area(db, comedy.id)
    assert (area.name, area.capacity) == ("General", 100)
    assert (await _hold(browser, area.key, "1")).status_code == 200


async def test_two_hundred_buyers_racing_for_the_last_fifty_places_buy_exactly_fifty(settings, db):
    event = await make_general_admission_event(db, capacity=50)
    key = (await _area(db, event.id)).key
    # Every buyer here comes from 127.0.0.1: the per-network limits would stop them first.
    crowd = replace(settings, max_held_per_network=0, hold_rate_per_ip=10_000, checkout_rate_limit=10_000)
    async with serving(create_app(crowd)) as application, _client(application) as client:
        start = asyncio.Event()

        async def buy(n: int) -> int:
            await start.wait()
            held = await client.put(f"/api/v1/events/the-comedy/areas/{key}/hold", json={"quantity": 1})
            while held.status_code == 503:  # the place's row stayed locked past lock_timeout: a buyer tries again
                held = await client.put(f"/api/v1/events/the-comedy/areas/{key}/hold", json={"quantity": 1})
            if held.status_code != 200:
                return held.status_code
            ordered = await client.post(
                "/api/v1/orders",
                json={"event": "the-comedy", "email": f"fan{n}@example.com", "name": "Fan"},
                headers={"X-Cart": held.headers["X-Cart"]},
            )
            return ordered.status_code

        tasks = [asyncio.create_task(buy(n)) for n in range(200)]
        start.set()
        outcomes = Counter(await asyncio.wait_for(asyncio.gather(*tasks), timeout=120))
    assert outcomes == Counter({201: 50, 409: 150})
    area = await _area(db, event.id)
    assert area.held + area.sold == 50
    orders = await db.scalar(text("SELECT sum(quantity) FROM order_lines"))
    assert orders == 50


async def test_a_general_admission_tier_added_after_publishing_sells_too(comedy, browser, db):
    await events.add_tier(
        db, comedy.actor, "the-comedy", events.TierInput(name="Front row", price_minor=3000, currency="GBP", capacity=8)
    )
    page = await browser.get("/events/the-comedy")
    assert page.text.count('data-testid="places-form"') == 2 and "8 of 8 left" in page.text
    key = await db.scalar(select(EventArea.key).where(EventArea.name == "Front row"))
    response = await _hold(browser, key, "2")
    assert response.status_code == 200 and "£60.00" in response.text


async def test_a_published_general_admission_tier_keeps_its_capacity(comedy, db):
    tier = (await events.get_event_for(db, comedy.actor, "the-comedy", Role.MANAGER)).tiers[0]
    data = msgspec.structs.replace(events.tier_input_of(tier), capacity=500)
    with pytest.raises(ValidationFailed) as refused:
        await events.update_tier(db, comedy.actor, "the-comedy", tier.id, data)
    assert refused.value.errors["capacity"] == (
        "A general-admission tier's capacity is fixed once the event has been published."
    )
