"""End to end in Chromium: a general-admission ticket to an online event, bought from the event page's quantity
picker, paid with the test card; the ticket shows the access URL, and the door scanner reads it."""

from __future__ import annotations

import asyncio
import uuid

from playwright.sync_api import Page, expect

from app.db import create_engine, create_sessionmaker
from app.events.models import Event
from tests.browser.conftest import happening_within_the_hour, log_in, pay_with_the_test_card
from tests.conftest import run_blocking
from tests.seating.conftest import make_general_admission_event

STREAM = "https://stream.example/tonight"


def create_event(database_url: str) -> tuple[str, str]:
    """An online event starting within the hour (the door takes its tickets today); returns (slug, owner e-mail)."""
    slug = f"talk-{uuid.uuid4().hex[:6]}"

    async def create() -> str:
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            event = await make_general_admission_event(session, slug=slug, capacity=40, online_url=STREAM)
            await happening_within_the_hour(session, Event.id == event.id, event.actor.user_id)
        await engine.dispose()
        return event.actor.email

    return slug, run_blocking(asyncio.run, create())


def test_a_buyer_gets_general_admission_tickets_from_the_event_page_and_the_door_reads_one(page: Page, database_url):
    slug, owner = create_event(database_url)
    page.goto(f"/events/{slug}")
    expect(page.get_by_test_id("online-note")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(STREAM)
    form = page.get_by_test_id("places-form")
    expect(form).to_contain_text("40 of 40 left")
    form.get_by_label("General").fill("2")
    form.get_by_role("button", name="Get tickets").click()
    expect(page.get_by_test_id("cart-places")).to_contain_text("2 × General")
    expect(form).to_contain_text("38 of 40 left")  # the live stream's news of our own hold
    page.get_by_test_id("checkout").click()

    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Name").fill("Ada Lovelace")
    pay_with_the_test_card(page, "£30.00")
    expect(page.get_by_test_id("ticket-link")).to_have_count(2)
    page.get_by_test_id("ticket-link").first.get_by_role("link").click()
    expect(page.get_by_test_id("ticket-qr")).to_be_visible()
    expect(page.get_by_test_id("online-access").get_by_role("link")).to_have_attribute("href", STREAM)
    qr_text = page.get_by_test_id("qr-text").text_content()

    log_in(page, owner)
    page.goto(f"/scan/{slug}")
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    expect(page.get_by_test_id("bundle-size")).to_have_text("2")
    page.get_by_label("Ticket code, name, e-mail or order number").fill(qr_text)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    expect(page.get_by_test_id("verdict")).to_contain_text("General")
