"""Abuse limits on checking out: orders per e-mail address and event (counted under a lock), rate limits on placing
orders, promo code checks (no free oracle for guessing codes) and test card payments; the test card only while
test payments are on; unpaid orders keep counting against the hold limit of the client that made them."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

from sqlalchemy import func, select, update

from app.orders.models import Order
from tests.conftest import Browser, field_error
from tests.orders.conftest import add_promo, check_out, hold_seats, order, pay, pay_link
from tests.seating.test_limits import app_with, client_from

SUMMARY = "/events/the-play/checkout/summary"


def assert_refused(response, limit_text: str, *, longest_wait: int) -> None:
    """A 429 page that says what the limit is and when to try again, and a Retry-After header that agrees."""
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= longest_wait
    assert limit_text in response.text
    assert re.search(r"Try again in \d+ (second|minute)", response.text)


async def test_one_address_places_at_most_its_orders_for_an_event_even_all_at_once(theatre, settings, db):
    async with app_with(settings, max_orders_per_email=2) as app:
        buyers = [Browser(client_from(app, f"198.51.100.{20 + n}")) for n in range(5)]
        for n, buyer in enumerate(buyers):
            await hold_seats(buyer, [f"SR-H-{n + 1}"])
        start = asyncio.Event()

        async def attempt(buyer: Browser):
            await start.wait()
            return await check_out(buyer, email="ada@example.com")

        tasks = [asyncio.create_task(attempt(buyer)) for buyer in buyers]
        start.set()
        responses = await asyncio.gather(*tasks)

        assert Counter(r.status_code for r in responses) == Counter({303: 2, 429: 3})
        for refused in (r for r in responses if r.status_code == 429):
            assert_refused(refused, "the limit is 2 per address", longest_wait=settings.order_payment_minutes * 60)
        assert await db.scalar(select(func.count()).select_from(Order)) == 2
        refused_buyer = next(b for b, r in zip(buyers, responses, strict=True) if r.status_code == 429)
        assert (await check_out(refused_buyer, email="grace@example.com")).status_code == 303
        for buyer in buyers:
            await buyer.client.aclose()


async def test_expired_orders_free_the_address_and_paid_ones_tell_it_waiting_will_not_help(theatre, settings, db):
    async with app_with(settings, max_orders_per_email=1) as app, client_from(app, "198.51.100.30") as client:
        buyer = Browser(client)
        await hold_seats(buyer, ["SR-J-1"])
        first, _ = pay_link(await check_out(buyer))
        await hold_seats(buyer, ["SR-J-2"])
        assert_refused(await check_out(buyer), "the limit is 1 per address", longest_wait=15 * 60)

        await db.execute(update(Order).where(Order.number == first).values(expires_at=func.now()))
        await db.commit()
        second, token = pay_link(await check_out(buyer))
        assert (await pay(buyer, second, token)).status_code == 303
        assert (await order(db, second)).status == "paid"

        await hold_seats(buyer, ["SR-J-3"])
        refused = await check_out(buyer)
        assert refused.status_code == 422
        assert field_error(refused.text, "email") == (
            "This e-mail address already has 1 paid order for this event, the most one address may have (1)."
        )


async def test_placing_orders_is_rate_limited_per_network(theatre, settings, db):
    async with (
        app_with(settings, checkout_rate_limit=2) as app,
        client_from(app, "198.51.100.31") as client,
        client_from(app, "203.0.113.31") as other_client,
    ):
        buyer, other = Browser(client), Browser(other_client)
        for seat in ("SR-K-1", "SR-K-2"):
            await hold_seats(buyer, [seat])
            pay_link(await check_out(buyer))
        await hold_seats(buyer, ["SR-K-3"])
        refused = await check_out(buyer)
        assert_refused(
            refused,
            "Too many orders placed from your internet connection. The limit is 2 per 10 minutes.",
            longest_wait=600,
        )
        assert "row K · seat 3" in refused.text  # the form is shown again with the basket
        assert await db.scalar(select(func.count()).select_from(Order)) == 2
        await hold_seats(other, ["SR-K-4"])
        pay_link(await check_out(other))


async def test_placing_orders_through_the_api_counts_against_the_same_limits(theatre, settings, db):
    await add_promo(db, theatre.id, "SPRING", value=10)
    order_for = {"event": "the-play", "email": "ada@example.com", "name": "Ada Lovelace"}

    async def hold_one(client, seat: str) -> dict[str, str]:
        return {"X-Cart": (await client.post("/api/v1/events/the-play/holds", json={"seats": [seat]})).json()["cart"]}

    async with app_with(settings, checkout_rate_limit=1) as app, client_from(app, "198.51.100.38") as client:
        assert (
            await client.post("/api/v1/orders", json=order_for, headers=await hold_one(client, "SL-G-1"))
        ).status_code == 201
        refused = await client.post("/api/v1/orders", json=order_for, headers=await hold_one(client, "SL-G-2"))
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "Too many orders placed from your internet connection." in refused.json()["detail"]
    async with app_with(settings, promo_failure_limit=1) as app, client_from(app, "203.0.113.38") as guesser:
        cart = await hold_one(guesser, "SL-G-3")
        wrong = await guesser.post("/api/v1/orders", json={**order_for, "promo_code": "WINTER"}, headers=cart)
        assert wrong.status_code == 422
        real = await guesser.post("/api/v1/orders", json={**order_for, "promo_code": "SPRING"}, headers=cart)
        assert real.status_code == 429 and "promo codes that do not exist" in real.json()["detail"]


async def test_guessing_promo_codes_is_limited_and_a_refusal_reveals_nothing(theatre, settings, db):
    await add_promo(db, theatre.id, "SPRING", value=10)
    async with (
        app_with(settings, promo_failure_limit=3) as app,
        client_from(app, "198.51.100.32") as client,
        client_from(app, "203.0.113.32") as other_client,
    ):
        guesser, other = Browser(client), Browser(other_client)
        await hold_seats(guesser, ["SL-A-1"])
        for _ in range(4):  # a code that exists is not a failed guess
            assert "−£" in (await guesser.post_form(SUMMARY, {"promo_code": "spring"}, htmx=True)).text
        for code in ("SUMMER", "WINTER", "AUTUMN"):
            wrong = await guesser.post_form(SUMMARY, {"promo_code": code}, htmx=True)
            assert wrong.status_code == 200 and "not valid" in wrong.text

        refused = await guesser.post_form(SUMMARY, {"promo_code": "XMAS"}, htmx=True)
        message = "Too many promo codes that do not exist were tried from your internet connection."
        assert_refused(refused, f"{message} The limit is 3 per 15 minutes.", longest_wait=900)
        real = await guesser.post_form(SUMMARY, {"promo_code": "SPRING"}, htmx=True)
        assert real.status_code == 429 and "−£" not in real.text and "not valid" not in real.text
        placed = await check_out(guesser, promo_code="SPRING")
        assert placed.status_code == 429 and "−£" not in placed.text
        assert await db.scalar(select(func.count()).select_from(Order)) == 0

        await hold_seats(other, ["SL-A-2"])
        assert "−£" in (await other.post_form(SUMMARY, {"promo_code": "SPRING"}, htmx=True)).text


async def test_a_form_with_mistakes_still_counts_its_promo_code_check(theatre, settings):
    async with app_with(settings, promo_failure_limit=1) as app, client_from(app, "198.51.100.33") as client:
        guesser = Browser(client)
        await hold_seats(guesser, ["SL-B-1"])
        first = await check_out(guesser, email="not-an-address", promo_code="SUMMER")
        assert first.status_code == 422 and "not valid for this event" in first.text
        second = await check_out(guesser, email="not-an-address", promo_code="WINTER")
        assert second.status_code == 429 and "not valid for this event" not in second.text


async def test_checking_promo_codes_is_limited_even_when_they_exist(theatre, settings, db):
    await add_promo(db, theatre.id, "SPRING", value=10)
    async with app_with(settings, promo_check_rate_limit=2) as app, client_from(app, "198.51.100.34") as client:
        buyer = Browser(client)
        await hold_seats(buyer, ["SL-C-1"])
        for _ in range(2):
            assert (await buyer.post_form(SUMMARY, {"promo_code": "SPRING"}, htmx=True)).status_code == 200
        refused = await buyer.post_form(SUMMARY, {"promo_code": "SPRING"}, htmx=True)
        assert_refused(refused, "Too many promo code checks from your internet connection.", longest_wait=900)


async def test_test_card_attempts_are_limited_per_network(theatre, settings, db):
    async with (
        app_with(settings, test_card_rate_limit=2) as app,
        client_from(app, "198.51.100.35") as client,
        client_from(app, "203.0.113.35") as other_client,
    ):
        buyer = Browser(client)
        await hold_seats(buyer, ["SL-D-1"])
        number, token = pay_link(await check_out(buyer))
        for _ in range(2):
            assert (await pay(buyer, number, token, card="4000 0000 0000 0002")).status_code == 402
        refused = await pay(buyer, number, token)
        message = "Too many card payments were tried from your internet connection. The limit is 2 per 10 minutes."
        assert_refused(refused, message, longest_wait=600)
        assert 'data-testid="payment-problem"' in refused.text  # the pay page, with the problem on it
        assert (await order(db, number)).status == "pending"
        assert (await pay(Browser(other_client), number, token)).status_code == 303
        assert (await order(db, number)).status == "paid"


async def test_an_order_made_with_test_payments_cannot_take_the_test_card_once_stripe_is_on(theatre, settings, db):
    async with app_with(settings) as app, client_from(app, "198.51.100.36") as client:
        buyer = Browser(client)
        await hold_seats(buyer, ["SL-E-1"])
        number, token = pay_link(await check_out(buyer))
    stripe_on = {"stripe_secret_key": "sk_test_x", "stripe_publishable_key": "pk_test_x", "stripe_webhook_secret": "x"}
    async with app_with(settings, **stripe_on) as app, client_from(app, "198.51.100.36") as client:
        buyer = Browser(client)
        refused = await pay(buyer, number, token)
        assert refused.status_code == 409
        assert "made with test payments, which are now switched off" in refused.text
        assert (await buyer.get(f"/orders/{number}/pay?k={token}")).status_code == 409
    assert (await order(db, number)).status == "pending"


async def test_an_unpaid_order_keeps_counting_against_its_clients_hold_limit(theatre, settings):
    async with (
        app_with(settings, max_held_per_network=2) as app,
        client_from(app, "198.51.100.37") as client,
        client_from(app, "198.51.100.37") as same_network,
    ):
        buyer = Browser(client)
        await hold_seats(buyer, ["SL-F-1", "SL-F-2"])
        number, token = pay_link(await check_out(buyer))
        hold = "/api/v1/events/the-play/holds"
        refused = await same_network.post(hold, json={"seats": ["SL-F-3"]})
        assert refused.status_code == 429 and "already holds 2 tickets" in refused.json()["detail"]
        assert (await pay(buyer, number, token)).status_code == 303  # sold seats are no longer held
        assert (await same_network.post(hold, json={"seats": ["SL-F-3"]})).status_code == 201
