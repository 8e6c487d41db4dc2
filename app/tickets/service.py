"""Issuing and voiding tickets, their codes, and the signed QR payloads scanners verify."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Organization
from app.errors import NotFound
from app.tickets.models import Ticket, TicketStatus
from app.tickets.signing import public_key, sign_ticket, signing_key


@dataclass(frozen=True)
class TicketLine:
    """What one ticket admits to: a seat (`seat_key`) or a place in a standing area (`area_key`)."""

    seat_key: str | None
    area_key: str | None
    label: str
    tier_name: str
    attendee_name: str


def new_ticket_code() -> str:
    return secrets.token_urlsafe(16)  # 128 bits: the ticket's secret link and the id in its QR code


def issue_tickets(
    *, order_id: uuid.UUID, event_id: uuid.UUID, organization_id: uuid.UUID, lines: list[TicketLine]
) -> list[Ticket]:
    """One valid ticket per line, with a fresh code (the caller adds them to its transaction)."""
    return [
        Ticket(
            id=uuid.uuid4(),
            code=new_ticket_code(),
            order_id=order_id,
            event_id=event_id,
            organization_id=organization_id,
            seat_key=line.seat_key,
            area_key=line.area_key,
            label=line.label,
            tier_name=line.tier_name,
            attendee_name=line.attendee_name,
            status=TicketStatus.VALID,
        )
        for line in lines
    ]


async def qr_texts(session: AsyncSession, tickets: list[Ticket], secret_key: str) -> dict[uuid.UUID, str]:
    """The signed QR payload of each ticket (Ed25519 signatures are deterministic: the same text every time).
    Creates the organization's key on first use, in the caller's transaction."""
    keys = {}
    texts = {}
    for ticket in tickets:
        if ticket.organization_id not in keys:
            keys[ticket.organization_id] = await signing_key(session, ticket.organization_id, secret_key)
        texts[ticket.id] = sign_ticket(
            keys[ticket.organization_id], ticket.code, ticket.event_id, ticket.organization_id
        )
    return texts


async def void_tickets(session: AsyncSession, order_id: uuid.UUID) -> None:
    await session.execute(update(Ticket).where(Ticket.order_id == order_id).values(status=TicketStatus.VOID))


async def tickets_of(session: AsyncSession, order_id: uuid.UUID) -> list[Ticket]:
    return list((await session.scalars(select(Ticket).where(Ticket.order_id == order_id).order_by(Ticket.label))).all())


async def published_ticket_key(session: AsyncSession, organization_slug: str, secret_key: str) -> str:
    """The organization's public ticket key (base64), created and committed on first request. Safe to repeat."""
    organization_id = await session.scalar(select(Organization.id).where(Organization.slug == organization_slug))
    if organization_id is None:
        raise NotFound("Organization not found.")
    raw = await public_key(session, organization_id)
    if raw is None:
        await signing_key(session, organization_id, secret_key)
        await session.commit()
        raw = await public_key(session, organization_id)
    return base64.b64encode(raw).decode()
