"""Payment providers calling us: the Stripe webhook (no session, no CSRF; the signature is the authentication)."""

from __future__ import annotations

import json
import logging

import stripe
from litestar import Request, Response, Router, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.orders.commands import announce
from app.orders.payments.service import StripeEvent, handle_stripe_event

log = logging.getLogger(__name__)


def _verified_event(payload: bytes, signature: str, secret: str) -> StripeEvent | str:
    """The event if Stripe-Signature proves Stripe sent this payload (within 5 minutes), else what is wrong."""
    try:
        stripe.WebhookSignature.verify_header(payload.decode(), signature, secret, 300)
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
        return "Invalid signature or payload."
    try:
        return StripeEvent(id=event["id"], kind=event["type"], obj=event["data"]["object"])
    except (KeyError, TypeError):
        return "Not a Stripe event."


@post("/webhooks/stripe", status_code=200)
async def stripe_webhook(request: Request, db: AsyncSession, settings: Settings) -> Response:
    """Verified with Stripe-Signature; idempotent per Stripe event id; order of arrival does not matter."""
    event = _verified_event(
        await request.body(), request.headers.get("stripe-signature", ""), settings.stripe_webhook_secret
    )
    if isinstance(event, str):
        return Response({"detail": event}, status_code=400)
    outcome = await handle_stripe_event(db, settings, event)
    if outcome is None:
        log.info("stripe event not handled", extra={"stripe_event": event.id, "type": event.kind})
        return Response({"received": True, "handled": False})
    await announce(request.app.state, outcome)
    return Response({"received": True, "result": outcome.result})


webhook_routes = [Router(path="/", include_in_schema=False, route_handlers=[stripe_webhook])]
