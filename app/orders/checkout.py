"""From a cart of held seats and standing places to an order with frozen prices, in one transaction.

The order takes the cart's holds over: they move to a cart named after the order, with the payment window as
their deadline, so the buyer's basket cannot release them under a pending payment and the sweeper frees them
only if the order is never paid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from litestar import Request
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import ratelimit
from app.config import Settings
from app.errors import RateLimited, ValidationFailed
from app.events.models import Event
from app.live import SeatChange
from app.orders.access import new_order_number
from app.orders.models import Order, OrderLine, OrderStatus, PromoCode
from app.orders.priced_cart import cart_lines
from app.orders.pricing import PricedLine, Totals, promo_problem, totals
from app.seating import sales
from app.seating.carts import holder_tag
from app.seating.holds import hand_over_client
from app.seating.locks import lock_buyer
from app.seating.rules import require_on_sale
from app.validation import FieldErrors
from app.web import client_network


class CartEmpty(ValidationFailed):
    def __init__(self) -> None:
        message = "Your basket is empty, or its holds have expired. Choose your seats again."
        super().__init__({"cart": message}, message)


class OrdersPerEmailReached(RateLimited):
    """The buyer's address has as many unpaid and paid orders for this event as one address may."""

    def __init__(self, count: int, limit: int, retry_after: int) -> None:
        super().__init__(
            f"This e-mail address already has {count} orders for this event, paid or waiting for payment; the limit "
            f"is {limit} per address. Try again in {ratelimit.duration(retry_after)}, when an unpaid one expires, "
            "or pay for one of them.",
            retry_after,
        )


@dataclass(frozen=True)
class CheckoutLimits:
    """The rate limits of checking out, per client network (an IPv4 address or an IPv6 /64): placing orders and
    checking promo codes, where a code that does not exist also counts as a failed guess (no free oracle). One per
    request: a code checked twice in one request (placing, then showing the form again) counts once."""

    redis: Redis
    settings: Settings
    network: str
    _counted: dict[str, RateLimited | None] = field(default_factory=dict)  # code -> the refusal, if refused

    @classmethod
    def of(cls, request: Request, settings: Settings) -> CheckoutLimits:
        return cls(request.app.state.redis, settings, client_network(request))

    @property
    def _failures(self) -> str:
        return f"promo-failures:net:{self.network}"

    async def count_order(self) -> None:
        await ratelimit.enforce(
            self.redis,
            f"checkout:net:{self.network}",
            self.settings.checkout_rate_limit,
            self.settings.checkout_rate_window_seconds,
            "Too many orders placed from your internet connection.",
        )

    async def find_promo(self, session: AsyncSession, event_id: uuid.UUID, code: str) -> PromoCode | None:
        """The event's promo code, counted; RateLimited past the limits. The check counts as a failed guess until
        the code turns out to exist, so a burst of guesses cannot slip past the failure count."""
        key = code.strip().upper()
        first = key not in self._counted
        if first:
            self._counted[key] = await self._count_check()
        if (refused := self._counted[key]) is not None:
            raise refused
        promo = await find_promo(session, event_id, key)
        if first and promo is not None and promo.active:
            await ratelimit.forgive(self.redis, self._failures)
        return promo

    async def _count_check(self) -> RateLimited | None:
        settings = self.settings
        try:
            await ratelimit.count_attempts(
                self.redis,
                [
                    ratelimit.Limit(
                        f"promo-checks:net:{self.network}",
                        settings.promo_check_rate_limit,
                        "Too many promo code checks from your internet connection.",
                    ),
                    ratelimit.Limit(
                        self._failures,
                        settings.promo_failure_limit,
                        "Too many promo codes that do not exist were tried from your internet connection.",
                    ),
                ],
                window_seconds=settings.promo_rate_window_seconds,
            )
        except RateLimited as refused:
            return refused
        return None


@dataclass(frozen=True)
class CheckoutForm:
    email: str
    name: str
    promo_code: str = ""
    attendees: dict[int, tuple[str, str]] = field(default_factory=dict)  # line position -> (name, e-mail)
    price_types: dict[str, str] = field(default_factory=dict)  # seat or area key -> the buyer's price type


