"""End to end in Chromium: pick a seat on the live map, check out with a promo code, get declined, pay with the
test card, open the ticket, and decode its QR code back to a payload that verifies."""

from __future__ import annotations

import asyncio
import base64
import io
import uuid

import httpx
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import update

from app.db import create_engine, create_sessionmaker
from app.events.models import Event
from app.orders.models import PromoCode
from app.tickets.signing import verify_ticket
from tests.conftest import run_blocking
from tests.seating.conftest import make_seated_event


def create_event(database_url: str) -> tuple[str, str]:
    slug = f"play-{uuid.uuid4().hex[:6]}"

    async def create() -> str:
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            event = await make_seated_event(session, slug=slug)
            await session.execute(update(Event).where(Event.id == event.id).values(fee_fixed_minor=100))
            session.add(PromoCode(event_id=event.id, code="HALF", kind="percent", value=50))
            await session.commit()
        await engine.dispose()
        return event.actor.organizations[0].slug

    return slug, run_blocking(asyncio.run, create())


def test_a_buyer_picks_a_seat_pays_and_gets_a_ticket_whose_qr_verifies(page: Page, live_server: str, database_url):
    slug, organization = create_event(database_url)
    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live")
    page.locator('circle[data-k="SC-G-5"]').click()
    expect(page.get_by_test_id("cart-seat")).to_have_count(1)
    page.get_by_test_id("checkout").click()

    expect(page.get_by_test_id("order-total")).to_have_text("£43.00")  # £42.00 + £1.00 fee per ticket
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Code").fill("half")
    expect(page.get_by_test_id("discount")).to_contain_text("−£21.00")
    expect(page.get_by_test_id("order-total")).to_have_text("£22.00")
    page.get_by_role("button", name="Continue to payment").click()

    expect(page.get_by_test_id("pay-total")).to_have_text("£22.00")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name="Pay £22.00").click()
    expect(page.get_by_test_id("payment-problem")).to_contain_text("Your card was declined.")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay £22.00").click()

    expect(page.get_by_test_id("order-status")).to_have_text("paid")
    page.get_by_test_id("ticket-link").first.get_by_role("link").click()
    qr = page.get_by_test_id("ticket-qr")
    expect(qr).to_be_visible()
    expect(page.get_by_test_id("ticket")).to_contain_text("Stalls centre · row G · seat 5")
    image = Image.open(io.BytesIO(qr.screenshot()))
    [decoded] = zxingcpp.read_barcodes(image)
    key = httpx.get(f"{live_server}/api/v1/organizations/{organization}/ticket-key").json()
    claim = verify_ticket(decoded.text, base64.b64decode(key["public_key"]))
    assert page.url.endswith(f"/tickets/{claim.code}")

    page.goto(f"/events/{slug}/seats")  # the map now shows the seat as sold
    expect(page.locator('circle[data-k="SC-G-5"]')).to_have_class("seat c1 s-sold")
