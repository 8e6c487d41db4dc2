"""Series of dates: created weekly or from a list, each date sold as an event of its own, the template applied to
future dates, cancelled dates refused, other organizations kept out."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

import msgspec
import pytest
from sqlalchemy import func, select

from app.events import series, series_template
from app.events.models import Event, EventSeries, PriceTier
from app.events.publishing import publish_problems
from app.events.series_public import Places, availability
from app.seating.models import EventSeat
from tests.conftest import field_error
from tests.orders.conftest import check_out, hold_seats, order, pay, pay_link
from tests.orders.test_organizer_and_api import log_in_as
from tests.seating.conftest import SeatedEvent, make_seated_event

WEEKLY = {
    "title": "Jazz Tuesdays",
    "timezone": "Europe/Berlin",
    "category": "music",
    "online_url": "https://stream.example/jazz",
    "kind": "weekly",
    "first_day": "2030-03-18",
    "last_day": "2030-04-08",  # the clocks go forward on Sunday 31 March 2030
    "weekdays": ["tue"],
    "start_time": "19:30",
    "end_time": "22:00",
    "currency": "EUR",
    "tier_name_0": "Standard",
    "tier_price_0": "18.00",
    "tier_capacity_0": "120",
}


async def _dates(db, slug: str) -> list[Event]:
    found = await db.scalar(select(EventSeries).where(EventSeries.slug == slug))
    query = select(Event).where(Event.series_id == found.id).order_by(Event.starts_at)
    return list(await db.scalars(query.execution_options(populate_existing=True)))


async def test_a_weekly_series_keeps_its_local_wall_clock_time_across_the_dst_change(organizer, db):
    browser, org = organizer
    response = await browser.post_form(f"/manage/{org}/series/new", WEEKLY)
    assert response.status_code in (302, 303), response.text
    assert response.headers["location"] == "/manage/series/jazz-tuesdays"
    dates = await _dates(db, "jazz-tuesdays")
    assert [d.starts_at.isoformat() for d in dates] == [
        "2030-03-19T18:30:00+00:00",  # CET, UTC+1
        "2030-03-26T18:30:00+00:00",
        "2030-04-02T17:30:00+00:00",  # CEST, UTC+2: still 19:30 in Berlin
    ]
    assert [d.slug for d in dates] == [
        "jazz-tuesdays-2030-03-19",
        "jazz-tuesdays-2030-03-26",
        "jazz-tuesdays-2030-04-02",
    ]
    assert all(
        d.status == "draft" and [(t.name, t.price_minor, t.capacity) for t in d.tiers] == [("Standard", 1800, 120)]
        for d in dates
    )
    page = await browser.get("/manage/series/jazz-tuesdays")
    shown = re.findall(r'<td data-label="Date"><a [^>]*>([^<]*)</a>', page.text)
    assert len(shown) == 3 and all("19:30" in when for when in shown)  # in Berlin time, summer or winter


async def test_bad_series_input_rerenders_the_form_with_field_errors_and_saves_nothing(organizer, db):
    browser, org = organizer
    cases = {
        "dates": ({"kind": "custom", "dates": ""}, "Add at least one date."),
        "end_time": ({"end_time": "18:00"}, "Must be after the start time."),
        "last_day": ({"last_day": "2030-03-01"}, "Must be on or after the first day."),
        "weekdays": ({"weekdays": ["tue", "someday"]}, "Unknown weekday someday; choose from Monday to Sunday."),
    }
    for field, (change, message) in cases.items():
        response = await browser.post_form(f"/manage/{org}/series/new", {**WEEKLY, **change})
        assert response.status_code == 422, field
        assert field_error(response.text, field) == message
        assert 'value="Jazz Tuesdays"' in response.text  # what was typed stays
    days = "\n".join(f"{date(2030, 1, 1) + timedelta(n)} 19:30 22:00" for n in range(201))
    too_many = await browser.post_form(f"/manage/{org}/series/new", {**WEEKLY, "kind": "custom", "dates": days})
    assert too_many.status_code == 422
    assert field_error(too_many.text, "dates") == "A series has at most 200 dates; this gives 201."
    backwards = await browser.post_form(
        f"/manage/{org}/series/new", {**WEEKLY, "kind": "custom", "dates": "2030-05-01 22:00 19:00"}
    )
    assert field_error(backwards.text, "dates") == "2030-05-01: the end must be after the start."
    no_tier = await browser.post_form(f"/manage/{org}/series/new", {**WEEKLY, "tier_name_0": ""})
    assert field_error(no_tier.text, "tiers") == "Add at least one price tier."
    assert await db.scalar(select(func.count()).select_from(EventSeries)) == 0
    assert await db.scalar(select(func.count()).select_from(Event)) == 0


@pytest.fixture
async def seated_series(db) -> tuple[SeatedEvent, list[Event]]:
    """Three published dates of a theatre series (its own organization's venue and seat map)."""
    anchor = await make_seated_event(db, slug="anchor")
    row = await db.get(Event, anchor.id)
    start = datetime.now().replace(microsecond=0) + timedelta(days=20)
    rule = series.WeeklyRule(
        first_day=start.date(),
        last_day=start.date() + timedelta(days=20),
        weekdays=[series.WEEKDAYS[start.weekday()]],
        start_time=time(19, 30),
        end_time=time(22, 0),
        venue_id=row.venue_id,
        layout_version_id=row.layout_version_id,
    )
    tiers = [
        series.TemplateTier(name=name.title(), price_minor=price, currency="GBP", seat_category=name)
        for name, price in (("premium", 6500), ("stalls", 4200), ("balcony", 2500))
    ]
    created = await series.create_weekly_series(
        db, anchor.actor, row.organization_id, title="Hamlet", rule=rule, tiers=tiers, timezone="Europe/London"
    )
    dates = await _dates(db, created.slug)
    assert [d.status for d in dates] == ["published"] * 3
    return anchor, dates


async def _sold(db, event_id: uuid.UUID) -> int:
    query = select(func.count()).where(EventSeat.event_id == event_id, EventSeat.status == "sold")
    return await db.scalar(query)


async def test_buying_a_seat_on_one_date_leaves_the_other_dates_untouched(seated_series, browser, db):
    _, dates = seated_series
    chosen = dates[1].slug
    await hold_seats(browser, ["SC-G-5"], slug=chosen)
    number, key = pay_link(await check_out(browser, slug=chosen))
    assert (await pay(browser, number, key)).status_code in (200, 303)
    assert (await order(db, number)).status == "paid"
    assert [await _sold(db, d.id) for d in dates] == [0, 1, 0]
    held = select(func.count()).where(EventSeat.status == "held")
    assert await db.scalar(held) == 0
    page = await browser.get("/series/hamlet")
    assert page.status_code == 200
    assert page.text.count("on sale") == 3
    assert f'href="/events/{chosen}/seats"' in page.text
    api = (await browser.get("/api/v1/series/hamlet")).json()
    assert [d["slug"] for d in api["dates"]] == [d.slug for d in dates]
    left = [d["places_left"] for d in api["dates"]]
    assert left[0] == left[2] == left[1] + 1
    listing = await browser.get("/")
    assert listing.text.count('href="/series/hamlet"') == 1 and "3 dates" in listing.text


async def test_a_template_change_goes_to_unsold_future_dates_and_says_which_were_skipped(seated_series, browser, db):
    anchor, dates = seated_series
    await hold_seats(browser, ["SC-G-5"], slug=dates[1].slug)
    number, key = pay_link(await check_out(browser, slug=dates[1].slug))
    await pay(browser, number, key)
    template = series_template.template_of(await db.get(EventSeries, dates[0].series_id))
    tiers = list(template.tiers)
    tiers[1] = msgspec.structs.replace(tiers[1], price_minor=3900)  # Stalls
    cheaper = series.TemplateInput(title="Hamlet (new cast)", tiers=tiers)
    applied = await series_template.update_template(db, anchor.actor, "hamlet", cheaper, "unsold")
    assert [e.slug for e in applied.changed] == [dates[0].slug, dates[2].slug]
    assert [(e.slug, why) for e, why in applied.skipped] == [(dates[1].slug, "1 sold")]
    stalls = select(PriceTier.price_minor).where(
        PriceTier.name == "Stalls", PriceTier.event_id.in_([d.id for d in dates])
    )
    prices = {d.slug: await db.scalar(stalls.where(PriceTier.event_id == d.id)) for d in dates}
    assert prices == {dates[0].slug: 3900, dates[1].slug: 4200, dates[2].slug: 3900}
    # a published date's tiers are fixed (its inventory exists): removing one is refused on every date, saying why
    fewer = series.TemplateInput(title="Hamlet", tiers=cheaper.tiers[:2])
    applied = await series_template.update_template(db, anchor.actor, "hamlet", fewer, "safe")
    fixed = "published, so tiers cannot be added, removed or moved to other seats: Balcony"
    assert [(e.slug, why) for e, why in applied.skipped] == [
        (dates[0].slug, fixed),
        (dates[1].slug, "1 sold; " + fixed),
        (dates[2].slug, fixed),
    ]
    # a price-only change is safe everywhere
    applied = await series_template.update_template(db, anchor.actor, "hamlet", cheaper, "safe")
    assert applied.skipped == [] and len(applied.changed) == 3
    refreshed = await _dates(db, "hamlet")
    assert [d.title for d in refreshed] == ["Hamlet (new cast)"] * 3


async def test_a_cancelled_date_shows_as_cancelled_and_cannot_be_bought(seated_series, browser, db):
    anchor, dates = seated_series
    await series.cancel_date(db, anchor.actor, "hamlet", dates[0].slug)
    page = await browser.get("/series/hamlet")
    assert page.text.count("cancelled") >= 1 and f'href="/events/{dates[0].slug}/seats"' not in page.text
    api = (await browser.get("/api/v1/series/hamlet")).json()
    assert [d["availability"] for d in api["dates"]] == ["cancelled", "on sale", "on sale"]
    refused = await browser.post_form(f"/events/{dates[0].slug}/seats/hold", {"seat": ["SC-G-5"]}, htmx=True)
    assert 400 <= refused.status_code < 500
    assert await db.scalar(select(func.count()).where(EventSeat.status == "held")) == 0


async def test_the_template_form_applies_to_unsold_dates_and_lists_the_skipped_ones(organizer, db):
    browser, org = organizer
    await browser.post_form(f"/manage/{org}/series/new", WEEKLY)
    late = {"tier_name_1": "Late entry", "tier_price_1": "9.50", "tier_capacity_1": "40"}
    form = {**WEEKLY, **late, "tier_price_0": "15.00", "apply": "unsold"}
    response = await browser.post_form("/manage/series/jazz-tuesdays/template", form)
    assert response.status_code == 200
    assert "Template saved." in response.text and "Skipped" not in response.text
    tiers = {(t.name, t.price_minor, t.capacity) for d in await _dates(db, "jazz-tuesdays") for t in d.tiers}
    assert tiers == {("Standard", 1500, 120), ("Late entry", 950, 40)}  # drafts: tiers may still be added
    bad = await browser.post_form("/manage/series/jazz-tuesdays/template", {**form, "tier_price_0": "-3"})
    assert bad.status_code == 422
    assert "cannot be negative" in field_error(bad.text, "tiers")


async def test_another_organization_can_neither_see_nor_change_the_series(organizer, other_browser, db):
    browser, org = organizer
    await browser.post_form(f"/manage/{org}/series/new", WEEKLY)
    await other_browser.register("rival@example.com", "Rita Rival")
    await other_browser.create_organization("Rival Events")
    assert (await other_browser.get("/manage/series/jazz-tuesdays")).status_code == 404
    date_slug = (await _dates(db, "jazz-tuesdays"))[0].slug
    for url, data in (
        ("/manage/series/jazz-tuesdays/template", {**WEEKLY, "tier_price_0": "1.00", "apply": "unsold"}),
        (f"/manage/series/jazz-tuesdays/dates/{date_slug}/cancel", {}),
        ("/manage/series/jazz-tuesdays/publish", {}),
        ("/manage/series/jazz-tuesdays/dates", {"starts_at": "2030-05-01T19:30", "ends_at": "2030-05-01T22:00"}),
    ):
        assert (await other_browser.post_form(url, data)).status_code == 404, url
    dates = await _dates(db, "jazz-tuesdays")
    assert len(dates) == 3 and {d.status for d in dates} == {"draft"}
    assert {t.price_minor for d in dates for t in d.tiers} == {1800}
    assert (await other_browser.get("/series/jazz-tuesdays")).status_code == 404  # drafts are not public


async def test_publishing_a_series_names_the_dates_that_cannot_be_published_and_publishes_the_rest(seated_series, db):
    anchor, dates = seated_series
    venue_id, layout_id = dates[0].venue_id, dates[0].layout_version_id
    later = dates[-1].starts_at.replace(tzinfo=None) + timedelta(days=7)
    nowhere = series.DateInput(starts_at=later, ends_at=later + timedelta(hours=2), layout_version_id=layout_id)
    added_slug = (await series.add_date(db, anchor.actor, "hamlet", nowhere)).slug
    elsewhere = series.DateInput(starts_at=later + timedelta(days=1), ends_at=later + timedelta(days=1, hours=2))
    in_the_hall = msgspec.structs.replace(elsewhere, venue_id=venue_id, layout_version_id=layout_id)
    second_slug = (await series.add_date(db, anchor.actor, "hamlet", in_the_hall)).slug
    refused = await series.publish_series(db, anchor.actor, "hamlet")
    assert list(refused) == [added_slug] and "Choose a venue or give an online URL." in refused[added_slug]  # no venue
    statuses = {d.slug: d.status for d in await _dates(db, "hamlet")}
    assert (statuses[added_slug], statuses[second_slug]) == ("draft", "published")


def _category_choice(page: str, row: int) -> tuple[list[tuple[str, str]], str | None]:
    """A tier row's seat category select: its options (value, text) and the selected value."""
    choice = page[page.index(f'<select id="f-tier_seat_category_{row}"') :]
    choice = choice[: choice.index("</select>")]
    selected = re.search(r'<option value="([^"]*)" selected>', choice)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', choice), selected and selected.group(1)


async def test_a_series_tier_sells_a_seat_map_category_chosen_by_name_and_an_unknown_one_is_refused(browser, db):
    theatre = await make_seated_event(db, slug="playhouse")
    row = await db.get(Event, theatre.id)
    org = theatre.actor.organizations[0].slug
    await log_in_as(browser, db, theatre.actor)
    by_name = [("", "— general admission —"), ("premium", "Premium"), ("stalls", "Stalls"), ("balcony", "Balcony")]
    new = (await browser.get(f"/manage/{org}/series/new")).text
    assert _category_choice(new, 0) == (by_name, None)  # no map chosen yet: each of the organization's maps
    assert '<optgroup label="Main (v1, ' in new
    first = date.today() + timedelta(days=10)
    form = {
        "title": "Hamlet",
        "timezone": "Europe/London",
        "category": "theatre",
        "kind": "custom",
        "dates": f"{first} 19:30 22:00\n{first + timedelta(days=7)} 19:30 22:00",
        "venue_id": str(row.venue_id),
        "layout_version_id": str(row.layout_version_id),
        "currency": "GBP",
        **{f"tier_name_{n}": name for n, name in enumerate(("Premium", "Stalls", "Balcony"))},
        **{f"tier_price_{n}": price for n, price in enumerate(("65.00", "42.00", "25.00"))},
        **{f"tier_seat_category_{n}": key for n, key in enumerate(("premium", "Stalls", "balcony"))},
    }
    events_before = await db.scalar(select(func.count()).select_from(Event))

    refused = await browser.post_form(f"/manage/{org}/series/new", form)  # the display name where the key is meant
    assert refused.status_code == 422
    assert html.unescape(field_error(refused.text, "tiers")) == (
        "Tier 'Stalls': choose one of the seat map's categories: Premium (premium), Stalls (stalls), Balcony (balcony)."
    )
    assert _category_choice(refused.text, 0) == (by_name, "premium")  # the chosen map's, as chosen
    assert _category_choice(refused.text, 1) == ([*by_name, ("Stalls", "Stalls (not on the seat map)")], "Stalls")
    no_map = await browser.post_form(
        f"/manage/{org}/series/new", {**form, "layout_version_id": "", "tier_seat_category_1": "stalls"}
    )
    assert no_map.status_code == 422
    no_seats = "Tier 'Premium': the series has no seat map; choose one, or give a capacity."
    assert html.unescape(field_error(no_map.text, "tiers")) == no_seats
    assert await db.scalar(select(func.count()).select_from(EventSeries)) == 0
    assert await db.scalar(select(func.count()).select_from(Event)) == events_before

    created = await browser.post_form(f"/manage/{org}/series/new", {**form, "tier_seat_category_1": "stalls"})
    assert created.status_code in (302, 303) and created.headers["location"] == "/manage/series/hamlet"
    dates = await _dates(db, "hamlet")
    assert len(dates) == 2
    for d in dates:
        assert [(t.name, t.seat_category, t.capacity) for t in sorted(d.tiers, key=lambda t: t.sort_order)] == [
            ("Premium", "premium", None),
            ("Stalls", "stalls", None),
            ("Balcony", "balcony", None),
        ]
        assert await publish_problems(db, d) == []  # every seat priced

    page = (await browser.get("/manage/series/hamlet")).text
    assert _category_choice(page, 1) == (by_name, "stalls")  # the series' seat map, by name
    assert _category_choice(page, 3) == (by_name, None)  # the empty row
    saved = (await db.scalar(select(EventSeries).where(EventSeries.slug == "hamlet"))).template_tiers
    edit = {**form, "tier_price_1": "45.00", "tier_seat_category_1": "Stalls", "apply": "unsold"}
    bad = await browser.post_form("/manage/series/hamlet/template", edit)
    assert bad.status_code == 422 and "Stalls (stalls)" in field_error(bad.text, "tiers")
    assert _category_choice(bad.text, 1)[1] == "Stalls" and 'value="45.00"' in bad.text  # what was typed stays
    found = await db.scalar(
        select(EventSeries).where(EventSeries.slug == "hamlet").execution_options(populate_existing=True)
    )
    assert found.template_tiers == saved
    assert {t.price_minor for d in await _dates(db, "hamlet") for t in d.tiers} == {6500, 4200, 2500}


def test_each_date_says_on_sale_few_left_sold_out_sales_ended_or_cancelled():
    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    date_of = Event(status="published", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=2))
    assert availability(date_of, Places(capacity=100, left=50, sold=50), now) == "on sale"
    assert availability(date_of, Places(capacity=100, left=10, sold=90), now) == "few left"
    assert availability(date_of, Places(capacity=1000, left=100, sold=0), now) == "few left"  # a tenth
    assert availability(date_of, Places(capacity=100, left=0, sold=100), now) == "sold out"
    assert availability(date_of, None, now) == "on sale"  # not counted yet
    date_of.sales_end_at = now - timedelta(minutes=1)
    assert availability(date_of, Places(capacity=100, left=50, sold=50), now) == "sales ended"
    date_of.status = "cancelled"
    assert availability(date_of, Places(capacity=100, left=50, sold=50), now) == "cancelled"
