"""Availability everywhere: the listing and the event page show the from-price, "few left" and "sold out" per event
and per tier, counted from PostgreSQL in a bounded number of queries; the public API keeps the online URL for the
event's organizers."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date, time, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from app.db import utcnow
from app.events import series
from app.events.availability import FEW_LEFT_PLACES, few_left_at
from app.events.models import Event, PriceTier
from app.seating.models import EventArea, EventSeat, SeatStatus
from app.venues.service import create_venue
from tests.events.test_api import EVENT, _token
from tests.seating.conftest import make_general_admission_event, make_owner, make_seated_event


async def _sell(db, event_id: uuid.UUID, places: int) -> None:
    """Places sold as checkout leaves them (the sale itself is tested with the orders)."""
    await db.execute(update(EventArea).where(EventArea.event_id == event_id).values(sold=places))
    await db.commit()


def _card(listing: str, path: str) -> str:
    """The card linking to /events/{slug} (or any other path given as `series/{slug}`)."""
    path = path if "/" in path else f"events/{path}"
    card = rf'<article class="event-card">(?:(?!</article>).)*?/{path}".*?</article>'
    return re.search(card, listing, re.S)[0]


def _visible_badges(html: str) -> list[str]:
    return re.findall(r'data-testid="availability"[^>]*?(?<! hidden)>([^<]+)</span>', html)


def test_few_left_means_ten_places_or_a_tenth_of_the_capacity_whichever_is_more():
    assert FEW_LEFT_PLACES == 10
    assert few_left_at(80) == 10 and few_left_at(100) == 10 and few_left_at(1000) == 100


async def test_the_listing_shows_from_price_few_left_and_sold_out_per_event(browser, db):
    await make_general_admission_event(db, slug="plenty", capacity=100, price_minor=1500)
    few = await make_general_admission_event(db, slug="few", capacity=100, price_minor=2000)
    gone = await make_general_admission_event(db, slug="gone", capacity=50, price_minor=900)
    await _sell(db, few.id, 93)
    await _sell(db, gone.id, 50)
    listing = (await browser.get("/")).text

    assert "from £15.00" in _card(listing, "plenty") and _visible_badges(_card(listing, "plenty")) == []
    assert "from £20.00" in _card(listing, "few") and _visible_badges(_card(listing, "few")) == ["Few left: 7"]
    assert "from £" not in _card(listing, "gone") and _visible_badges(_card(listing, "gone")) == ["Sold out"]


async def test_the_listing_counts_places_in_the_same_number_of_queries_for_two_or_six_events(browser, db):
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    async def listing_queries() -> int:
        statements.clear()
        sa_event.listen(Engine, "before_cursor_execute", count)
        try:
            assert (await browser.get("/")).status_code == 200
        finally:
            sa_event.remove(Engine, "before_cursor_execute", count)
        return len(statements)

    for n in range(2):
        await make_general_admission_event(db, slug=f"gig-{n}")
    two = await listing_queries()
    for n in range(2, 6):
        await make_general_admission_event(db, slug=f"gig-{n}")
    assert await listing_queries() == two


async def test_a_series_card_is_sold_out_only_when_every_upcoming_date_is(browser, db):
    actor, organization_id = await make_owner(db, "jazz")
    venue = await create_venue(db, actor, organization_id, name="Cellar", address="", timezone="UTC")
    first = date.today() + timedelta(days=2)
    rule = series.WeeklyRule(first, first + timedelta(weeks=2), [first.strftime("%a").lower()], time(20), time(23))
    tier = series.TemplateTier(name="Standard", price_minor=1800, currency="EUR", capacity=30)
    created = await series.create_weekly_series(
        db, actor, organization_id, title="Jazz Nights", rule=replace(rule, venue_id=venue.id), tiers=[tier]
    )
    dates = list(await db.scalars(select(Event.id).where(Event.series_id == created.id).order_by(Event.starts_at)))
    assert len(dates) == 3
    await _sell(db, dates[0], 30)
    card = _card((await browser.get("/")).text, "series/jazz-nights")
    assert "3 dates" in card and "from €18.00" in card and _visible_badges(card) == []

    for date_id in dates[1:]:
        await _sell(db, date_id, 30)
    card = _card((await browser.get("/")).text, "series/jazz-nights")
    assert "from €" not in card and _visible_badges(card) == ["Sold out"]


async def test_a_seated_events_from_price_skips_a_sold_out_category_whose_tier_says_so(browser, db):
    theatre = await make_seated_event(db, slug="the-play")
    await db.execute(
        update(EventSeat)
        .where(EventSeat.event_id == theatre.id, EventSeat.category == "balcony")
        .values(status=SeatStatus.SOLD)
    )
    await db.commit()
    page = (await browser.get("/events/the-play")).text

    assert 'data-testid="from-price">from £42.00' in page  # balcony (£25.00) is gone; stalls are next
    balcony = re.search(r"<tr[^>]*><th scope=\"row\">Balcony.*?</tr>", page, re.S)[0]
    assert _visible_badges(balcony) == ["Sold out"]
    assert "Choose seats" in page  # other seats are still on sale
    assert 'data-testid="from-price">from £42.00' in _card((await browser.get("/")).text, "the-play")


async def test_the_from_price_skips_a_tier_whose_sales_ended_and_before_sales_open_shows_the_price_to_come(browser, db):
    theatre = await make_seated_event(db, slug="the-play")
    balcony = (PriceTier.event_id == theatre.id) & (PriceTier.seat_category == "balcony")
    await db.execute(update(PriceTier).where(balcony).values(sales_end_at=utcnow() - timedelta(hours=1)))
    await db.commit()
    assert 'data-testid="from-price">from £42.00' in (await browser.get("/events/the-play")).text

    tomorrow = utcnow() + timedelta(days=1)
    others = update(PriceTier).where(PriceTier.event_id == theatre.id, ~balcony)
    await db.execute(others.values(sales_start_at=tomorrow))
    await db.commit()
    assert 'data-testid="from-price">from £42.00' in (await browser.get("/events/the-play")).text  # stalls, soon


async def test_an_early_bird_whose_first_tickets_are_sold_no_longer_gives_the_from_price(browser, db):
    theatre = await make_seated_event(db, slug="the-play")
    balcony = (PriceTier.event_id == theatre.id) & (PriceTier.seat_category == "balcony")
    await db.execute(update(PriceTier).where(balcony).values(quantity_limit=5, sold_count=5))
    await db.commit()
    assert 'data-testid="from-price">from £42.00' in (await browser.get("/events/the-play")).text


async def test_a_general_admission_page_shows_few_left_with_what_the_live_stream_needs(browser, db):
    comedy = await make_general_admission_event(db, capacity=100)
    await _sell(db, comedy.id, 95)
    page = (await browser.get("/events/the-comedy")).text

    assert _visible_badges(page) == ["Few left: 5", "Few left: 5"]  # the event's and the tier's
    key = re.search(r'name="area" value="([^"]+)"', page)[1]
    assert f'data-areas="{key}" data-seats-left="0" data-capacity="100" data-few-at="10"' in page
    assert '<script src="/static/js/places.js"' in page and "/events/the-comedy/live" in page


async def test_a_sold_out_event_replaces_its_buy_controls_with_sold_out(browser, db):
    comedy = await make_general_admission_event(db, capacity=20)
    await _sell(db, comedy.id, 20)
    page = await browser.get("/events/the-comedy")

    assert page.status_code == 200 and 'data-testid="sold-out"><strong>Sold out</strong>' in page.text
    assert 'data-testid="places-form"' not in page.text and "Get tickets" not in page.text
    assert "from £" not in page.text


async def test_a_buyer_holding_the_last_places_still_sees_the_cart_on_a_sold_out_page(browser, db):
    await make_general_admission_event(db, capacity=3)
    page = (await browser.get("/events/the-comedy")).text
    key = re.search(r'name="area" value="([^"]+)"', page)[1]
    held = await browser.post_form("/events/the-comedy/areas/hold", {"area": key, "quantity": "3"}, htmx=True)
    assert held.status_code == 200
    page = (await browser.get("/events/the-comedy")).text

    assert 'data-testid="sold-out"' not in page and 'data-testid="checkout"' in page


async def test_the_online_url_is_for_the_events_organizers_not_the_public_api(organizer, client):
    browser, org = organizer
    auth = {"Authorization": f"Bearer {await _token(browser, org)}"}
    created = await client.post("/api/v1/events", json=EVENT, headers=auth)
    assert created.json()["online_url"] == "https://meet.example/api-night"
    tier = {"name": "Viewer", "price_minor": 500, "currency": "EUR", "capacity": 100}
    assert (await client.post("/api/v1/events/api-night/tiers", headers=auth, json=tier)).status_code == 201
    published = await client.post("/api/v1/events/api-night/status", json={"status": "published"}, headers=auth)
    assert published.status_code == 200, published.text

    listing = await client.get("/api/v1/events")
    assert [(e["slug"], e["online_url"]) for e in listing.json()["events"]] == [("api-night", None)]
    assert (await client.get("/api/v1/events/api-night")).json()["online_url"] is None
    as_organizer = await client.get("/api/v1/events/api-night", headers=auth)
    assert as_organizer.json()["online_url"] == "https://meet.example/api-night"
