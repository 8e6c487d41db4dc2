"""Buyer pages: checkout from the basket, the order page (with its tickets once paid), each ticket's page (its
unguessable code is its link) with its calendar file, and 'My tickets'."""

from __future__ import annotations

import uuid

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.config import Settings
from app.errors import DomainError, RateLimited, ValidationFailed
from app.events.models import Event
from app.events.service import get_public_event
from app.orders import checkout as placing
from app.orders import hold_extension
from app.orders.access import buyer_tickets, order_for_viewer, order_token, ticket_by_code, ticket_page_view
from app.orders.commands import announce_placed, settle_if_free
from app.orders.models import OrderStatus
from app.seating.carts import CART_COOKIE, HoldClock, HoldNotExtended, cart_from_token
from app.tickets.calendar import event_ics
from app.tickets.models import TicketStatus
from app.tickets.qr import qr_svg
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


def _price_types(form) -> dict[str, str]:
    """The price type chosen for each seat or area (one select per checkout line: works without JavaScript)."""
    return {name.removeprefix("price_type_"): value for name, value in form.items() if name.startswith("price_type_")}


def _refusal(status_code: int, retry_after: int | None) -> dict:
    """A rate-limited answer is 429 with Retry-After; anything else keeps its status."""
    if retry_after is None:
        return {"status_code": status_code}
    return {"status_code": 429, "headers": {"Retry-After": str(retry_after)}}


async def _checkout_page(
    db: AsyncSession,
    event: Event,
    cart_id: uuid.UUID | None,
    limits: placing.CheckoutLimits,
    status_code: int = 200,
    retry_after: int | None = None,
    **extra,
) -> Template:
    form = extra.pop("form", {}) or {}
    basket = None
    # A price type not offered: the defaults and why; a seat no tier prices now: no basket and why.
    for price_types in (_price_types(form), {}) if cart_id else ():
        try:
            basket = await placing.basket(db, event, cart_id, limits, form.get("promo_code", ""), price_types)
            break
        except ValidationFailed as exc:
            extra.setdefault("problem", exc.message)
    if basket and basket.retry_after:
        retry_after = max(retry_after or 0, basket.retry_after)
    return page(
        "orders/checkout.html",
        **_refusal(status_code, retry_after),
        event=event,
        basket=basket,
        form=form,
        clock=await hold_extension.basket_clock(db, limits.settings, event, cart_id),
        **extra,
    )


