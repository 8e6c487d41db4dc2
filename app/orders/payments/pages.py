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
from app.orders.access import order_for_viewer, order_token
from app.orders.commands import announce
from app.orders.models import OrderStatus
from app.orders.payments import service as payments
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
    checkout = await payments.prepare_checkout(db, settings, order)
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
        )
    await announce(request.app.state, outcome)
    return Redirect(f"/orders/{order.number}?k={token}", status_code=303)


payment_routes = [Router(path="/", include_in_schema=False, route_handlers=[pay_page, pay_with_test_card])]
