"""Stripe through its real SDK against localstripe (a fake Stripe on loopback), with webhooks signed by the
real scheme: success, duplicates, out-of-order events, bad signatures, declines and refunds."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
import stripe
from redis.asyncio import Redis
from sqlalchemy import func, select

from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.orders.jobs import settle_refunds
from app.orders.models import PaymentRecord
from app.tickets.models import Ticket
from tests.conftest import Browser, _client, free_port, serving
from tests.orders.conftest import check_out, hold_seats, order, pay_link

WEBHOOK_SECRET = "whsec_usher_test"


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    port = free_port()
    # --from-scratch: localstripe otherwise loads the state every instance on the machine saves in one /tmp file,
    # which another instance (another module, another test run) may be rewriting at that moment.
    server = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def stripe_settings(settings, localstripe):
    return replace(
        settings,
        stripe_secret_key="sk_test_usher",
        stripe_publishable_key="pk_test_usher",
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=localstripe,
    )


@pytest.fixture
async def buyer(stripe_settings) -> AsyncIterator[Browser]:
    async with serving(create_app(stripe_settings)) as application, _client(application) as client:
        yield Browser(client)


def stripe_client(settings) -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.stripe_secret_key,
        base_addresses={"api": settings.stripe_api_base},
        http_client=stripe.HTTPXClient(),
    )


async def pay_in_browser(settings, intent_id: str, card: str) -> dict:
    """What Stripe.js does on the pay page: attach the card, confirm the PaymentIntent."""
    client = stripe_client(settings)
    method = await client.v1.payment_methods.create_async(
        params={"type": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    await client.v1.payment_intents.update_async(intent_id, params={"payment_method": method.id})
    with contextlib.suppress(stripe.CardError):
        await client.v1.payment_intents.confirm_async(intent_id)
    return (await client.v1.payment_intents.retrieve_async(intent_id)).to_dict()


async def deliver(buyer: Browser, event_id: str, kind: str, obj: dict, secret: str = WEBHOOK_SECRET):
    payload = json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}).encode()
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return await buyer.client.post(
        "/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"},
    )


async def stripe_order(buyer, db, seats):
    await hold_seats(buyer, seats)
    number, token = pay_link(await check_out(buyer))
    page = await buyer.get(f"/orders/{number}/pay?k={token}")
    assert page.status_code == 200 and "js.stripe.com" in page.text and "_secret_" in page.text
    placed = await order(db, number)
    assert placed.provider == "stripe" and placed.provider_reference.startswith("pi_")
    again = await buyer.get(f"/orders/{number}/pay?k={token}")  # a reload reuses the PaymentIntent
    assert placed.provider_reference in again.text
    return placed


async def test_a_stripe_payment_completes_through_the_signed_webhook_exactly_once(theatre, buyer, db, stripe_settings):
    placed = await stripe_order(buyer, db, ["SL-H-1", "SL-H-2"])
    intent = await pay_in_browser(stripe_settings, placed.provider_reference, "4242424242424242")
    assert intent["status"] == "succeeded" and intent["metadata"]["order_id"] == str(placed.id)

    forged = await deliver(buyer, "evt_forged", "payment_intent.succeeded", intent, secret="whsec_wrong")
    assert forged.status_code == 400
    assert (await order(db, placed.number)).status == "pending"

    first = await deliver(buyer, "evt_ok", "payment_intent.succeeded", intent)
    assert first.status_code == 200 and first.json()["result"] == "paid"
    duplicate = await deliver(buyer, "evt_ok", "payment_intent.succeeded", intent)
    assert duplicate.json()["result"] == "duplicate"
    stale_failure = await deliver(buyer, "evt_old_fail", "payment_intent.payment_failed", intent)  # out of order
    assert stale_failure.status_code == 200
    assert (await order(db, placed.number)).status == "paid"
    assert await db.scalar(select(func.count()).select_from(Ticket)) == 2

    # the organizer refunds; the worker refunds through Stripe; Stripe's charge.refunded then arrives
    from tests.orders.test_organizer_and_api import log_in_as

    await log_in_as(buyer, db, theatre.actor)
    assert (await buyer.post_form(f"/manage/orders/{placed.number}/refund", {"reason": "Cancelled"})).status_code == 303
    engine = create_engine(stripe_settings.database_url, pool_size=2)
    ctx = {
        "sessionmaker": create_sessionmaker(engine),
        "redis": Redis.from_url(stripe_settings.redis_url),
        "settings": stripe_settings,
    }
    assert await settle_refunds(ctx) == 1
    refunded = await order(db, placed.number)
    assert refunded.status == "refunded"
    charge = intent["latest_charge"] if isinstance(intent["latest_charge"], dict) else {"id": intent["latest_charge"]}
    charge = {**charge, "payment_intent": placed.provider_reference, "amount_refunded": placed.total_minor}
    late_notice = await deliver(buyer, "evt_refunded", "charge.refunded", charge)
    assert late_notice.json()["result"] == "refunded"
    assert (await order(db, placed.number)).status == "refunded"
    kinds = sorted(await db.scalars(select(PaymentRecord.kind).where(PaymentRecord.order_id == placed.id)))
    assert kinds == ["payment_failed", "payment_succeeded", "refund_sent", "refunded"]
    await ctx["redis"].aclose()
    await engine.dispose()


async def test_a_declined_stripe_payment_keeps_the_order_payable(theatre, buyer, db, stripe_settings):
    placed = await stripe_order(buyer, db, ["SL-J-1"])
    intent = await pay_in_browser(stripe_settings, placed.provider_reference, "4000000000000341")
    assert intent["status"] != "succeeded"
    response = await deliver(buyer, "evt_declined", "payment_intent.payment_failed", intent)
    assert response.json()["result"] == "declined"
    assert (await order(db, placed.number)).status == "pending"
    assert await db.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_a_dashboard_refund_voids_the_tickets(theatre, buyer, db, stripe_settings):
    placed = await stripe_order(buyer, db, ["SL-K-1"])
    intent = await pay_in_browser(stripe_settings, placed.provider_reference, "4242424242424242")
    await deliver(buyer, "evt_paid", "payment_intent.succeeded", intent)
    charge = {"id": "ch_dashboard", "object": "charge", "payment_intent": intent["id"], "amount_refunded": 4200}
    assert (await deliver(buyer, "evt_dash_refund", "charge.refunded", charge)).json()["result"] == "refunded"
    assert (await order(db, placed.number)).status == "refunded"
    assert set(await db.scalars(select(Ticket.status))) == {"void"}


async def test_a_correctly_signed_payload_that_is_not_an_event_is_a_400(buyer):
    payload = b'{"hello": "world"}'
    stamp = int(time.time())
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    response = await buyer.client.post(
        "/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["detail"] == "Not a Stripe event."
