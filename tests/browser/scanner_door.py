"""The door scanner's test world: an event happening now with three paid tickets, and the scanner's controls."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.db import create_engine, create_sessionmaker
from app.events.models import Event
from app.orders.checkout import CheckoutForm, place_order
from app.orders.completion import complete_payment
from app.seating.holds import hold_seats
from app.tickets.models import Ticket
from app.tickets.service import qr_texts
from tests.browser.conftest import happening_within_the_hour
from tests.conftest import _settings_for, run_blocking
from tests.seating.conftest import make_seated_event


@pytest.fixture
def tonight(database_url, redis_url) -> dict:
    """An event happening now with three paid tickets; returns the slug, the owner's e-mail and the QR texts."""
    slug = f"gig-{uuid.uuid4().hex[:6]}"
    settings = _settings_for(database_url, redis_url)

    async def create():
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            event = await make_seated_event(session, slug=slug)
            await happening_within_the_hour(session, Event.id == event.id, event.actor.user_id, hours=3)
            cart = uuid.uuid4()
            await hold_seats(
                session, slug, cart, ["SL-B-1", "SL-B-2", "SL-B-3"], ttl_seconds=600, max_seats=10, holder_tag="t"
            )
            db_event = await session.get(Event, event.id)
            placed = await place_order(
                session,
                db_event,
                cart,
                CheckoutForm("ada@example.com", "Ada Lovelace"),
                settings=settings,
                user_id=None,
            )
            await complete_payment(
                session,
                settings,
                placed.order.id,
                provider="test",
                external_id="t1",
                reference=None,
                amount_minor=placed.order.total_minor,
                currency=placed.order.currency,
            )
            tickets = list((await session.scalars(select(Ticket).order_by(Ticket.seat_key))).all())
            texts = await qr_texts(session, tickets, "test-secret-" + "x" * 32)
            await session.commit()
        await engine.dispose()
        return {
            "slug": slug,
            "email": event.actor.email,
            "qr": [texts[t.id] for t in tickets],
            "codes": [t.code for t in tickets],
        }

    return run_blocking(asyncio.run, create())


def in_database(database_url: str, work):
    """Run `work(session)` against the test database and return its result (committed)."""

    async def run():
        engine = create_engine(database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return run_blocking(asyncio.run, run())


def open_scanner(page: Page, slug: str) -> None:
    page.goto(f"/scan/{slug}")
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    expect(page.get_by_test_id("bundle-size")).to_have_text("3")


def type_code(page: Page, code: str) -> None:
    page.get_by_label("Ticket code, name, e-mail or order number").fill(code)
    page.get_by_role("button", name="Find").click()
