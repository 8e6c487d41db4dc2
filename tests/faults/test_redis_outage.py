"""Redis killed for ten seconds during a sale, on a Redis of this test's own (the shared test server is never
touched). PostgreSQL is the truth, so buyers keep holding, ordering and paying; pages answer; /readyz says
degraded. When Redis returns, the seat maps that stayed open (an SSE client, and Chromium) catch up by themselves,
and a reconnect from before the outage gets a snapshot rather than a replay that would skip the news lost
meanwhile."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect
from sqlalchemy import func, select

from app.orders.models import Order, OrderStatus
from app.seating.models import EventSeat
from app.tickets.models import Ticket
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import app_server
from tests.faults.conftest import throwaway_redis
from tests.seating.conftest import SeatedEvent, make_seated_event
from tests.seating.test_live import SSE, sse

OUTAGE_SECONDS = 10
REQUEST_TIMEOUT = 8  # longer than any answer may take: a request still open after this is a hang
SLUG = "the-play"


@pytest.fixture
async def theatre(db) -> SeatedEvent:
    return await make_seated_event(db, slug=SLUG)


async def buy(api: httpx.AsyncClient, seats: list[str], email: str) -> str:
    """Hold, place the order and pay with the test card, as a buyer's client does; asserts every step."""
    held = await api.post(f"/api/v1/events/{SLUG}/holds", json={"seats": seats})
    assert held.status_code == 201, held.text
    placed = await api.post(
        "/api/v1/orders",
        json={"event": SLUG, "email": email, "name": "Ada Lovelace"},
        headers={"X-Cart": held.json()["cart"]},
    )
    assert placed.status_code == 201, placed.text
    number, token = placed.json()["number"], placed.headers["X-Order-Token"]
    await api.get("/login")  # the CSRF cookie comes from any page
    paid = await api.post(
        f"/orders/{number}/pay/test?k={token}",
        data={"card_number": "4242 4242 4242 4242", "_csrf_token": api.cookies["usher_csrf"]},
    )
    assert paid.status_code == 303, paid.text
    assert (await api.get(paid.headers["location"])).status_code == 200
    return number


@asynccontextmanager
async def seat_map(base_url: str) -> AsyncIterator[Page]:
    """The seat picker open in Chromium, live, and marked so that a reload would show."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page(base_url=base_url)
            page.set_default_timeout(10_000)
            await page.goto(f"/events/{SLUG}/seats")
            await expect(page.get_by_test_id("live-state")).to_have_text("live")
            await page.evaluate("window.openedBeforeTheOutage = true")
            yield page
        finally:
            await browser.close()


async def sold_in_next_snapshot(viewer: SSE, keys: set[str], within: float) -> dict:
    """The first snapshot that shows `keys` sold, skipping deltas and older snapshots."""
    deadline = time.monotonic() + within
    while True:
        message = await viewer.next(within=max(deadline - time.monotonic(), 0.1))
        if message["event"] == "snapshot":
            sold = {key for key, status, *_ in message["json"]["seats"] if status == "sold"}
            if keys <= sold:
                return message


@pytest.mark.browser
async def test_a_sale_goes_on_while_redis_is_down_and_open_maps_catch_up_when_it_returns(
    theatre, database_url, db, tmp_path
):
    started = time.monotonic()
    with throwaway_redis() as redis_server, app_server(database_url, redis_server.url, tmp_path) as base_url:
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) as api,
            sse(base_url, f"/events/{SLUG}/live") as viewer,
            seat_map(base_url) as page,
        ):
            assert (await viewer.next())["event"] == "snapshot"
            assert (await api.post(f"/api/v1/events/{SLUG}/holds", json={"seats": ["SC-H-9"]})).status_code == 201
            before_outage = await viewer.next()
            assert before_outage["event"] == "delta"

            redis_server.kill()
            outage = time.monotonic()
            ready = await api.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["postgres"] == "ok"
            assert ready.json()["checks"]["redis"].startswith("unavailable")

            first_sale = await buy(api, ["SC-H-1", "SC-H-2"], "first@example.com")
            # Pages keep answering for as long as the outage lasts, sessions or not.
            api.cookies.set("usher_session", "a-session-redis-cannot-look-up")
            pages = 0
            while time.monotonic() - outage < OUTAGE_SECONDS - 1 and pages < 3000:
                for path in (f"/events/{SLUG}/seats", f"/events/{SLUG}", "/"):
                    response = await api.get(path)
                    assert response.status_code == 200, (path, response.text)
                    pages += 1
            async with sse(base_url, f"/events/{SLUG}/live") as newcomer:
                truth = await newcomer.next()
            assert truth["event"] == "snapshot"  # from PostgreSQL, with the sale made during the outage
            assert {"SC-H-1", "SC-H-2"} <= {key for key, status, *_ in truth["json"]["seats"] if status == "sold"}
            second_sale = await buy(api, ["SC-H-3"], "second@example.com")
            assert time.monotonic() - outage >= OUTAGE_SECONDS - 1

            redis_server.start()
            # The maps that stayed open through the outage show the sales without anyone reconnecting them.
            await sold_in_next_snapshot(viewer, {"SC-H-1", "SC-H-2", "SC-H-3"}, within=10)
            for key in ("SC-H-1", "SC-H-2", "SC-H-3"):
                await expect(page.locator(f'circle[data-k="{key}"]')).to_have_class(re.compile(r"\bs-sold\b"))
            assert await page.evaluate("window.openedBeforeTheOutage") is True  # never reloaded
            assert (await api.get("/readyz")).json()["status"] == "ready"

        # Redis kept its stream (AOF), but news was lost while it was away: a replay from before would skip it.
        async with sse(base_url, f"/events/{SLUG}/live", {"Last-Event-ID": before_outage["id"]}) as returning:
            await sold_in_next_snapshot(returning, {"SC-H-1", "SC-H-2", "SC-H-3"}, within=5)

    orders = (await db.scalars(select(Order).where(Order.number.in_([first_sale, second_sale])))).all()
    assert {order.status for order in orders} == {OrderStatus.PAID}
    sold = await db.scalars(select(EventSeat.key).where(EventSeat.event_id == theatre.id, EventSeat.status == "sold"))
    assert set(sold.all()) == {"SC-H-1", "SC-H-2", "SC-H-3"}
    assert await db.scalar(select(func.count()).select_from(Ticket).where(Ticket.event_id == theatre.id)) == 3
    assert time.monotonic() - started < 60
