"""End to end in Chromium: a seat bought at the Child price, chosen at checkout; the ticket and the door's
verdict say "Child"."""

from __future__ import annotations

import asyncio
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import update

from app.db import create_engine, create_sessionmaker
from app.events import service as events
from app.events.models import Event, PriceTier
from tests.browser.conftest import happening_within_the_hour, log_in, pay_with_the_test_card
from tests.conftest import run_blocking
from tests.seating.conftest import make_seated_event


def create_event(database_url: str) -> tuple[str, str]:
    """A seated event within the hour whose stalls sell at Adult £42.00 and Child £20.00; (slug, owner e-mail)."""
    slug = f"family-{uuid.uuid4().hex[:6]}"

    async def create() -> str:
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            event = await make_seated_event(session, slug=slug)
            await session.execute(
                update(PriceTier)
                .where(PriceTier.event_id == event.id, PriceTier.seat_category == "stalls")
                .values(price_type="Adult")
            )
            await happening_within_the_hour(session, Event.id == event.id, event.actor.user_id)
            child = events.TierInput(
                name="Stalls",
                price_minor=2000,
                currency="GBP",
                seat_category="stalls",
                price_type="Child",
                sort_order=1,
            )
            await events.add_tier(session, event.actor, slug, child)
        await engine.dispose()
        return event.actor.email

    return slug, run_blocking(asyncio.run, create())


def test_a_buyer_chooses_the_child_price_for_a_seat_and_the_door_sees_child(page: Page, database_url):
    slug, owner = create_event(database_url)
    page.goto(f"/events/{slug}/seats")
    page.locator('circle[data-k="SC-G-5"]').click()
    expect(page.get_by_test_id("cart-seat")).to_have_count(1)
    page.get_by_test_id("checkout").click()

    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Stalls centre · row G · seat 5").select_option("Child")
    expect(page.get_by_test_id("order-total")).to_have_text("£20.00")  # the summary follows the choice
    pay_with_the_test_card(page, "£20.00")
    page.get_by_test_id("ticket-link").first.get_by_role("link").click()
    expect(page.get_by_test_id("ticket")).to_contain_text("Child")
    qr_text = page.get_by_test_id("qr-text").text_content()

    log_in(page, owner)
    page.goto(f"/scan/{slug}")
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    page.get_by_label("Ticket code, name, e-mail or order number").fill(qr_text)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    expect(page.get_by_test_id("verdict")).to_contain_text("Stalls · Child")
