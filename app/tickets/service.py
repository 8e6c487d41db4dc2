"""Issuing tickets for a paid order, and reading them back for their pages."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.events.models import Event
from app.orders.access import new_ticket_code
from app.orders.models import Order
from app.tickets.models import Ticket
from app.tickets.signing import sign_ticket, signing_key


def issue_tickets(order: Order) -> list[Ticket]:
    """One ticket per seat and per standing place (added to the caller's transaction)."""
    tickets = []
    for line in order.lines:
        for _ in range(line.quantity):
            tickets.append(
                Ticket(
                    id=uuid.uuid4(),
                    code=new_ticket_code(),
                    order_id=order.id,
                    event_id=order.event_id,
                    organization_id=order.organization_id,
                    seat_key=line.key if line.kind == "seat" else None,
                    area_key=line.key if line.kind == "area" else None,
                    label=line.label,
                    tier_name=line.tier_name,
                    attendee_name=line.attendee_name or order.buyer_name,
                    status="valid",
                )
            )
    return tickets


async def qr_texts(session: AsyncSession, tickets: list[Ticket], secret_key: str) -> dict[uuid.UUID, str]:
    """The signed QR payload of each ticket (Ed25519 signatures are deterministic: the same text every time)."""
    keys = {}
    texts = {}
    for ticket in tickets:
        if ticket.organization_id not in keys:
            keys[ticket.organization_id] = await signing_key(session, ticket.organization_id, secret_key)
        texts[ticket.id] = sign_ticket(
            keys[ticket.organization_id], ticket.code, ticket.event_id, ticket.organization_id
        )
    return texts


async def ticket_by_code(session: AsyncSession, code: str) -> tuple[Ticket, Order, Event]:
    row = (
        await session.execute(
            select(Ticket, Order, Event)
            .join(Order, Order.id == Ticket.order_id)
            .join(Event, Event.id == Ticket.event_id)
            .where(Ticket.code == code)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("Ticket not found.")
    return row[0], row[1], row[2]


async def void_tickets(session: AsyncSession, order_id: uuid.UUID) -> None:
    await session.execute(update(Ticket).where(Ticket.order_id == order_id).values(status="void"))


async def tickets_of(session: AsyncSession, order_id: uuid.UUID) -> list[Ticket]:
    return list((await session.scalars(select(Ticket).where(Ticket.order_id == order_id).order_by(Ticket.label))).all())
