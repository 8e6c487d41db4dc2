"""Paying for an order: preparing the provider's checkout, the test card, and Stripe's webhook events. Every path
ends in app.orders.completion, which records each provider callback once (safe to repeat)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import ratelimit
from app.config import Settings
from app.errors import Conflict, ValidationFailed
from app.orders.completion import Outcome, complete_payment, record_decline, record_refund
from app.orders.models import Order
from app.orders.payments.providers import Checkout, TestProvider, new_attempt_id, provider_for


class TestPaymentsOff(Conflict):
    """An order made while the test provider was on cannot be paid with a test card once it is off."""

    def __init__(self) -> None:
        super().__init__(
            "This order was made with test payments, which are now switched off, so it cannot be paid. "
            "Its seats go back on sale when its payment time ends; please place a new order."
        )


def _require_test_payments(settings: Settings, order: Order) -> None:
    """The order's provider was chosen when it was made; the test card must also be allowed now."""
    if order.provider == "test" and settings.payment_provider != "test":
        raise TestPaymentsOff()


async def prepare_checkout(session: AsyncSession, settings: Settings, order: Order) -> Checkout:
    """The provider's checkout for a pending order; its reference is stored (and committed) so a reload reuses
    it. Safe to repeat. TestPaymentsOff for a test-provider order once test payments are off."""
    _require_test_payments(settings, order)
    checkout = await provider_for(settings, order.provider).prepare(order)
    if checkout.reference and order.provider_reference != checkout.reference:
        order.provider_reference = checkout.reference
        await session.commit()
    return checkout


class CardDeclined(ValidationFailed):
    status_code = 402

    def __init__(self, message: str) -> None:
        super().__init__({"card_number": message}, message)


async def pay_with_test_card(
    session: AsyncSession, settings: Settings, order: Order, card_number: str, *, redis: Redis, network: str
) -> Outcome:
    """Charge the built-in test provider, if it is still the current one (TestPaymentsOff). Attempts are limited
    per client network (RateLimited). A decline is recorded and raised as CardDeclined (the order stays
    payable); an approval completes the order like a provider callback would."""
    _require_test_payments(settings, order)
    await ratelimit.enforce(
        redis,
        f"test-card:net:{network}",
        settings.test_card_rate_limit,
        settings.test_card_rate_window_seconds,
        "Too many card payments were tried from your internet connection.",
    )
    approved, message = TestProvider.charge(card_number)
    if not approved:
        await record_decline(session, order.id, provider="test", external_id=new_attempt_id(), detail=message)
        raise CardDeclined(message)
    return await complete_payment(
        session,
        settings,
        order.id,
        provider="test",
        external_id=new_attempt_id(),
        reference=order.provider_reference or f"test_{order.number}",
        amount_minor=order.total_minor,
        currency=order.currency,
    )


@dataclass(frozen=True)
class StripeEvent:
    """A verified Stripe webhook event: its id, type and the object it carries."""

    id: str
    kind: str
    obj: dict


async def _order_of(session: AsyncSession, obj: dict) -> uuid.UUID | None:
    """Our order id from the PaymentIntent's metadata, or (a charge) through its PaymentIntent."""
    try:
        return uuid.UUID(str((obj.get("metadata") or {}).get("order_id")))
    except ValueError:
        pass
    intent = obj.get("payment_intent")
    return await session.scalar(select(Order.id).where(Order.provider_reference == intent)) if intent else None


async def handle_stripe_event(session: AsyncSession, settings: Settings, event: StripeEvent) -> Outcome | None:
    """Apply a Stripe event to its order; None when it is not about an Usher order or not a kind we act on.
    Safe to repeat and in any order: each event id is recorded once."""
    order_id = await _order_of(session, event.obj)
    if order_id is None:
        return None
    obj = event.obj
    if event.kind == "payment_intent.succeeded":
        return await complete_payment(
            session,
            settings,
            order_id,
            provider="stripe",
            external_id=event.id,
            reference=obj["id"],
            amount_minor=int(obj.get("amount_received") or obj["amount"]),
            currency=obj["currency"],
        )
    if event.kind == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        return await record_decline(
            session, order_id, provider="stripe", external_id=event.id, detail=error.get("message") or "declined"
        )
    if event.kind == "charge.refunded":
        return await record_refund(
            session, order_id, provider="stripe", external_id=event.id, amount_minor=obj.get("amount_refunded")
        )
    return None
