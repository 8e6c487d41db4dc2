"""Organizers see and refund their orders (and only theirs); the orders API."""

from __future__ import annotations

from sqlalchemy import select, update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.orders.models import PromoCode
from app.seating.models import EventSeat
from app.tickets.models import Ticket
from tests.orders.conftest import check_out, hold_seats, order, pay, pay_link
from tests.seating.conftest import make_seated_event


async def log_in_as(browser, db, actor) -> None:
    await db.execute(update(User).where(User.id == actor.user_id).values(password_hash=hash_password("pw-123456789")))
    await db.commit()
    response = await browser.post_form("/login", {"email": actor.email, "password": "pw-123456789"})
    assert response.status_code in (302, 303)


async def paid_order(browser, seats=("SL-F-1", "SL-F-2")) -> str:
    await hold_seats(browser, list(seats))
    number, token = pay_link(await check_out(browser, email="buyer@example.com", name="Bea Buyer"))
    assert (await pay(browser, number, token)).status_code == 303
    return number


async def test_organizers_find_orders_see_totals_and_refund(theatre, browser, other_browser, db):
    number = await paid_order(other_browser)
    await log_in_as(browser, db, theatre.actor)
    listing = await browser.get("/manage/events/the-play/orders?q=buyer@")
    assert number in listing.text and "Bea Buyer" in listing.text
    assert "Stalls" in listing.text and "£84.00" in listing.text  # sales by tier
    assert number not in (await browser.get("/manage/events/the-play/orders?q=nobody")).text
    detail = await browser.get(f"/manage/orders/{number}")
    assert "payment succeeded" in detail.text and "buyer@example.com" in detail.text
    refunded = await browser.post_form(f"/manage/orders/{number}/refund", {"reason": "Show moved"})
    assert refunded.status_code == 303
    assert (await order(db, number)).status == "refund_due"
    assert set(await db.scalars(select(Ticket.status))) == {"void"}
    assert set(await db.scalars(select(EventSeat.status).where(EventSeat.key.in_(["SL-F-1", "SL-F-2"])))) == {
        "available"
    }


async def test_another_organization_cannot_see_or_refund_the_orders(theatre, browser, other_browser, db):
    number = await paid_order(other_browser)
    stranger = await make_seated_event(db, slug="other-play")
    await log_in_as(browser, db, stranger.actor)
    assert (await browser.get("/manage/events/the-play/orders")).status_code == 404
    assert (await browser.get(f"/manage/orders/{number}")).status_code == 404
    assert (await browser.post_form(f"/manage/orders/{number}/refund", {})).status_code == 404
    assert (await order(db, number)).status == "paid"


async def test_organizers_set_fees_and_create_promo_codes(theatre, browser, db):
    await log_in_as(browser, db, theatre.actor)
    bad = await browser.post_form("/manage/events/the-play/checkout/fees", {"fee_percent": "abc", "fee_fixed": "0.5"})
    assert bad.status_code == 422 and "percentage" in bad.text
    ok = await browser.post_form("/manage/events/the-play/checkout/fees", {"fee_percent": "2.5", "fee_fixed": "0.50"})
    assert ok.status_code == 303
    promo = await browser.post_form(
        "/manage/events/the-play/checkout/promos",
        {"code": "early-bird", "kind": "percent", "value": "15", "max_uses": "100"},
    )
    assert promo.status_code == 303
    created = await db.scalar(select(PromoCode))
    assert (created.code, created.value, created.max_uses) == ("EARLY-BIRD", 15, 100)
    duplicate = await browser.post_form(
        "/manage/events/the-play/checkout/promos", {"code": "EARLY-BIRD", "kind": "fixed", "value": "5"}
    )
    assert duplicate.status_code == 422 and "already has that code" in duplicate.text


async def test_the_orders_api_places_and_reads_orders(theatre, client):
    held = await client.post("/api/v1/events/the-play/holds", json={"seats": ["SL-G-1"]})
    cart = held.headers["x-cart"]
    body = {"event": "the-play", "email": "api@example.com", "name": "Api User"}
    created = await client.post("/api/v1/orders", json=body, headers={"X-Cart": cart})
    assert created.status_code == 201, created.text
    placed = created.json()
    assert placed["status"] == "pending" and placed["total_minor"] == 4200 and placed["lines"][0]["key"] == "SL-G-1"
    token = created.headers["x-order-token"]
    again = await client.post("/api/v1/orders", json=body, headers={"X-Cart": cart})
    assert again.status_code == 200 and again.json()["number"] == placed["number"]  # a retried request
    read = await client.get(f"/api/v1/orders/{placed['number']}", headers={"X-Order-Token": token})
    assert read.status_code == 200 and read.json()["number"] == placed["number"]
    assert (await client.get(f"/api/v1/orders/{placed['number']}")).status_code == 404
    assert (await client.post("/api/v1/orders", json=body)).status_code == 422  # no cart
    bad = await client.post("/api/v1/orders", json={**body, "email": "nope"}, headers={"X-Cart": cart})
    assert bad.status_code == 422


async def test_a_free_order_through_the_api_is_issued_at_once(theatre, client, db):
    from tests.orders.conftest import add_promo

    await add_promo(db, theatre.id, "GUESTLIST", value=100)
    cart = (await client.post("/api/v1/events/the-play/holds", json={"seats": ["SL-H-1"]})).headers["x-cart"]
    body = {"event": "the-play", "email": "guest@example.com", "name": "Guest", "promo_code": "guestlist"}
    created = await client.post("/api/v1/orders", json=body, headers={"X-Cart": cart})
    assert created.status_code == 201 and created.json()["total_minor"] == 0
    number = created.json()["number"]
    token = created.headers["x-order-token"]
    assert (await client.get(f"/api/v1/orders/{number}", headers={"X-Order-Token": token})).json()["status"] == "paid"
    assert (await client.get(f"/orders/{number}/pay?k={token}")).status_code == 303  # nothing to pay
    assert await db.scalar(select(Ticket.seat_key)) == "SL-H-1"
