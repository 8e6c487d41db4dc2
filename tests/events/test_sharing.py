"""Pages that share well: link previews (Open Graph, Twitter card), canonical URLs, schema.org Event data with
offers, availability and location (an online event's access URL never shown), the sitemap and robots.txt."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import date, time, timedelta

from sqlalchemy import select, update

from app.events import series
from app.events import service as events
from app.events.models import Event, EventStatus
from app.venues.service import create_venue
from tests.events.test_availability import _sell
from tests.seating.conftest import make_general_admission_event, make_owner, make_seated_event

BASE = "http://testserver.local"
STREAM = "https://stream.example/secret-room"


def structured_data(page: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(found) == 1, found
    return json.loads(found[0])


def meta(page: str, key: str) -> str:
    """The content of <meta property|name="key">, unescaped."""
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', page)
    assert match, f"no {key} in the page"
    return html.unescape(match[1])


async def test_a_seated_events_data_offers_each_price_in_major_units_with_its_place_and_local_times(browser, db):
    await make_seated_event(db, slug="the-play")
    page = (await browser.get("/events/the-play")).text
    data = structured_data(page)

    assert data["@type"] == "Event" and data["name"] == "The Play"
    assert data["url"] == f"{BASE}/events/the-play"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"] == {"@type": "Place", "name": "Playhouse"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[01]:00", data["startDate"])  # London's own offset
    assert data["organizer"] == {"@type": "Organization", "name": "Org the-play"}
    offers = {o["name"]: o for o in data["offers"]}
    assert {name: (o["price"], o["priceCurrency"]) for name, o in offers.items()} == {
        "Premium": ("65.00", "GBP"),
        "Stalls": ("42.00", "GBP"),
        "Balcony": ("25.00", "GBP"),
    }
    assert {o["availability"] for o in offers.values()} == {"https://schema.org/InStock"}
    assert all(o["url"] == data["url"] and "validFrom" in o for o in offers.values())


async def test_an_online_event_is_located_at_its_public_page_and_never_shows_its_access_url(browser, db):
    await make_general_admission_event(db, slug="the-talk", online_url=STREAM)
    page = (await browser.get("/events/the-talk")).text
    data = structured_data(page)

    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": f"{BASE}/events/the-talk"}
    assert "secret-room" not in page


async def test_a_sold_out_tier_is_sold_out_and_before_sales_open_it_is_a_pre_order(browser, db):
    comedy = await make_general_admission_event(db, capacity=20)
    await _sell(db, comedy.id, 20)
    [offer] = structured_data((await browser.get("/events/the-comedy")).text)["offers"]
    assert offer["availability"] == "https://schema.org/SoldOut" and offer["price"] == "15.00"

    await make_general_admission_event(db, slug="later", capacity=20)
    await db.execute(
        update(Event).where(Event.slug == "later").values(sales_start_at=Event.starts_at - timedelta(days=7))
    )
    await db.commit()
    [offer] = structured_data((await browser.get("/events/later")).text)["offers"]
    assert offer["availability"] == "https://schema.org/PreOrder"


async def test_a_cancelled_event_says_so_to_search_engines(browser, db):
    comedy = await make_general_admission_event(db)
    await events.set_status(db, comedy.actor, "the-comedy", EventStatus.CANCELLED)
    data = structured_data((await browser.get("/events/the-comedy")).text)
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


async def test_a_title_that_closes_the_script_element_stays_inside_the_json(browser, db):
    title = '</script><script>alert("x")</script><!--'
    await make_general_admission_event(db)
    await db.execute(update(Event).where(Event.slug == "the-comedy").values(title=title, description="<b>&"))
    await db.commit()
    page = (await browser.get("/events/the-comedy")).text

    assert "<script>alert" not in page
    data = structured_data(page)
    assert data["name"] == title and data["description"] == "<b>&"
    assert meta(page, "og:title") == title


async def test_link_previews_carry_the_cover_at_an_absolute_url_and_a_canonical_address(browser, db):
    await make_general_admission_event(db, slug="the-gig")
    description = "An evening of songs.\n\nBring friends; " + "more words " * 30
    await db.execute(update(Event).where(Event.slug == "the-gig").values(cover_version=3, description=description))
    await db.commit()
    page = (await browser.get("/events/the-gig?utm_source=mail")).text
    cover = f"{BASE}/events/the-gig/cover.jpg?v=3"

    assert f'<link rel="canonical" href="{BASE}/events/the-gig">' in page
    assert meta(page, "og:url") == f"{BASE}/events/the-gig" and meta(page, "og:title") == "The Comedy Night"
    assert meta(page, "og:image") == cover and meta(page, "twitter:image") == cover
    assert meta(page, "twitter:card") == "summary_large_image"
    summary = meta(page, "description")
    assert summary == meta(page, "og:description") and summary.startswith("An evening of songs. Bring friends;")
    assert len(summary) <= 160 and summary.endswith("…")
    assert structured_data(page)["image"] == [cover]


async def test_a_page_without_a_description_gets_one_that_says_when_and_where(browser, db):
    await make_general_admission_event(db)
    page = (await browser.get("/events/the-comedy")).text
    assert re.fullmatch(
        r"Tickets for The Comedy Night: \w{3} \d\d \w{3} \d{4}, \d\d:\d\d \w+, Cellar\.", meta(page, "description")
    )
    assert meta(page, "twitter:card") == "summary"  # no cover, no large image


async def _weekly_series(db, slug: str) -> None:
    actor, organization_id = await make_owner(db, slug)
    venue = await create_venue(db, actor, organization_id, name="Cellar", address="", timezone="UTC")
    first = date.today() + timedelta(days=2)
    rule = series.WeeklyRule(first, first + timedelta(weeks=1), [first.strftime("%a").lower()], time(20), time(23))
    tier = series.TemplateTier(name="Standard", price_minor=1800, currency="EUR", capacity=30)
    await series.create_weekly_series(
        db, actor, organization_id, title="Jazz Nights", rule=replace(rule, venue_id=venue.id), tiers=[tier]
    )


async def test_the_series_page_previews_with_its_own_address_and_lists_each_date_for_search_engines(browser, db):
    await _weekly_series(db, "jazz")
    page = (await browser.get("/series/jazz-nights")).text
    assert meta(page, "og:url") == f"{BASE}/series/jazz-nights"
    assert meta(page, "description") == "Tickets for Jazz Nights: 2 dates."
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    dates = json.loads(found[0])  # each date is an Event of its own, at its own page
    assert [d["@type"] for d in dates] == ["Event", "Event"] and dates[0]["startDate"] < dates[1]["startDate"]
    assert all(d["url"].startswith(f"{BASE}/events/") and d["offers"][0]["price"] == "18.00" for d in dates)


async def test_the_sitemap_lists_only_upcoming_published_events_and_their_series(browser, db):
    await make_general_admission_event(db, slug="on-sale")
    cancelled = await make_general_admission_event(db, slug="called-off")
    await events.set_status(db, cancelled.actor, "called-off", EventStatus.CANCELLED)
    await make_general_admission_event(db, slug="was-last-year")
    await db.execute(
        update(Event)
        .where(Event.slug == "was-last-year")
        .values(starts_at=Event.starts_at - timedelta(days=400), ends_at=Event.ends_at - timedelta(days=400))
    )
    await db.commit()
    draft = await make_general_admission_event(db, slug="still-a-draft")
    await db.execute(update(Event).where(Event.id == draft.id).values(status=EventStatus.DRAFT))
    await db.commit()
    await _weekly_series(db, "jazz")
    dates = list(await db.scalars(select(Event.slug).where(Event.series_id.is_not(None)).order_by(Event.starts_at)))

    response = await browser.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    listed = re.findall(r"<loc>([^<]+)</loc><lastmod>(\d{4}-\d\d-\d\d)</lastmod>", response.text)
    expected = [f"{BASE}/events/{d}" for d in dates] + [f"{BASE}/events/on-sale", f"{BASE}/series/jazz-nights"]
    assert [loc for loc, _ in listed] == expected  # events soonest first, then series


async def test_robots_keep_organizer_door_api_and_checkout_pages_out_and_name_the_sitemap(browser):
    response = await browser.get("/robots.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    rules = response.text.splitlines()
    assert rules[0] == "User-agent: *"
    for private in ("/manage", "/scan", "/api/", "/events/*/checkout", "/orders/", "/tickets/"):
        assert f"Disallow: {private}" in rules
    assert "Disallow: /" not in rules and f"Sitemap: {BASE}/sitemap.xml" in rules
