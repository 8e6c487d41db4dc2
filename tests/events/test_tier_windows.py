"""Tier sales windows and early birds: a tier sells only inside its window and, when limited, only its first N
tickets (counted atomically, never exceeded however many order at once); then the next tier for the same seats
prices them. Prices are frozen at ordering: a payment after the window closed still completes."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import msgspec
import pytest
from sqlalchemy import func, select, update

from app.db import utcnow
from app.errors import ValidationFailed
from app.events import service as events
from app.events.models import EventStatus, PriceTier
from app.orders.completion import expire_orders
from app.orders.models import Order, OrderLine
from app.seating.models import EventArea
from tests.events.test_publishing import add_seated, draft_event, refusal
from tests.orders.conftest import check_out, hold_seats, order, pay, pay_link
from tests.seating.conftest import make_general_admission_event, make_seated_event


@pytest.fixture
async def theatre(db):
    return await make_seated_event(db)


STALLS = [f"SC-{row}-{n}" for row in "GH" for n in range(1, 11)]  # 20 stalls seats


async def add_early_bird(db, theatre, quantity: int | None = 5, **window: datetime) -> None:
    """Stalls at £30.00 before the regular £42.00 tier (sorted first), for the first `quantity` tickets."""
    early = events.TierInput(
        name="Early bird",
        price_minor=3000,
        currency="GBP",
        seat_category="stalls",
        sort_order=-1,
        quantity_limit=quantity,
        **window,
    )
    await events.add_tier(db, theatre.actor, theatre.slug, early)


async def set_stalls_window(db, theatre, start: datetime | None, end: datetime | None) -> None:
    await db.execute(
        update(PriceTier)
        .where(PriceTier.event_id == theatre.id, PriceTier.seat_category == "stalls")
        .values(sales_start_at=start, sales_end_at=end)
    )
    await db.commit()


async def test_an_early_bird_of_five_with_twenty_concurrent_orders_sells_exactly_five_at_the_early_price(
    theatre, client, db
):
    await add_early_bird(db, theatre, quantity=5)
    carts = []
    for seat in STALLS:
        held = await client.post("/api/v1/events/the-play/holds", json={"seats": [seat]})
        assert held.status_code == 201, held.text
        carts.append(held.json()["cart"])
    start = asyncio.Event()

    async def place(n: int, cart: str):
        await start.wait()
        body = {"event": "the-play", "email": f"buyer{n}@example.com", "name": f"Buyer {n}"}
        return await client.post("/api/v1/orders", json=body, headers={"X-Cart": cart})

    tasks = [asyncio.create_task(place(n, cart)) for n, cart in enumerate(carts)]
    start.set()
    responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)

    assert Counter(r.status_code for r in responses) == Counter({201: 20})
    prices = Counter(r.json()["lines"][0]["unit_price_minor"] for r in responses)
    assert prices == Counter({3000: 5, 4200: 15})
    assert Counter((await db.scalars(select(OrderLine.unit_price_minor))).all()) == prices
    early = await db.scalar(
        select(PriceTier).where(PriceTier.name == "Early bird").execution_options(populate_existing=True)
    )
    assert (early.sold_count, early.left) == (5, 0)
    page = await client.get("/events/the-play")
    assert "early bird: sold out" in page.text.lower()


async def test_the_event_page_says_how_many_early_bird_tickets_are_left_and_when_tiers_open_or_ended(
    theatre, browser, db
):
    await add_early_bird(db, theatre, quantity=12)
    now = utcnow()
    await db.execute(
        update(PriceTier)
        .where(PriceTier.event_id == theatre.id, PriceTier.seat_category == "balcony")
        .values(sales_start_at=now + timedelta(days=2))
    )
    await db.execute(
        update(PriceTier)
        .where(PriceTier.event_id == theatre.id, PriceTier.seat_category == "premium")
        .values(sales_start_at=now - timedelta(days=2), sales_end_at=now - timedelta(days=1))
    )
    await db.commit()
    page = (await browser.get("/events/the-play")).text
    assert "early bird: 12 left" in page
    assert "on sale from" in page and "sales ended" in page


async def test_a_tier_outside_its_window_cannot_be_held_and_says_why(theatre, client, db):
    now = utcnow()
    await set_stalls_window(db, theatre, now - timedelta(days=2), now - timedelta(days=1))
    ended = await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-G-5"]})
    assert ended.status_code == 409 and "sales ended" in ended.json()["detail"], ended.text

    await set_stalls_window(db, theatre, now + timedelta(days=1), None)
    early = await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-G-5"]})
    assert early.status_code == 409 and "on sale from" in early.json()["detail"], early.text
    # Other categories are on sale as before.
    assert (await client.post("/api/v1/events/the-play/holds", json={"seats": ["BAL-A-1"]})).status_code == 201


async def test_a_general_admission_tier_outside_its_window_holds_nothing(browser, db):
    event = await make_general_admission_event(db, slug="tonight", capacity=40)
    await db.execute(update(PriceTier).where(PriceTier.event_id == event.id).values(sales_end_at=utcnow()))
    await db.commit()
    key = await db.scalar(select(EventArea.key).where(EventArea.event_id == event.id))
    response = await browser.post_form("/events/tonight/areas/hold", {"area": key, "quantity": "2"}, htmx=True)
    assert response.status_code == 409 and "General is no longer on sale (sales ended)" in response.text
    assert (await db.scalar(select(EventArea.held).where(EventArea.key == key))) == 0


async def test_a_window_closing_between_hold_and_checkout_refuses_the_order_and_writes_nothing(theatre, browser, db):
    await hold_seats(browser, ["SC-G-5"])
    now = utcnow()
    await set_stalls_window(db, theatre, now - timedelta(days=2), now - timedelta(seconds=1))
    response = await check_out(browser)
    assert response.status_code == 422 and "no longer on sale (sales ended)" in response.text
    assert "Continue to payment" in response.text  # the checkout page, saying why
    assert await db.scalar(select(func.count()).select_from(Order)) == 0


async def test_a_payment_after_the_window_closed_completes_at_the_price_frozen_at_ordering(theatre, browser, db):
    await add_early_bird(db, theatre, quantity=None, sales_end_at=datetime.now() + timedelta(days=1))
    await hold_seats(browser, ["SC-G-5"])
    number, token = pay_link(await check_out(browser))
    now = utcnow()
    await db.execute(
        update(PriceTier).where(PriceTier.name == "Early bird").values(sales_start_at=None, sales_end_at=now)
    )
    await db.commit()
    assert (await pay(browser, number, token)).status_code in (200, 303)
    paid = await order(db, number)
    assert paid.status == "paid" and paid.total_minor == 3000


async def test_when_the_early_bird_ends_by_date_the_next_tier_prices_the_same_seats(theatre, browser, db):
    await add_early_bird(db, theatre, quantity=None, sales_end_at=datetime.now() + timedelta(days=1))
    await hold_seats(browser, ["SC-G-5"])
    assert "£30.00" in (await browser.get("/events/the-play/checkout")).text
    await db.execute(update(PriceTier).where(PriceTier.name == "Early bird").values(sales_end_at=utcnow()))
    await db.commit()
    number, _ = pay_link(await check_out(browser))
    assert (await order(db, number)).subtotal_minor == 4200


async def test_price_types_of_one_category_publish_but_the_same_price_type_twice_at_once_is_named(db):
    actor, slug = await draft_event(db, seated=True)
    for category in ("premium", "stalls", "balcony"):
        await add_seated(db, actor, category.title(), category)
    child = events.TierInput(name="Stalls", price_minor=500, currency="GBP", seat_category="stalls", price_type="Child")
    await events.add_tier(db, actor, slug, child)
    early = events.TierInput(
        name="Early", price_minor=800, currency="GBP", seat_category="stalls", quantity_limit=10, sort_order=-1
    )
    await events.add_tier(db, actor, slug, early)
    await events.set_status(db, actor, slug, EventStatus.PUBLISHED)  # several types and a limited early bird: clear
    await events.set_status(db, actor, slug, EventStatus.DRAFT)

    again = events.TierInput(name="Kids", price_minor=700, currency="GBP", seat_category="stalls", price_type="Child")
    await events.add_tier(db, actor, slug, again)
    message = await refusal(db, actor)
    assert "“Stalls” and “Kids” both price stalls seats at the Child price at the same time" in message


async def test_an_early_bird_limit_cannot_go_below_what_it_already_sold(theatre, db):
    await add_early_bird(db, theatre, quantity=5)
    await db.execute(update(PriceTier).where(PriceTier.name == "Early bird").values(sold_count=3))
    await db.commit()
    early = await db.scalar(
        select(PriceTier).where(PriceTier.name == "Early bird").execution_options(populate_existing=True)
    )
    lowered = msgspec.structs.replace(events.tier_input_of(early), quantity_limit=2)
    with pytest.raises(ValidationFailed) as refused:
        await events.update_tier(db, theatre.actor, theatre.slug, early.id, lowered)
    assert "from 3 (already sold)" in refused.value.errors["quantity_limit"]


async def test_an_early_bird_ticket_of_an_order_never_paid_goes_back_to_the_early_bird(
    theatre, browser, other_browser, db
):
    await add_early_bird(db, theatre, quantity=1)
    await hold_seats(browser, ["SC-G-5"])
    number, _ = pay_link(await check_out(browser))
    assert (await order(db, number)).subtotal_minor == 3000
    await db.execute(update(Order).values(expires_at=utcnow() - timedelta(seconds=1)))
    await db.commit()
    await expire_orders(db)

    await hold_seats(other_browser, ["SC-G-6"])
    again, _ = pay_link(await check_out(other_browser, email="bea@example.com"))
    assert (await order(db, again)).subtotal_minor == 3000  # the early bird's one ticket was free again
