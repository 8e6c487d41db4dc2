"""The e-mails about an order, written into the outbox in the transaction that decides the order's fate."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.events.models import Event
from app.mail.models import MailAttachment, OutboundMail
from app.mail.service import queue_mail
from app.orders.access import order_token
from app.orders.models import Order
from app.tickets.calendar import event_ics
from app.tickets.models import Ticket
from app.tickets.qr import qr_png
from app.tickets.service import qr_texts


def order_link(settings: Settings, order: Order) -> str:
    return f"{settings.base_url}/orders/{order.number}?k={order_token(settings.secret_key, order.id)}"


async def queue_confirmation(
    session: AsyncSession, settings: Settings, order: Order, event: Event, tickets: list[Ticket]
) -> OutboundMail:
    """Order summary, each ticket's QR inline (cid:) and the event as an .ics attachment."""
    texts = await qr_texts(session, tickets, settings.secret_key)
    mail = queue_mail(
        session,
        recipient=order.buyer_email,
        template="order_confirmation",
        order=order,
        event=event,
        tickets=tickets,
        order_link=order_link(settings, order),
        ticket_link=lambda t: f"{settings.base_url}/tickets/{t.code}",
    )
    mail.order_id = order.id
    mail.attachments = [
        MailAttachment(
            position=n,
            filename=f"ticket-{n + 1}.png",
            content_type="image/png",
            content=qr_png(texts[ticket.id]),
            content_id=f"ticket-{n + 1}@usher",
        )
        for n, ticket in enumerate(tickets)
    ]
    mail.attachments.append(
        MailAttachment(
            position=len(tickets),
            filename="event.ics",
            content_type="text/calendar",
            content=event_ics(event, url=order_link(settings, order), detail=f"Order {order.number}"),
            content_id=None,
        )
    )
    return mail


def queue_refund_notice(session: AsyncSession, settings: Settings, order: Order, event: Event) -> OutboundMail:
    mail = queue_mail(
        session,
        recipient=order.buyer_email,
        template="order_refunded",
        order=order,
        event=event,
        order_link=order_link(settings, order),
    )
    mail.order_id = order.id
    return mail
