"""Payment providers behind one interface: Stripe (PaymentIntents) and the built-in test provider.

Both end in the same place: app.orders.completion (complete_payment, record_decline, record_refund), reached
from a verified Stripe webhook or from the test card form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

import stripe

from app.config import Settings
from app.errors import ServiceUnavailable
from app.orders.models import Order

TEST_CARD_SUCCESS = "4242424242424242"
TEST_CARD_DECLINE = "4000000000000002"


class RefundFailed(Exception):
    pass


@dataclass(frozen=True)
class Checkout:
    """What the pay page needs: for Stripe the PaymentIntent's client secret."""

    reference: str | None
    client_secret: str | None = None


class PaymentProvider(Protocol):
    name: str

    async def prepare(self, order: Order) -> Checkout: ...

    async def refund(self, order: Order) -> str: ...


class TestProvider:
    """Card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, anything else is 'not a test card'."""

    name = "test"

    async def prepare(self, order: Order) -> Checkout:
        return Checkout(reference=f"test_{order.number}")

    @staticmethod
    def charge(card_number: str) -> tuple[bool, str]:
        digits = "".join(ch for ch in card_number if ch.isdigit())
        if digits == TEST_CARD_SUCCESS:
            return True, "approved"
        if digits == TEST_CARD_DECLINE:
            return False, "Your card was declined."
        return False, "Use the test card 4242 4242 4242 4242 (or 4000 0000 0000 0002 to see a decline)."

    async def refund(self, order: Order) -> str:
        return f"test_refund_{order.number}"


class StripeProvider:
    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        options = {"base_addresses": {"api": settings.stripe_api_base}} if settings.stripe_api_base else {}
        self.client = stripe.StripeClient(settings.stripe_secret_key, http_client=stripe.HTTPXClient(), **options)

    async def prepare(self, order: Order) -> Checkout:
        try:
            return await self._prepare(order)
        except stripe.StripeError as exc:
            raise ServiceUnavailable("The payment service did not answer; please try again in a moment.") from exc

    async def _prepare(self, order: Order) -> Checkout:
        if order.provider_reference:
            intent = await self.client.v1.payment_intents.retrieve_async(order.provider_reference)
        else:
            intent = await self.client.v1.payment_intents.create_async(
                params={
                    "amount": order.total_minor,
                    "currency": order.currency.lower(),
                    "metadata": {"order_id": str(order.id), "order_number": order.number},
                },
                options={"idempotency_key": f"order-{order.id}"},  # a re-sent pay page never makes a second intent
            )
        return Checkout(reference=intent.id, client_secret=intent.client_secret)

    async def refund(self, order: Order) -> str:
        """The whole payment back, once per order however often it is asked: a retry within Stripe's 24 h gets the
        same refund through the idempotency key, a later one finds the refund made for this order."""
        if not order.provider_reference:
            raise RefundFailed(f"order {order.number} has no PaymentIntent")
        try:
            earlier = await self.client.v1.refunds.list_async(params={"payment_intent": order.provider_reference})
            for refund in earlier.data:
                if refund.metadata and refund.metadata.to_dict().get("order_id") == str(order.id):
                    return refund.id
            refund = await self.client.v1.refunds.create_async(
                params={"payment_intent": order.provider_reference, "metadata": {"order_id": str(order.id)}},
                options={"idempotency_key": f"refund-{order.id}"},
            )
        except stripe.StripeError as exc:
            raise RefundFailed(str(exc)) from exc
        return refund.id


def provider_for(settings: Settings, name: str) -> PaymentProvider:
    if name == "stripe":
        return StripeProvider(settings)
    return TestProvider()


def new_attempt_id() -> str:
    return f"test:{uuid.uuid4()}"
