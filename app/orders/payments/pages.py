"""Paying: the pay page (test card form or Stripe's Payment Element) and the Stripe webhook."""

from __future__ import annotations

import json
import logging
import uuid

import stripe
from litestar import Request, Response, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.config import Settings
from app.events.models import Event
from app.orders.access import order_token
from app.orders.commands import announce
from app.orders.completion import complete_payment, record_decline, record_refund
from app.orders.models import Order, OrderStatus
from app.orders.pages import order_for_viewer
from app.orders.payments.providers import TestProvider, new_attempt_id, provider_for
from app.web import page

log = logging.getLogger(__name__)


@get("/orders/{number:str}/pay")
async def pay_page(
    db: AsyncSession, settings: Settings, actor: Actor, number: str, k: str | None = None
) -> Template | Redirect:
    order = await order_for_viewer(db, settings, actor, number, k)
    token = order_token(settings.secret_key, order.id)
    if order.status != OrderStatus.PENDING or order.provider == "free":
        return Redirect(f"/orders/{order.number}?k={token}", status_code=303)
    checkout = await provider_for(settings, order.provider).prepare(order)
    if checkout.reference and order.provider_reference != checkout.reference:
        order.provider_reference = checkout.reference
        await db.commit()
    event = await db.get(Event, order.event_id)
    return page(
        f"payments/pay_{order.provider}.html",
        order=order,
        event=event,
        token=token,
        client_secret=checkout.client_secret,
        publishable_key=settings.stripe_publishable_key,
        return_url=f"{settings.base_url}/orders/{order.number}?k={token}",
        form={},
    )


@post("/orders/{number:str}/pay/test")
async def pay_with_test_card(
    request: Request, db: AsyncSession, settings: Settings, actor: Actor, number: str, k: str | None = None
) -> Template | Redirect:
    form = await request.form()
    order = await order_for_viewer(db, settings, actor, number, k or form.get("k"))
    token = order_token(settings.secret_key, order.id)
    if order.provider != "test":
        return Redirect(f"/orders/{order.number}/pay?k={token}", status_code=303)
    if order.status != OrderStatus.PENDING:
        return Redirect(f"/orders/{order.number}?k={token}", status_code=303)
    approved, message = TestProvider.charge(form.get("card_number", ""))
    if not approved:
        await record_decline(db, order.id, provider="test", external_id=new_attempt_id(), detail=message)
        event = await db.get(Event, order.event_id)
        return page(
            "payments/pay_test.html",
            status_code=402,
            order=order,
            event=event,
            token=token,
            problem=message,
            form={"name_on_card": form.get("name_on_card", "")},
        )
    outcome = await complete_payment(
        db,
        settings,
        order.id,
        provider="test",
        external_id=new_attempt_id(),
        reference=order.provider_reference or f"test_{order.number}",
        amount_minor=order.total_minor,
        currency=order.currency,
    )
    await announce(request.app.state, outcome)
    return Redirect(f"/orders/{order.number}?k={token}", status_code=303)


async def _order_of(db: AsyncSession, obj: dict) -> uuid.UUID | None:
    """Our order id from the PaymentIntent's metadata, or (a charge) through its PaymentIntent."""
    try:
        return uuid.UUID(str((obj.get("metadata") or {}).get("order_id")))
    except ValueError:
        pass
    intent = obj.get("payment_intent")
    return await db.scalar(select(Order.id).where(Order.provider_reference == intent)) if intent else None


@post("/webhooks/stripe", status_code=200)
async def stripe_webhook(request: Request, db: AsyncSession, settings: Settings) -> Response:
    """Verified with Stripe-Signature; idempotent per Stripe event id; order of arrival does not matter."""
    payload = await request.body()
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode(), request.headers.get("stripe-signature", ""), settings.stripe_webhook_secret, 300
        )
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
        return Response({"detail": "Invalid signature or payload."}, status_code=400)
    try:
        kind, obj = event["type"], event["data"]["object"]
    except (KeyError, TypeError):
        return Response({"detail": "Not a Stripe event."}, status_code=400)
    order_id = await _order_of(db, obj)
    if order_id is None:
        log.info("stripe event without an Usher order", extra={"stripe_event": event["id"], "type": kind})
        return Response({"received": True, "handled": False})
    if kind == "payment_intent.succeeded":
        outcome = await complete_payment(
            db,
            settings,
            order_id,
            provider="stripe",
            external_id=event["id"],
            reference=obj["id"],
            amount_minor=int(obj.get("amount_received") or obj["amount"]),
            currency=obj["currency"],
        )
    elif kind == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        outcome = await record_decline(
            db, order_id, provider="stripe", external_id=event["id"], detail=error.get("message") or "declined"
        )
    elif kind == "charge.refunded":
        outcome = await record_refund(
            db, order_id, provider="stripe", external_id=event["id"], amount_minor=obj.get("amount_refunded")
        )
    else:
        return Response({"received": True, "handled": False})
    await announce(request.app.state, outcome)
    return Response({"received": True, "result": outcome.result})


payment_routes = [
    Router(path="/", include_in_schema=False, route_handlers=[pay_page, pay_with_test_card, stripe_webhook])
]