@get("/events/{slug:str}/checkout")
async def checkout(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template:
    event = await get_public_event(db, slug)
    prefill = {"email": actor.email or "", "name": actor.name or ""} if actor.is_authenticated else {}
    limits = placing.CheckoutLimits.of(request, settings)
    return await _checkout_page(db, event, _cart_id(request, settings), limits, form=prefill)


@post("/events/{slug:str}/checkout/summary")
async def checkout_summary(request: Request, db: AsyncSession, settings: Settings, slug: str) -> Template:
    """htmx: the totals again with the promo code typed so far (checks are counted: no free oracle)."""
    event = await get_public_event(db, slug)
    form = await request.form()
    cart_id = _cart_id(request, settings)
    limits = placing.CheckoutLimits.of(request, settings)
    basket = (
        await placing.basket(db, event, cart_id, limits, form.get("promo_code", ""), _price_types(form))
        if cart_id
        else None
    )
    return page(
        "orders/_summary.html", **_refusal(200, basket and basket.retry_after), event=event, basket=basket, form=form
    )


@post("/events/{slug:str}/checkout")
async def place(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template | Redirect:
    event = await get_public_event(db, slug)
    form = await request.form()
    cart_id = _cart_id(request, settings)
    limits = placing.CheckoutLimits.of(request, settings)
    try:
        if cart_id is None:
            raise placing.CartEmpty()
        data = placing.validate_checkout(
            form.get("email"), form.get("name"), form.get("promo_code"), _attendees(form, 100), _price_types(form)
        )
        placed = await placing.place_order(
            db,
            event,
            cart_id,
            data,
            settings=settings,
            user_id=actor.user_id if actor.is_authenticated else None,
            limits=limits,
        )
    except ValidationFailed as exc:
        await db.rollback()
        event = await get_public_event(db, slug)
        return await _checkout_page(
            db, event, cart_id, limits, exc.status_code, form=form, errors=exc.errors, error_message=exc.message
        )
    except DomainError as exc:
        await db.rollback()
        event = await get_public_event(db, slug)
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return await _checkout_page(
            db, event, cart_id, limits, exc.status_code, retry_after, form=form, problem=exc.message
        )
    order = placed.order
    await announce_placed(request.app.state, order.event_id, placed.changes)
    token = order_token(settings.secret_key, order.id)
    if await settle_if_free(db, settings, request.app.state, order):
        return Redirect(f"/orders/{order.number}?k={token}", status_code=303)
    return Redirect(f"/orders/{order.number}/pay?k={token}", status_code=303)


@post("/events/{slug:str}/checkout/extend")
async def extend_checkout_hold(
    request: Request, db: AsyncSession, settings: Settings, slug: str
) -> Template | Redirect:
    """The basket's one extension. htmx gets the countdown again (409 with the reason when refused); a form posted
    without JavaScript gets a 303 back to checkout, or the checkout page with the reason."""
    event = await get_public_event(db, slug)
    cart_id = _cart_id(request, settings)
    htmx = "hx-request" in request.headers
    try:
        if cart_id is None:
            raise HoldNotExtended("expired")
        await hold_extension.extend_basket(db, settings, event, cart_id)
    except HoldNotExtended as refused:
        event = await get_public_event(db, slug)  # the rollback expired it
        if htmx:
            clock = await hold_extension.basket_clock(db, settings, event, cart_id)
            return hold_clock_fragment(event, clock, f"/events/{slug}/checkout/extend", refused)
        limits = placing.CheckoutLimits.of(request, settings)
        return await _checkout_page(db, event, cart_id, limits, refused.status_code, hold_problem=refused.message)
    if htmx:
        clock = await hold_extension.basket_clock(db, settings, event, cart_id)
        return hold_clock_fragment(event, clock, f"/events/{slug}/checkout/extend")
    return Redirect(f"/events/{slug}/checkout", status_code=303)


def hold_clock_fragment(
    event: Event, clock: HoldClock, extend_action: str, refused: HoldNotExtended | None = None
) -> Template:
    """The countdown htmx swaps in after an extension (the checkout's or the pay page's), with its news."""
    return page(
        "orders/_hold_clock.html",
        status_code=refused.status_code if refused else 200,
        fragment=True,
        event=event,
        clock=clock,
        extend_action=extend_action,
        hold_problem=refused.message if refused else None,
        hold_notice=None if refused else hold_extension.extended_notice(clock, event),
    )


@get("/orders/{number:str}")
async def order_page(db: AsyncSession, settings: Settings, actor: Actor, number: str, k: str | None = None) -> Template:
    order = await order_for_viewer(db, settings.secret_key, actor, number, k)
    event = await db.get(Event, order.event_id)
    return page(
        "orders/order.html",
        order=order,
        event=event,
        tickets=await tickets_of(db, order.id) if order.status == OrderStatus.PAID else [],
        token=order_token(settings.secret_key, order.id),
    )


@get("/tickets/{code:str}")
async def ticket_page(db: AsyncSession, settings: Settings, code: str) -> Template:
    ticket, order, event, text = await ticket_page_view(db, code, settings.secret_key)
    return page(
        "tickets/ticket.html",
        ticket=ticket,
        order=order,
        event=event,
        qr=qr_svg(text) if ticket.status == TicketStatus.VALID else None,
        qr_text=text,
    )


@get("/tickets/{code:str}/event.ics")
async def ticket_calendar(db: AsyncSession, settings: Settings, code: str) -> Response:
    ticket, order, event = await ticket_by_code(db, code)
    body = event_ics(event, url=f"{settings.base_url}/tickets/{ticket.code}", detail=f"{ticket.label} · {order.number}")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'},
    )


@get("/my/tickets")
async def my_tickets(db: AsyncSession, user: Actor) -> Template:
    return page("tickets/mine.html", rows=await buyer_tickets(db, user))


order_page_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[
            checkout,
            checkout_summary,
            place,
            extend_checkout_hold,
            order_page,
            ticket_page,
            ticket_calendar,
            my_tickets,
        ],
    )
]
