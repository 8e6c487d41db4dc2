"""Who may see an order and its tickets: the secret in a buyer's order links (an HMAC of the order id, so nothing
secret is stored), the logged-in buyer, or the organizer; and order numbers people can read out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import NotFound
from app.events.models import Event
from app.orders.models import Order, OrderStatus
from app.tickets.models import Ticket, TicketStatus
from app.tickets.service import qr_texts

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The shapes of order numbers, ticket codes and order keys: anything else is unknown without asking PostgreSQL
# (a NUL character is an error there, not a miss) or hmac.compare_digest (non-ASCII text is a TypeError there).
_ORDER_NUMBER = re.compile(r"[0-9A-Z]{1,20}")
_TICKET_CODE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_ORDER_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


def order_token(secret_key: str, order_id: uuid.UUID) -> str:
    digest = hmac.new(secret_key.encode(), f"order:{order_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def token_matches(secret_key: str, order_id: uuid.UUID, token: str | None) -> bool:
    """Whether the key opens the order; one of the wrong length or characters (even non-ASCII) is simply wrong."""
    return (
        token is not None
        and _ORDER_KEY.fullmatch(token) is not None
        and hmac.compare_digest(order_token(secret_key, order_id).encode(), token.encode())
    )


def new_order_number() -> str:
    """'U' and 8 characters people can read out on the phone (no I, L, O, U)."""
    return "U" + "".join(secrets.choice(_CROCKFORD) for _ in range(8))


def _manages(actor: Actor, organization_id: uuid.UUID) -> bool:
    """Organizers see their orders (and so the buyer's link); door staff find tickets at the door, not orders."""
    role = actor.role_in(organization_id)
    return role is not None and role.at_least(Role.MANAGER)


async def order_for_viewer(
    session: AsyncSession, secret_key: str, actor: Actor, number: str, token: str | None
) -> Order:
    """The order, for whoever holds its link, its logged-in buyer, or its organizer; 404 for anyone else (an API
    token or a guest has no user id, so it is never the buyer of a guest order)."""
    order = (
        await session.scalar(select(Order).where(Order.number == number)) if _ORDER_NUMBER.fullmatch(number) else None
    )
    if order is not None and (
        token_matches(secret_key, order.id, token)
        or actor.is_user(order.user_id)
        or _manages(actor, order.organization_id)
    ):
        return order
    raise NotFound("Order not found." + (" Check that you used the whole link you were sent." if token else ""))


async def ticket_by_code(session: AsyncSession, code: str) -> tuple[Ticket, Order, Event]:
    """The ticket its secret code names, with its order and event (the code is the ticket's link)."""
    if not _TICKET_CODE.fullmatch(code):
        raise NotFound("Ticket not found.")
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


async def ticket_page_view(session: AsyncSession, code: str, secret_key: str) -> tuple[Ticket, Order, Event, str]:
    """The ticket, its order and event, and its signed QR text. Commits: the organization's signing key is
    created on first use."""
    ticket, order, event = await ticket_by_code(session, code)
    text = (await qr_texts(session, [ticket], secret_key))[ticket.id]
    await session.commit()
    return ticket, order, event, text


async def buyer_tickets(session: AsyncSession, actor: Actor) -> list[tuple[Ticket, Event, Order]]:
    """The valid tickets of the logged-in buyer's paid orders, soonest event first."""
    if actor.user_id is None:
        return []
    rows = await session.execute(
        select(Ticket, Event, Order)
        .join(Order, Order.id == Ticket.order_id)
        .join(Event, Event.id == Ticket.event_id)
        .where(Order.user_id == actor.user_id, Order.status == OrderStatus.PAID, Ticket.status == TicketStatus.VALID)
        .order_by(Event.starts_at, Ticket.label)
    )
    return [(r[0], r[1], r[2]) for r in rows]
