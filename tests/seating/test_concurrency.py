"""Real concurrency against PostgreSQL: many carts racing for few seats; every 201 must be the truth."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from sqlalchemy import select

from app.seating.models import EventSeat

HOT_SEATS = [f"SC-{row}-{n}" for row in "AB" for n in range(1, 11)]  # 20 seats


async def test_two_hundred_carts_racing_for_twenty_seats_never_double_hold(theatre, client, db, settings):
    rng = random.Random(7)
    requests = [rng.sample(HOT_SEATS, rng.randint(1, 3)) for _ in range(200)]
    start = asyncio.Event()

    async def attempt(seats):
        await start.wait()
        return seats, await client.post("/api/v1/events/the-play/holds", json={"seats": seats})

    tasks = [asyncio.create_task(attempt(seats)) for seats in requests]
    start.set()
    results = await asyncio.gather(*tasks)

    statuses = Counter(response.status_code for _, response in results)
    assert set(statuses) <= {201, 409}, statuses
    winners = {}
    for seats, response in results:
        if response.status_code == 201:
            body = response.json()
            assert sorted(seats) == body["seats"]  # a fresh cart holds exactly what it asked for
            for key in seats:
                assert key not in winners, f"{key} was promised to two carts"
                winners[key] = body["cart"].split(".")[0]
        else:
            assert set(response.json()["unavailable"]) <= set(seats)
    assert statuses[201] >= 7  # at least ceil(20/3) carts must have won something

    rows = (
        await db.execute(select(EventSeat.key, EventSeat.status, EventSeat.cart_id).where(EventSeat.key.in_(HOT_SEATS)))
    ).all()
    held = {r.key: r.cart_id.hex for r in rows if r.status == "held"}
    assert held == winners  # the database agrees with every 201, and nothing else is held


async def test_racing_for_the_same_single_seat_exactly_one_wins(theatre, client):
    start = asyncio.Event()

    async def attempt():
        await start.wait()
        return await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-E-5"]})

    tasks = [asyncio.create_task(attempt()) for _ in range(50)]
    start.set()
    codes = Counter(r.status_code for r in await asyncio.gather(*tasks))
    assert codes == Counter({201: 1, 409: 49})


async def test_overlapping_multi_seat_holds_do_not_deadlock(theatre, client):
    """Carts asking for the same seats in opposite orders lock in key order, so nobody waits forever."""
    start = asyncio.Event()

    async def attempt(seats):
        await start.wait()
        return await client.post("/api/v1/events/the-play/holds", json={"seats": seats})

    forward = [f"SC-F-{n}" for n in range(1, 9)]
    tasks = [asyncio.create_task(attempt(forward if i % 2 else list(reversed(forward)))) for i in range(40)]
    start.set()
    codes = Counter(r.status_code for r in await asyncio.wait_for(asyncio.gather(*tasks), timeout=30))
    assert codes == Counter({201: 1, 409: 39})
