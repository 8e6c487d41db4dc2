"""The on-sale rule is written once (usher_sales_state) and every path that takes or keeps inventory obeys it: seat
holds, standing places, best available, the picker's banner and placing an order."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.events import service as events
from app.seating.rules import SalesState, sales_state
from tests.seating.conftest import make_seated_event

ARENA_TIERS = {"floor": 3900, "lower": 5900, "upper": 2900}

# How each state is reached, and what a buyer is told.
CLOSED = {
    SalesState.NOT_STARTED: ("UPDATE events SET sales_start_at = now() + interval '1 day'", "not started"),
    SalesState.ENDED: ("UPDATE events SET sales_end_at = now() - interval '1 minute'", "have ended"),
    SalesState.CANCELLED: ("UPDATE events SET status = 'cancelled'", "cancelled"),
}


@pytest.fixture
async def arena(db):
    return await make_seated_event(db, slug="the-gig", layout="arena", tiers=ARENA_TIERS)


async def close_sales(db, state: SalesState) -> str:
    statement, words = CLOSED[state]
    await db.execute(text(statement))
    await db.commit()
    return words


async def test_the_rule_answers_each_state(arena, db):
    event = await events.get_public_event(db, "the-gig")
    assert await sales_state(db, event) == SalesState.ON_SALE
    await db.execute(text("UPDATE events SET sales_start_at = now() + interval '1 hour'"))
    assert await sales_state(db, event) == SalesState.NOT_STARTED
    await db.execute(
        text(
            "UPDATE events SET sales_start_at = NULL, starts_at = now() - interval '2 hours',"
            " ends_at = now() - interval '1 second'"
        )
    )
    assert await sales_state(db, event) == SalesState.ENDED
    await db.execute(text("UPDATE events SET ends_at = now() + interval '1 day', status = 'draft'"))
    assert await sales_state(db, event) == SalesState.NOT_FOUND
    await db.execute(text("UPDATE events SET status = 'cancelled'"))
    assert await sales_state(db, event) == SalesState.CANCELLED
    await db.rollback()


@pytest.mark.parametrize("state", list(CLOSED))
async def test_no_path_takes_inventory_when_sales_are_closed(arena, client, browser, db, state):
    words = await close_sales(db, state)

    seat = await client.post("/api/v1/events/the-gig/holds", json={"seats": ["L1-A-1"]})
    assert seat.status_code == 409 and words in seat.json()["detail"]

    places = await client.put("/api/v1/events/the-gig/areas/FLOOR/hold", json={"quantity": 2})
    assert places.status_code == 409 and words in places.json()["detail"]

    best = await browser.post_form("/events/the-gig/seats/best", {"category": "lower", "quantity": "2"}, htmx=True)
    assert best.status_code == 409 and words in best.text

    picker = await browser.client.get("/events/the-gig/seats")
    assert picker.status_code == 200 and words in picker.text

    held = await db.execute(text("SELECT count(*) FROM event_seats WHERE status = 'held'"))
    assert held.scalar() == 0
    assert (await db.execute(text("SELECT coalesce(sum(held), 0) FROM event_areas"))).scalar() == 0


@pytest.mark.parametrize("state", list(CLOSED))
async def test_an_order_cannot_be_placed_once_sales_close(arena, browser, db, state):
    response = await browser.post_form("/events/the-gig/seats/hold", {"seat": ["L1-A-1"]}, htmx=True)
    assert response.status_code == 200, response.text
    words = await close_sales(db, state)
    placed = await browser.post_form("/events/the-gig/checkout", {"email": "ada@example.com", "name": "Ada"})
    assert placed.status_code == 409 and words in placed.text
    assert (await db.execute(text("SELECT count(*) FROM orders"))).scalar() == 0
