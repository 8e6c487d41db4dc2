"""Ticket pages (the ticket's unguessable code is its link), calendar files, 'My tickets', and the public
keys scanners verify QR codes with."""

from __future__ import annotations

import base64

from litestar import Response, Router, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Organization
from app.config import Settings
from app.errors import NotFound
from app.events.models import Event
from app.orders.models import Order, OrderStatus
from app.tickets.calendar import event_ics
from app.tickets.models import Ticket
from app.tickets.qr import qr_svg
from app.tickets.service import qr_texts, ticket_by_code
from app.tickets.signing import public_key, signing_key
from app.web import page


@get("/tickets/{code:str}")
async def ticket_page(db: AsyncSession, settings: Settings, code: str) -> Template:
    ticket, order, event = await ticket_by_code(db, code)
    text = (await qr_texts(db, [ticket], settings.secret_key))[ticket.id]
    await db.commit()  # the organization's key may have just been created
    return page(
        "tickets/ticket.html",
        ticket=ticket,
        order=order,
        event=event,
        qr=qr_svg(text) if ticket.status == "valid" else None,
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
    rows = (
        await db.execute(
            select(Ticket, Event, Order)
            .join(Order, Order.id == Ticket.order_id)
            .join(Event, Event.id == Ticket.event_id)
            .where(Order.user_id == user.user_id, Order.status == OrderStatus.PAID, Ticket.status == "valid")
            .order_by(Event.starts_at, Ticket.label)
        )
    ).all()
    return page("tickets/mine.html", rows=rows)


@get("/api/v1/organizations/{slug:str}/ticket-key", tags=["tickets"], summary="The key ticket QR codes are signed with")
async def ticket_key(db: AsyncSession, settings: Settings, slug: str) -> dict[str, str]:
    organization = await db.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise NotFound("Organization not found.")
    raw = await public_key(db, organization.id)
    if raw is None:
        await signing_key(db, organization.id, settings.secret_key)
        await db.commit()
        raw = await public_key(db, organization.id)
    return {"algorithm": "Ed25519", "format": "raw", "public_key": base64.b64encode(raw).decode()}


ticket_routes = [
    Router(path="/", include_in_schema=False, route_handlers=[ticket_page, ticket_calendar, my_tickets]),
    ticket_key,
]