@dataclass(frozen=True)
class Basket:
    lines: list[PricedLine]
    totals: Totals
    promo: PromoCode | None
    promo_error: str | None
    retry_after: int | None = None  # promo checks are refused for this long (rate limit)


def _currency(event: Event) -> str:
    currencies = {t.currency for t in event.tiers}
    if len(currencies) > 1:
        raise ValidationFailed({"cart": "This event's prices are in several currencies; it cannot be sold."})
    return currencies.pop() if currencies else "EUR"


def _totals(lines: list[PricedLine], event: Event, promo: PromoCode | None) -> Totals:
    """The event's prices, fee settings and the promo code applied to these lines."""
    return totals(
        lines, _currency(event), fee_percent_bp=event.fee_percent_bp, fee_fixed_minor=event.fee_fixed_minor, promo=promo
    )


async def find_promo(session: AsyncSession, event_id: uuid.UUID, code: str) -> PromoCode | None:
    return await session.scalar(
        select(PromoCode).where(PromoCode.event_id == event_id, PromoCode.code == code.strip().upper())
    )


async def basket(
    session: AsyncSession,
    event: Event,
    cart_id: uuid.UUID,
    limits: CheckoutLimits,
    promo_code: str = "",
    price_types: dict[str, str] | None = None,
) -> Basket:
    """What the checkout page shows; no locks (placing the order decides under lock). The promo code is checked
    under the limits; when they refuse, the basket says so and for how long, and nothing about the code."""
    lines = await cart_lines(session, event, cart_id, lock=False, chosen=price_types)
    promo, problem, retry_after = None, None, None
    if promo_code.strip():
        try:
            promo = await limits.find_promo(session, event.id, promo_code)
        except RateLimited as refused:
            problem, retry_after = refused.message, refused.retry_after
        else:
            problem = promo_problem(promo, await session.scalar(select(func.now())))
            promo = None if problem else promo
    priced = _totals(lines, event, promo)
    return Basket(lines, priced, promo, problem, retry_after)


def validate_checkout(
    email: str | None,
    name: str | None,
    promo_code: str | None,
    attendees: dict[int, tuple[str, str]],
    price_types: dict[str, str] | None = None,
) -> CheckoutForm:
    errors = FieldErrors()
    clean_email = errors.email("email", email)
    clean_name = errors.text("name", name, max_length=200)
    clean_attendees = {}
    for position, (attendee_name, attendee_email) in attendees.items():
        a_name = errors.text(f"attendee_name_{position}", attendee_name, max_length=200, required=False)
        a_email = errors.email(f"attendee_email_{position}", attendee_email) if (attendee_email or "").strip() else ""
        clean_attendees[position] = (a_name, a_email)
    clean_types = {key[:64]: (value or "").strip()[:60] for key, value in (price_types or {}).items()}
    errors.raise_if_any()
    return CheckoutForm(clean_email, clean_name, (promo_code or "").strip()[:40], clean_attendees, clean_types)


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    changes: list[SeatChange]
    reused: bool = False


