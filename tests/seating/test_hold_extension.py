"""A buyer may extend a hold once (WCAG 2.2.1), within the inventory rules: real PostgreSQL, real concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.db import create_engine, create_sessionmaker
from app.events.models import Event
from app.seating.areas import hold_area
from app.seating.carts import HoldNotExtended, extend_hold, hold_clock
from app.seating.expiry import sweep_expired_holds
from app.seating.holds import hold_seats
from app.seating.models import AreaHold, Cart, EventArea, EventSeat
from tests.seating.conftest import make_seated_event

SEATS = ["SC-D-1", "SC-D-2"]
EXTENSION = 300


async def hold(db, cart_id: uuid.UUID, keys: list[str] = SEATS, ttl_seconds: int = 600) -> None:
    await hold_seats(db, "the-play", cart_id, keys, ttl_seconds=ttl_seconds, max_seats=10, holder_tag="t")


async def deadlines(db, cart_id: uuid.UUID) -> set:
    db.expire_all()
    return set(
        await db.scalars(select(EventSeat.held_until).where(EventSeat.cart_id == cart_id, EventSeat.status == "held"))
    )


async def move_deadline(db, cart_id: uuid.UUID, seconds_from_now: float) -> None:
    """The clock moved on: the cart's holds end `seconds_from_now` (negative: they ended)."""
    until = func.now() + timedelta(seconds=seconds_from_now)
    await db.execute(update(EventSeat).where(EventSeat.cart_id == cart_id).values(held_until=until))
    await db.execute(update(AreaHold).where(AreaHold.cart_id == cart_id).values(held_until=until))
    await db.commit()


async def test_extending_once_moves_every_hold_of_the_cart_by_the_extension(theatre, db):
    cart = uuid.uuid4()
    await hold(db, cart)
    (before,) = await deadlines(db, cart)
    until = await extend_hold(db, theatre.id, cart, seconds=EXTENSION)
    await db.commit()
    assert until == before + timedelta(seconds=EXTENSION)
    assert await deadlines(db, cart) == {until}
    clock = await hold_clock(db, theatre.id, cart, extension_seconds=EXTENSION)
    assert (clock.expires_at, clock.extended, clock.may_extend) == (until, True, False)


async def test_a_second_extension_is_refused_and_changes_nothing(theatre, db):
    cart = uuid.uuid4()
    await hold(db, cart)
    until = await extend_hold(db, theatre.id, cart, seconds=EXTENSION)
    await db.commit()
    with pytest.raises(HoldNotExtended, match="already extended once") as refused:
        await extend_hold(db, theatre.id, cart, seconds=EXTENSION)
    await db.rollback()
    assert refused.value.status_code == 409
    assert await deadlines(db, cart) == {until}


async def test_an_expired_hold_cannot_be_extended_and_stays_free(theatre, db):
    cart = uuid.uuid4()
    await hold(db, cart)
    await move_deadline(db, cart, -1)
    with pytest.raises(HoldNotExtended, match="expired"):
        await extend_hold(db, theatre.id, cart, seconds=EXTENSION)
    await db.rollback()
    assert max(await deadlines(db, cart)) < await db.scalar(select(func.now()))
    assert await db.scalar(select(Cart.extended_at).where(Cart.id == cart)) is None  # not used up either


async def test_an_extension_stops_at_the_end_of_sales_and_is_refused_when_sales_end_first(theatre, db):
    cart = uuid.uuid4()
    await hold(db, cart)
    (before,) = await deadlines(db, cart)
    await db.execute(update(Event).where(Event.id == theatre.id).values(sales_end_at=before + timedelta(seconds=60)))
    await db.commit()
    assert await extend_hold(db, theatre.id, cart, seconds=EXTENSION) == before + timedelta(seconds=60)
    await db.commit()

    other = uuid.uuid4()
    await hold(db, other, ["SC-E-1"])
    await db.execute(update(Event).where(Event.id == theatre.id).values(sales_end_at=func.now() + timedelta(seconds=5)))
    await db.commit()
    with pytest.raises(HoldNotExtended, match="Sales end before your hold does"):
        await extend_hold(db, theatre.id, other, seconds=EXTENSION)


