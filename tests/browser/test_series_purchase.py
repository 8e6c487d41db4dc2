"""End to end in Chromium: a buyer finds a weekly series in the listing, picks a date, buys a general-admission
ticket with the test card, and the door scanner reads it; the event page's availability badge follows other
buyers' holds without a reload."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.events import series
from app.events.models import Event
from app.venues.service import create_venue
from tests.browser.conftest import happening_within_the_hour, log_in, pay_with_the_test_card, run_in_database
from tests.seating.conftest import make_owner


def create_series(database_url: str, *, capacity: int) -> tuple[str, list[str], str]:
    """A weekly series of four Thursdays whose first date starts within the hour (the door takes its tickets
    today); returns (series slug, date slugs soonest first, owner e-mail)."""
    name = f"jazz-{uuid.uuid4().hex[:6]}"

    async def create(session) -> tuple[str, list[str], str]:
        actor, organization_id = await make_owner(session, name)
        venue = await create_venue(session, actor, organization_id, name="Cellar", address="", timezone="UTC")
        first = date.today() + timedelta(days=1)
        weekday = [first.strftime("%a").lower()]
        rule = series.WeeklyRule(first, first + timedelta(weeks=3), weekday, time(20), time(23), venue_id=venue.id)
        tier = series.TemplateTier(name="Standard", price_minor=1800, currency="EUR", capacity=capacity)
        created = await series.create_weekly_series(
            session, actor, organization_id, title=f"Jazz {name}", rule=rule, tiers=[tier], timezone="UTC"
        )
        slugs = list(
            await session.scalars(select(Event.slug).where(Event.series_id == created.id).order_by(Event.starts_at))
        )
        await happening_within_the_hour(session, Event.slug == slugs[0], actor.user_id)
        return created.slug, slugs, actor.email

    return run_in_database(database_url, create)


def test_a_buyer_picks_a_series_date_from_the_listing_buys_a_ticket_and_the_door_reads_it(page: Page, database_url):
    series_slug, dates, owner = create_series(database_url, capacity=80)
    page.goto("/")
    card = page.locator(".event-card", has_text="Jazz")
    expect(card).to_contain_text("4 dates")
    expect(card.get_by_test_id("from-price")).to_have_text("from €18.00")
    card.get_by_role("link").click()
    expect(page).to_have_url(f"/series/{series_slug}")

    page.locator(".series-date").first.get_by_role("link", name="Tickets").click()
    expect(page).to_have_url(f"/events/{dates[0]}")
    form = page.get_by_test_id("places-form")
    expect(form).to_contain_text("80 of 80 left")
    form.get_by_label("Standard").fill("1")
    form.get_by_role("button", name="Get tickets").click()
    expect(page.get_by_test_id("cart-places")).to_contain_text("1 × Standard")
    page.get_by_test_id("checkout").click()

    page.get_by_label("E-mail").fill("nina@example.com")
    page.get_by_label("Name").fill("Nina Simone")
    pay_with_the_test_card(page, "€18.00")
    expect(page.get_by_test_id("ticket-link")).to_have_count(1)
    page.get_by_test_id("ticket-link").get_by_role("link").click()
    expect(page.get_by_test_id("ticket-qr")).to_be_visible()
    qr_text = page.get_by_test_id("qr-text").text_content()

    log_in(page, owner)
    page.goto(f"/scan/{dates[0]}")
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    expect(page.get_by_test_id("bundle-size")).to_have_text("1")
    page.get_by_label("Ticket code, name, e-mail or order number").fill(qr_text)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")


def _hold(page: Page, slug: str, quantity: int) -> None:
    page.goto(f"/events/{slug}")
    form = page.get_by_test_id("places-form")
    form.get_by_label("Standard").fill(str(quantity))
    form.get_by_role("button", name="Get tickets").click()
    expect(page.get_by_test_id("cart-places")).to_contain_text(f"{quantity} × Standard")


def test_the_event_pages_few_left_and_sold_out_badges_follow_other_buyers_holds_without_a_reload(
    page: Page, chromium: Browser, live_server: str, database_url
):
    _, dates, _ = create_series(database_url, capacity=20)
    page.goto(f"/events/{dates[1]}")
    event_badge = page.locator("header").get_by_test_id("availability")
    expect(page.get_by_test_id("places-form")).to_contain_text("20 of 20 left")
    expect(event_badge).to_be_hidden()

    others = [chromium.new_context(base_url=live_server) for _ in range(2)]  # two buyers, a cart each
    try:
        _hold(others[0].new_page(), dates[1], 10)
        expect(event_badge).to_have_text("Few left: 10")  # 10 places or a tenth of the capacity
        expect(page.get_by_test_id("places-form")).to_contain_text("10 of 20 left")
        _hold(others[1].new_page(), dates[1], 10)
        expect(event_badge).to_have_text("Sold out")
        expect(page.get_by_test_id("places-form")).to_contain_text("Sold out")
    finally:
        for context in others:
            context.close()