async def place_order(
    session: AsyncSession,
    event: Event,
    cart_id: uuid.UUID,
    form: CheckoutForm,
    *,
    settings: Settings,
    user_id: uuid.UUID | None,
    limits: CheckoutLimits | None = None,
) -> PlacedOrder:
    """Freeze prices, count the promo use (atomically: never past max_uses) and move the holds to the order.
    With `limits` (every buyer-facing route) placing and promo checks are rate limited (RateLimited). An address
    has at most MAX_ORDERS_PER_EMAIL unpaid and paid orders per event: counted under the buyer's lock, so
    concurrent checkouts cannot pass it together (OrdersPerEmailReached). Safe to repeat: a re-sent form gets
    the order its basket already became. Prices are frozen here: a payment arriving after a tier's window closed
    (or its early-bird quantity ran out) still completes at the price ordered."""
    promo = None
    if limits:
        await limits.count_order()
        if form.promo_code:
            promo = await limits.find_promo(session, event.id, form.promo_code)
    await lock_buyer(session, event.id, form.email)
    lines = await cart_lines(session, event, cart_id, lock=True, chosen=form.price_types)
    if not lines:
        # A re-sent form: the first submission already turned this basket into an order.
        earlier = await session.scalar(
            select(Order)
            .where(
                Order.origin_cart_id == cart_id,
                Order.event_id == event.id,
                Order.status == OrderStatus.PENDING,
                Order.expires_at > func.now(),
            )
            .order_by(Order.created_at.desc())
            .limit(1)
        )
        if earlier is not None:
            return PlacedOrder(earlier, [], reused=True)
        raise CartEmpty()
    await require_on_sale(session, event)
    now = await session.scalar(select(func.now()))
    if form.promo_code:
        promo = promo if limits else await find_promo(session, event.id, form.promo_code)
        if problem := promo_problem(promo, now):
            raise ValidationFailed({"promo_code": problem}, problem)
        counted = await session.scalar(
            update(PromoCode)
            .where(
                PromoCode.id == promo.id,
                (PromoCode.max_uses.is_(None)) | (PromoCode.used_count < PromoCode.max_uses),
            )
            .values(used_count=PromoCode.used_count + 1)
            .returning(PromoCode.id)
        )
        if counted is None:
            raise ValidationFailed(
                {"promo_code": "This promo code has been used up."}, "This promo code has been used up."
            )
    await _limit_orders_per_email(session, event.id, form.email, settings.max_orders_per_email, now)
    priced = _totals(lines, event, promo)
    order_id = uuid.uuid4()
    expires_at = now + timedelta(minutes=settings.order_payment_minutes)
    order = Order(
        id=order_id,
        number=new_order_number(),
        event_id=event.id,
        organization_id=event.organization_id,
        origin_cart_id=cart_id,
        user_id=user_id,
        buyer_email=form.email,
        buyer_name=form.name,
        status=OrderStatus.PENDING,
        currency=priced.currency,
        subtotal_minor=priced.subtotal_minor,
        discount_minor=priced.discount_minor,
        fee_minor=priced.fee_minor,
        total_minor=priced.total_minor,
        promo_code_id=promo.id if promo else None,
        provider=settings.payment_provider if priced.total_minor else "free",
        expires_at=expires_at,
        lines=[
            OrderLine(
                position=n,
                kind=line.kind,
                key=line.key,
                label=line.label,
                category=line.category,
                tier_name=line.tier_name,
                price_type=line.price_type,
                tier_id=line.tier_id,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                attendee_name=form.attendees.get(n, ("", ""))[0] or None,
                attendee_email=form.attendees.get(n, ("", ""))[1] or None,
            )
            for n, line in enumerate(lines)
        ],
    )
    session.add(order)
    changes = await sales.move_to_order(
        session,
        event.id,
        cart_id,
        order_id,
        seats=[line.key for line in lines if line.kind == "seat"],
        areas=[line.key for line in lines if line.kind == "area"],
        until=expires_at,
        holder_tag=holder_tag(settings.secret_key, order_id),
    )
    await hand_over_client(session, cart_id, order_id)
    await session.commit()
    return PlacedOrder(order, changes)


async def _limit_orders_per_email(
    session: AsyncSession, event_id: uuid.UUID, email: str, limit: int, now: datetime
) -> None:
    """OrdersPerEmailReached when the address has `limit` live orders (paid, or unpaid within their window) for the
    event; a limit of 0 is none. The caller holds the buyer's lock (lock_buyer), so the count cannot go stale."""
    if limit <= 0:
        return
    live = (Order.status == OrderStatus.PAID) | ((Order.status == OrderStatus.PENDING) & (Order.expires_at > now))
    count, first_expiry = (
        await session.execute(
            select(func.count(), func.min(Order.expires_at).filter(Order.status == OrderStatus.PENDING)).where(
                Order.event_id == event_id, Order.buyer_email == email, live
            )
        )
    ).one()
    if count < limit:
        return
    if first_expiry is None:  # all paid: waiting does not help
        message = (
            f"This e-mail address already has {count} paid order{'s' if count != 1 else ''} for this event, "
            f"the most one address may have ({limit})."
        )
        raise ValidationFailed({"email": message}, message)
    raise OrdersPerEmailReached(count, limit, max(int((first_expiry - now).total_seconds()) + 1, 1))
