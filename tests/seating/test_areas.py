"""Standing (general-admission) areas: places held by quantity with one conditional counter update."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, text

from app.live import channel
from app.seating.jobs import sweep_holds
from app.seating.models import AreaHold, EventArea
from tests.seating.conftest import make_seated_event

ARENA_TIERS = {"floor": 3900, "lower": 5900, "upper": 2900}
AREAS = "/api/v1/events/the-gig/areas"
FLOOR = f"{AREAS}/FLOOR/hold"


@pytest.fixture
async def arena(db):
    return await make_seated_event(db, slug="the-gig", layout="arena", tiers=ARENA_TIERS)


async def place(client, quantity, cart=None, url=FLOOR):
    return await client.put(url, json={"quantity": quantity}, headers={"X-Cart": cart} if cart else {})


async def floor_left(client, cart=None) -> dict:
    body = (await client.get(AREAS, headers={"X-Cart": cart} if cart else {})).json()
    return next(a for a in body["areas"] if a["key"] == "FLOOR")


async def test_a_cart_sets_how_many_places_it_holds(arena, client, db):
    assert await floor_left(client) == {
        "key": "FLOOR",
        "name": "Standing floor",
        "category": "floor",
        "capacity": 2000,
        "left": 2000,
        "mine": 0,
    }
    first = await place(client, 3)
    assert first.status_code == 200
    cart = first.json()["cart"]
    assert first.headers["x-cart"] == cart and first.json()["quantity"] == 3
    assert (await floor_left(client, cart))["left"] == 1997
    assert (await floor_left(client, cart))["mine"] == 3
    assert (await floor_left(client))["mine"] == 0  # another visitor
    await place(client, 1, cart)
    assert (await floor_left(client))["left"] == 1999
    await place(client, 0, cart)
    assert (await floor_left(client))["left"] == 2000
    assert await db.scalar(select(func.count()).select_from(AreaHold)) == 0
    assert await db.scalar(select(EventArea.held)) == 0


async def test_concurrent_carts_never_take_more_places_than_the_area_has(arena, client, db):
    await db.execute(text("UPDATE event_areas SET capacity = 20"))
    await db.commit()
    start = asyncio.Event()

    async def attempt(quantity):
        await start.wait()
        response = await place(client, quantity)
        while response.status_code == 503:  # the row stayed locked past lock_timeout: a buyer tries again
            response = await place(client, quantity)
        return quantity, response

    tasks = [asyncio.create_task(attempt(1 + n % 3)) for n in range(60)]
    start.set()
    results = await asyncio.gather(*tasks)
    codes = Counter(r.status_code for _, r in results)
    assert set(codes) == {200, 409}, codes
    promised = sum(q for q, r in results if r.status_code == 200)
    assert 18 <= promised <= 20  # full, up to a remainder smaller than every refused request
    for _, response in results:
        if response.status_code == 409:
            assert response.json()["left"] == 20 - promised or response.json()["left"] < 3
    assert await db.scalar(select(func.sum(AreaHold.quantity))) == promised
    assert await db.scalar(select(EventArea.held)) == promised


async def test_a_place_locked_by_someone_else_beyond_the_lock_timeout_is_a_503_to_retry_and_changes_nothing(
    arena, client, db
):
    # Another transaction sits on the area's row (a stuck buyer, a long report): the hold waits lock_timeout, then
    # gives up whole. That is a busy moment, not a bug: 503 with Retry-After, never a 500.
    await db.execute(text("SELECT 1 FROM event_areas WHERE key = 'FLOOR' FOR UPDATE"))
    try:
        busy = await place(client, 2)
    finally:
        await db.rollback()
    assert busy.status_code == 503 and busy.headers["retry-after"]
    assert "try again" in busy.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(AreaHold)) == 0
    assert (await place(client, 2)).status_code == 200


async def test_sold_out_is_a_clear_409_with_what_is_left(arena, client, db):
    await db.execute(text("UPDATE event_areas SET capacity = 5"))
    await db.commit()
    cart = (await place(client, 4)).json()["cart"]
    refused = await place(client, 2)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "Only 1 places are left in Standing floor.", "left": 1}
    assert (await place(client, 5, cart)).status_code == 200  # the cart's own places count as its own
    assert (await place(client, 1)).json()["detail"] == "Standing floor is sold out."


async def test_the_cart_limit_counts_seats_and_places_together(arena, client, settings):
    cart = (await client.post("/api/v1/events/the-gig/holds", json={"seats": ["L1-A-1", "L1-A-2"]})).json()["cart"]
    limit = settings.max_seats_per_cart
    assert (await place(client, limit - 1, cart)).status_code == 422
    assert (await place(client, limit - 2, cart)).status_code == 200
    too_many = await client.post("/api/v1/events/the-gig/holds", json={"seats": ["L1-A-3"]}, headers={"X-Cart": cart})
    assert too_many.status_code == 422
    assert f"you already hold {limit}" in too_many.json()["detail"]


async def test_one_deadline_for_the_whole_cart(arena, client, db):
    cart = (await client.post("/api/v1/events/the-gig/holds", json={"seats": ["L1-A-1"]})).json()["cart"]
    await db.execute(text("UPDATE event_seats SET held_until = held_until - interval '5 minutes'"))
    await db.commit()
    expires = (await place(client, 2, cart)).json()["expires_at"]
    seat_deadline = await db.scalar(text("SELECT held_until FROM event_seats WHERE key = 'L1-A-1'"))
    assert seat_deadline.isoformat() == expires.replace("Z", "+00:00")


async def test_bad_requests_are_clear_4xx(arena, client, db):
    assert (await place(client, 1, url=f"{AREAS}/NOPE/hold")).status_code == 422
    assert (await place(client, -1)).status_code == 422
    assert (await client.put(FLOOR, content=b"{", headers={"Content-Type": "application/json"})).status_code == 400
    assert (await client.put(FLOOR, json={"quantity": "two"})).status_code == 400
    assert (await place(client, 1, url="/api/v1/events/nope/areas/FLOOR/hold")).status_code == 404
    assert await db.scalar(select(EventArea.held)) == 0


async def test_expired_places_are_free_at_once_and_the_sweeper_announces_them(arena, client, db, settings):
    await db.execute(text("UPDATE event_areas SET capacity = 4"))
    await db.commit()
    await place(client, 3)
    await db.execute(text("UPDATE area_holds SET held_until = now() - interval '1 second'"))
    await db.commit()
    assert (await floor_left(client))["left"] == 4  # expired = available, before any sweep
    second = await place(client, 4)  # reclaims the expired places inside its own transaction
    assert second.status_code == 200
    await place(client, 0, second.json()["cart"])
    await place(client, 2)
    await db.execute(text("UPDATE area_holds SET held_until = now() - interval '1 second'"))
    await db.commit()

    redis = Redis.from_url(settings.redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel(arena.id))
    await pubsub.get_message(timeout=1)
    from app.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url, pool_size=2)
    ctx = {"sessionmaker": create_sessionmaker(engine), "redis": redis}
    assert await sweep_holds(ctx) == 1
    assert await sweep_holds(ctx) == 0
    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
    payload = json.loads(message["data"].decode().partition(" ")[2])
    assert payload["changes"] == [{"key": "FLOOR", "status": "available", "v": payload["seq"], "left": 4}]
    assert await db.scalar(select(EventArea.held)) == 0
    await pubsub.aclose()
    await redis.aclose()
    await engine.dispose()


async def test_the_seat_page_holds_standing_places(arena, browser):
    page = await browser.get("/events/the-gig/seats")
    assert "Standing floor" in page.text and "2000 of 2000 left" in page.text
    response = await browser.post_form("/events/the-gig/areas/hold", {"area": "FLOOR", "quantity": "2"}, htmx=True)
    assert response.status_code == 200
    assert "2 \N{MULTIPLICATION SIGN} Standing floor" in response.text and "£78.00" in response.text
    again = await browser.get("/events/the-gig/seats")
    assert "1998 of 2000 left" in again.text
    refused = await browser.post_form("/events/the-gig/areas/hold", {"area": "FLOOR", "quantity": "many"}, htmx=True)
    assert refused.status_code == 422 and "Choose between 1 and" in refused.text
