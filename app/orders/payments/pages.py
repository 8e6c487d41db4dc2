"""Paying: the pay page (test card form or Stripe's Payment Element)."""

from __future__ import annotations

import logging

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.config import Settings
from app.errors import RateLimited
from app.events.models import Event
from app.orders import hold_extension
from app.orders.access import order_for_viewer, order_token
from app.orders.commands import announce
from app.orders.models import Order, OrderStatus
from app.orders.pages import hold_clock_fragment
from app.orders.payments import service as payments
from app.seating.carts import HoldNotExtended
from app.web import client_network, page

log = logging.getLogger(__name__)


@get("/orders/{number:str}/pay")
async def pay_page(
    db: AsyncSession, settings: Settings, actor: Actor, number: str, k: str | None = None
) -> Template | Redirect:
    order = await order_for_viewer(db, settings.secret_key, actor, number, k)
    token = order_token(settings.secret_key, order.id)
    if order.status != OrderStatus.PENDING or order.provider == "free":
        return Redirect(f"/orders/{order.number}?k={token}", status_code=303)
    return await _pay_page(db, settings, order, token)


async def _pay_page(
    db: AsyncSession, settings: Settings, order: Order, token: str, status_code: int = 200, **extra
) -> Template:
    checkout = await payments.prepare_checkout(db, settings, order)
    event = await db.get(Event, order.event_id)
    return page(
        f"payments/pay_{order.provider}.html",
        status_code=status_code,
        order=order,
        event=event,
        token=token,
        client_secret=checkout.client_secret,
        publishable_key=settings.stripe_publishable_key,
        return_url=f"{settings.base_url}/orders/{order.number}?k={token}",
        form={},
        clock=await hold_extension.order_clock(db, settings, order),
        **extra,
    )


@post("/orders/{number:str}/pay/test")
async def pay_with_test_card(
    request: Request, db: AsyncSession, settings: Settings, actor: Actor, number: str, k: str | None = None
) -> Template | Redirect:
    form = await request.form()
    order = await order_for_viewer(db, settings.secret_key, actor, number, k or form.get("k"))
    token = order_token(settings.secret_key, order.id)
    if order.provider != "test":
        return Redirect(f"/orders/{order.number}/pay?k={token}", status_code=303)
    if order.status != OrderStatus.PENDING:
        return Redirect(f"/orders/{order.number}?k={token}", status_code=303)
    try:
        outcome = await payments.pay_with_test_card(
            db,
            settings,
            order,
            form.get("card_number", ""),
            redis=request.app.state.redis,
            network=client_network(request),
        )
    except (payments.CardDeclined, RateLimited) as exc:
        event = await db.get(Event, order.event_id)
        return page(
            "payments/pay_test.html",
            status_code=exc.status_code,
            headers={"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None,
            order=order,
            event=event,
            token=token,
            problem=exc.message,
            form={"name_on_card": form.get("name_on_card", "")},
            clock=await hold_extension.order_clock(db, settings, order),
        )
    await announce(request.app.state, outcome)
    return Redirect(f"/orders/{order.number}?k={token}", status_code=303)


@post("/orders/{number:str}/pay/extend")
async def extend_payment_hold(
    request: Request, db: AsyncSession, settings: Settings, actor: Actor, number: str, k: str | None = None
) -> Template | Redirect:
    """The order's one extension (if its basket was not extended before checkout): htmx gets the countdown again
    (409 with the reason when refused); a form posted without JavaScript gets a 303 back to the pay page, or the
    pay page with the reason."""
    order = await order_for_viewer(db, settings.secret_key, actor, number, k)
    token = order_token(settings.secret_key, order.id)
    event = await db.get(Event, order.event_id)
    extend_action = f"/orders/{order.number}/pay/extend?k={token}"
    htmx = "hx-request" in request.headers
    try:
        await hold_extension.extend_order(db, settings, order.id)
    except HoldNotExtended as refused:
        order = await order_for_viewer(db, settings.secret_key, actor, number, k)  # the rollback expired it
        event = await db.get(Event, order.event_id, populate_existing=True)
        if htmx:
            clock = await hold_extension.order_clock(db, settings, order)
            return hold_clock_fragment(event, clock, extend_action, refused)
        if order.status != OrderStatus.PENDING or order.provider == "free":
            return Redirect(f"/orders/{order.number}?k={token}", status_code=303)
        return await _pay_page(db, settings, order, token, refused.status_code, hold_problem=refused.message)
    if htmx:
        return hold_clock_fragment(event, await hold_extension.order_clock(db, settings, order), extend_action)
    return Redirect(f"/orders/{order.number}/pay?k={token}", status_code=303)


payment_routes = [
    Router(path="/", include_in_schema=False, route_handlers=[pay_page, pay_with_test_card, extend_payment_hold])
]
