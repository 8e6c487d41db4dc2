"""Buyer pages: checkout from the basket, and the order page (with its tickets once paid)."""

from __future__ import annotations

import uuid

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.config import Settings
from app.errors import DomainError, NotFound, ValidationFailed
from app.events.models import Event
from app.orders import checkout as placing
from app.orders.access import order_token, token_matches
from app.orders.commands import announce_placed, settle_if_free
from app.orders.models import Order, OrderStatus
from app.seating.carts import CART_COOKIE, cart_from_token
from app.seating.service import published_event
from app.tickets.service import tickets_of
from app.web import page


def _cart_id(request: Request, settings: Settings) -> uuid.UUID | None:
    return cart_from_token(settings.secret_key, request.cookies.get(CART_COOKIE))


def _attendees(form, lines: int) -> dict[int, tuple[str, str]]:
    return {
        n: (form.get(f"attendee_name_{n}", ""), form.get(f"attendee_email_{n}", ""))
        for n in range(lines)
        if form.get(f"attendee_name_{n}") or form.get(f"attendee_email_{n}")
    }


async def _checkout_page(
    db: AsyncSession, event: Event, cart_id: uuid.UUID | None, status_code: int = 200, **extra
) -> Template:
    form = extra.pop("form", {}) or {}
    basket = await placing.basket(db, event, cart_id, form.get("promo_code", "")) if cart_id else None
    return page(
        "orders/checkout.html",
        status_code=status_code,
        event=event,
        basket=basket,
        form=form,
        **extra,
    )


@get("/events/{slug:str}/checkout")
async def checkout(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template:
    event = await published_event(db, slug)
    prefill = {"email": actor.email or "", "name": actor.name or ""} if actor.is_authenticated else {}
    return await _checkout_page(db, event, _cart_id(request, settings), form=prefill)


@post("/events/{slug:str}/checkout/summary")
async def checkout_summary(request: Request, db: AsyncSession, settings: Settings, slug: str) -> Template:
    """htmx: the totals again with the promo code typed so far."""
    event = await published_event(db, slug)
    form = await request.form()
    cart_id = _cart_id(request, settings)
    basket = await placing.basket(db, event, cart_id, form.get("promo_code", "")) if cart_id else None
    return page("orders/_summary.html", event=event, basket=basket, form=form)


@post("/events/{slug:str}/checkout")
async def place(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template | Redirect:
    event = await published_event(db, slug)
    form = await request.form()
    cart_id = _cart_id(request, settings)
    try:
        if cart_id is None:
            raise placing.CartEmpty()
        data = placing.validate_checkout(
            form.get("email"), form.get("name"), form.get("promo_code"), _attendees(form, 100)
        )
        placed = await placing.place_order(
            db, event, cart_id, data, settings=settings, user_id=actor.user_id if actor.is_authenticated else None
        )
    except ValidationFailed as exc:
        await db.rollback()
        event = await published_event(db, slug)
        return await _checkout_page(
            db, event, cart_id, exc.status_code, form=form, errors=exc.errors, error_message=exc.message
        )
    except DomainError as exc:
        await db.rollback()
        event = await published_event(db, slug)
        return await _checkout_page(db, event, cart_id, exc.status_code, form=form, problem=exc.message)
    order = placed.order
    await announce_placed(request.app.state, order.event_id, placed.changes)
    token = order_token(settings.secret_key, order.id)
    if await settle_if_free(db, settings, request.app.state, order):
        return Redirect(f"/orders/{order.number}?k={token}", status_code=303)
    return Redirect(f"/orders/{order.number}/pay?k={token}", status_code=303)


async def order_for_viewer(db: AsyncSession, settings: Settings, actor: Actor, number: str, token: str | None) -> Order:
    """The order, for whoever holds its link, its logged-in buyer, or its organizer; 404 for anyone else."""
    order = await db.scalar(select(Order).where(Order.number == number))
    if order is None:
        raise NotFound("Order not found.")
    if token_matches(settings.secret_key, order.id, token):
        return order
    if actor.is_authenticated and (order.user_id == actor.user_id or order.organization_id in actor.organization_ids()):
        return order
    raise NotFound("Order not found.")


@get("/orders/{number:str}")
async def order_page(db: AsyncSession, settings: Settings, actor: Actor, number: str, k: str | None = None) -> Template:
    order = await order_for_viewer(db, settings, actor, number, k)
    event = await db.get(Event, order.event_id)
    return page(
        "orders/order.html",
        order=order,
        event=event,
        tickets=await tickets_of(db, order.id) if order.status == OrderStatus.PAID else [],
        token=order_token(settings.secret_key, order.id),
    )


order_page_routes = [
    Router(path="/", include_in_schema=False, route_handlers=[checkout, checkout_summary, place, order_page])
]
