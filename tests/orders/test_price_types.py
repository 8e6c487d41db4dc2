"""Several prices for the same seats (Adult / Child): the buyer chooses one per seat at checkout, the price is
frozen on the order line and the ticket, and the door sees the price type when it scans."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.db import utcnow
from app.events import service as events
from app.events.models import Event, PriceTier
from app.orders.models import Order, OrderLine
from app.tickets.models import Ticket
from tests.checkin.conftest import log_in
from tests.checkin.test_checkin import scan
from tests.orders.conftest import check_out, hold_seats, pay, pay_link


async def offer_adult_and_child(db, theatre) -> None:
    """The stalls are sold at an Adult price (£42.00, the first) and a Child price (£20.00)."""
    await db.execute(
        update(PriceTier)
        .where(PriceTier.event_id == theatre.id, PriceTier.seat_category == "stalls")
        .values(price_type="Adult")
    )
    await db.commit()
    child = events.TierInput(
        name="Stalls", price_minor=2000, currency="GBP", seat_category="stalls", price_type="Child", sort_order=1
    )
    await events.add_tier(db, theatre.actor, theatre.slug, child)


async def test_a_child_price_for_one_seat_and_adult_for_another_end_up_on_the_order_tickets_and_at_the_door(
    theatre, browser, other_browser, db
):
    await offer_adult_and_child(db, theatre)
    await hold_seats(browser, ["SC-G-5", "SC-G-6"])
    page = await browser.get("/events/the-play/checkout")
    assert 'name="price_type_SC-G-5"' in page.text and "Child · £20.00" in page.text and "Adult · £42.00" in page.text

    number, token = pay_link(await check_out(browser, **{"price_type_SC-G-5": "Child"}))
    lines = (await db.scalars(select(OrderLine).join(Order).where(Order.number == number))).all()
    assert {(ln.key, ln.price_type, ln.unit_price_minor) for ln in lines} == {
        ("SC-G-5", "Child", 2000),
        ("SC-G-6", "Adult", 4200),
    }
    assert (await db.scalar(select(Order.subtotal_minor).where(Order.number == number))) == 6200
    assert (await pay(browser, number, token)).status_code in (200, 303)
    tickets = {t.seat_key: t for t in await db.scalars(select(Ticket))}
    assert tickets["SC-G-5"].tier_name == "Stalls · Child" and tickets["SC-G-6"].tier_name == "Stalls · Adult"

    now = utcnow()
    await db.execute(
        update(Event)
        .where(Event.id == theatre.id)
        .values(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=3))
    )
    await db.commit()
    await log_in(other_browser, db, theatre.actor.user_id)
    verdict = (await scan(other_browser, "the-play", tickets["SC-G-5"].code)).json()
    assert verdict["result"] == "valid" and "Child" in verdict["tier"]


async def test_a_price_type_not_offered_for_the_seat_is_refused_clearly_and_nothing_is_written(theatre, browser, db):
    await offer_adult_and_child(db, theatre)
    await hold_seats(browser, ["SC-G-5"])
    response = await check_out(browser, **{"price_type_SC-G-5": "Senior"})
    assert response.status_code == 422
    assert "The price “Senior” is not offered for Seat" in response.text and "choose Adult or Child" in response.text
    assert await db.scalar(select(func.count()).select_from(Order)) == 0
    assert (await db.scalar(select(PriceTier.sold_count).where(PriceTier.price_type == "Child"))) == 0
    # The basket is untouched: the seat is still held and the default price applies.
    assert "£42.00" in (await browser.get("/events/the-play/checkout")).text


async def test_the_api_lists_price_types_and_places_an_order_with_a_price_type_per_seat(theatre, client, db):
    await offer_adult_and_child(db, theatre)
    listed = (await client.get("/api/v1/events/the-play")).json()["tiers"]
    stalls = {(t["price_type"], t["price_minor"], t["state"]) for t in listed if t["seat_category"] == "stalls"}
    assert stalls == {("Adult", 4200, "on_sale"), ("Child", 2000, "on_sale")}
    held = await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-G-5", "SC-G-6"]})
    assert held.status_code == 201, held.text
    body = {"event": "the-play", "email": "ada@example.com", "name": "Ada", "price_types": {"SC-G-6": "Child"}}
    placed = await client.post("/api/v1/orders", json=body, headers={"X-Cart": held.json()["cart"]})
    assert placed.status_code == 201, placed.text
    lines = {ln["key"]: (ln["price_type"], ln["unit_price_minor"]) for ln in placed.json()["lines"]}
    assert lines == {"SC-G-5": ("Adult", 4200), "SC-G-6": ("Child", 2000)}

    body["price_types"] = {"SC-H-1": "Child", "SC-A-1": "Child"}
    stray = await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-H-1"]})
    refused = await client.post("/api/v1/orders", json=body, headers={"X-Cart": stray.json()["cart"]})
    assert refused.status_code == 422 and "SC-A-1 is not in your basket" in refused.text

    body["price_types"] = {"SC-H-2": "Senior"}
    again = await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-H-2"]})
    refused = await client.post("/api/v1/orders", json=body, headers={"X-Cart": again.json()["cart"]})
    assert refused.status_code == 422 and "not offered" in refused.text


async def test_an_organizer_adds_a_child_price_for_the_stalls_from_the_tier_form(theatre, browser, db):
    await log_in(browser, db, theatre.actor.user_id)
    form = {"name": "Stalls", "price": "20.00", "currency": "GBP", "kind": "seated", "seat_category": "stalls"}
    response = await browser.post_form(
        "/manage/events/the-play/tiers", {**form, "price_type": "Child", "quantity_limit": "30"}, htmx=True
    )
    assert response.status_code == 200, response.text
    assert "Stalls · Child" in response.text and "first 30, 0 sold" in response.text
    tier = await db.scalar(select(PriceTier).where(PriceTier.price_type == "Child"))
    assert (tier.price_minor, tier.quantity_limit) == (2000, 30)
    refused = await browser.post_form("/manage/events/the-play/tiers", {**form, "quantity_limit": "0"}, htmx=True)
    assert refused.status_code == 422 and "quantity_limit" in refused.text
