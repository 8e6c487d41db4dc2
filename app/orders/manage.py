"""Organizer pages for orders: per-event list with search and totals, one order in full (refund, resend),
and the event's checkout settings (fees, attendee details, promo codes)."""

from __future__ import annotations

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.errors import ValidationFailed
from app.events.models import Event
from app.events.service import get_event_for
from app.orders import reports
from app.orders import settings as checkout_settings
from app.orders.commands import announce
from app.orders.completion import refund_order, resend_confirmation
from app.web import page


@get("/manage/events/{slug:str}/orders")
async def orders(db: AsyncSession, user: Actor, slug: str, q: str = "") -> Template:
    event = await get_event_for(db, user, slug)
    totals, statuses = await reports.tier_totals(db, event.id)
    return page(
        "orders/manage_list.html",
        event=event,
        orders=await reports.event_orders(db, event, q),
        totals=totals,
        statuses=statuses,
        q=q,
    )


async def _detail_page(db: AsyncSession, user: Actor, number: str, status_code: int = 200, **extra) -> Template:
    detail = await reports.order_detail(db, user, number)
    return page(
        "orders/manage_detail.html",
        status_code=status_code,
        detail=detail,
        can_refund=user.role_in(detail.order.organization_id).at_least(Role.MANAGER),
        **extra,
    )


@get("/manage/orders/{number:str}")
async def order_detail(db: AsyncSession, user: Actor, number: str) -> Template:
    return await _detail_page(db, user, number)


@post("/manage/orders/{number:str}/refund")
async def refund(
    request: Request, db: AsyncSession, settings: Settings, user: Actor, number: str
) -> Template | Redirect:
    form = await request.form()
    try:
        outcome = await refund_order(db, settings, user, number, form.get("reason", ""))
    except ValidationFailed as exc:
        await db.rollback()
        return await _detail_page(db, user, number, 422, refund_form=form, refund_errors=exc.errors)
    await announce(request.app.state, outcome)
    return Redirect(f"/manage/orders/{number}?refunded=1", status_code=303)


@post("/manage/orders/{number:str}/resend")
async def resend(request: Request, db: AsyncSession, settings: Settings, user: Actor, number: str) -> Redirect:
    await announce(request.app.state, await resend_confirmation(db, settings, user, number))
    return Redirect(f"/manage/orders/{number}?resent=1", status_code=303)


async def _settings_page(db: AsyncSession, event: Event, status_code: int = 200, **extra) -> Template:
    return page(
        "orders/checkout_settings.html",
        status_code=status_code,
        event=event,
        promos=await checkout_settings.event_promos(db, event),
        currency=event.tiers[0].currency if event.tiers else "EUR",
        **extra,
    )


@get("/manage/events/{slug:str}/checkout")
async def settings_page(db: AsyncSession, user: Actor, slug: str) -> Template:
    return await _settings_page(db, await get_event_for(db, user, slug, Role.MANAGER))


@post("/manage/events/{slug:str}/checkout/fees")
async def save_fees(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    form = await request.form()
    try:
        await checkout_settings.update_fees(
            db,
            user,
            slug,
            percent=form.get("fee_percent", ""),
            fixed=form.get("fee_fixed", ""),
            collect_attendees=form.get("collect_attendees") == "on",
        )
    except ValidationFailed as exc:
        await db.rollback()
        event = await get_event_for(db, user, slug, Role.MANAGER)
        return await _settings_page(db, event, 422, fee_form=form, fee_errors=exc.errors)
    return Redirect(f"/manage/events/{slug}/checkout?saved=1", status_code=303)


@post("/manage/events/{slug:str}/checkout/promos")
async def add_promo(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    form = await request.form()
    try:
        await checkout_settings.create_promo(db, user, slug, dict(form))
    except ValidationFailed as exc:
        await db.rollback()
        event = await get_event_for(db, user, slug, Role.MANAGER)
        return await _settings_page(db, event, 422, promo_form=form, promo_errors=exc.errors)
    return Redirect(f"/manage/events/{slug}/checkout?saved=1", status_code=303)


@post("/manage/events/{slug:str}/checkout/promos/{code:str}")
async def toggle_promo(request: Request, db: AsyncSession, user: Actor, slug: str, code: str) -> Redirect:
    form = await request.form()
    await checkout_settings.set_promo_active(db, user, slug, code, form.get("active") == "1")
    return Redirect(f"/manage/events/{slug}/checkout?saved=1", status_code=303)


order_manage_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[orders, order_detail, refund, resend, settings_page, save_fees, add_promo, toggle_promo],
    )
]