async def test_standing_places_are_extended_with_the_seats(db):
    event = await make_seated_event(db, general_admission={"Standing": 50})
    cart = uuid.uuid4()
    await hold(db, cart)
    area_key = await db.scalar(select(EventArea.key).where(EventArea.event_id == event.id))
    await hold_area(db, await db.get(Event, event.id), cart, area_key, 2, ttl_seconds=600, max_seats=10)
    until = await extend_hold(db, event.id, cart, seconds=EXTENSION)
    await db.commit()
    db.expire_all()
    assert set(await db.scalars(select(AreaHold.held_until).where(AreaHold.cart_id == cart))) == {until}
    assert await deadlines(db, cart) == {until}


async def test_a_new_hold_after_an_extension_does_not_shorten_it(theatre, db):
    cart = uuid.uuid4()
    await hold(db, cart)
    until = await extend_hold(db, theatre.id, cart, seconds=EXTENSION)
    await db.commit()
    await hold(db, cart, ["SC-D-3"])
    assert await deadlines(db, cart) == {until}


async def test_a_double_submitted_extension_extends_once(theatre, db, settings):
    cart = uuid.uuid4()
    await hold(db, cart)
    (before,) = await deadlines(db, cart)
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = create_sessionmaker(engine)
    start = asyncio.Event()

    async def extend() -> str:
        async with sessions() as session:
            await start.wait()
            try:
                await extend_hold(session, theatre.id, cart, seconds=EXTENSION)
            except HoldNotExtended as refused:
                return refused.outcome
            await session.commit()
            return "extended"

    try:
        tasks = [asyncio.create_task(extend()) for _ in range(2)]
        start.set()
        outcomes = await asyncio.gather(*tasks)
    finally:
        await engine.dispose()
    assert sorted(outcomes) == ["already_extended", "extended"]
    assert await deadlines(db, cart) == {before + timedelta(seconds=EXTENSION)}


async def test_the_sweeper_leaves_an_extended_hold_until_its_new_deadline(theatre, db):
    cart = uuid.uuid4()
    await hold(db, cart)
    await move_deadline(db, cart, 1)  # a second left on the first deadline
    until = await extend_hold(db, theatre.id, cart, seconds=EXTENSION)
    await db.commit()
    await db.execute(select(func.pg_sleep(1.2)))  # the first deadline passes (the clock is the event awaited)
    await db.rollback()
    released = await sweep_expired_holds(db)
    assert theatre.id not in released
    assert await deadlines(db, cart) == {until}
    await move_deadline(db, cart, -1)  # and once the new one has passed, the sweeper frees them
    released = await sweep_expired_holds(db)
    assert sorted(change.key for change in released[theatre.id]) == SEATS


async def test_the_api_extends_the_cart_in_x_cart_once_and_says_why_it_refuses(theatre, client, db):
    held = (await client.post("/api/v1/events/the-play/holds", json={"seats": SEATS})).json()
    extend = "/api/v1/events/the-play/holds/extend"
    granted = await client.post(extend, headers={"X-Cart": held["cart"]})
    assert granted.status_code == 200
    until = datetime.fromisoformat(granted.json()["expires_at"])
    assert until == datetime.fromisoformat(held["expires_at"]) + timedelta(seconds=EXTENSION)
    again = await client.post(extend, headers={"X-Cart": held["cart"]})
    assert again.status_code == 409 and "already extended once" in again.json()["detail"]
    assert (await client.post(extend)).status_code == 422  # no cart named
    stranger = (await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-E-1"]})).json()
    await move_deadline(db, uuid.UUID(stranger["cart"].split(".")[0]), -1)
    expired = await client.post(extend, headers={"X-Cart": stranger["cart"]})
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    assert await deadlines(db, uuid.UUID(held["cart"].split(".")[0])) == {until}
