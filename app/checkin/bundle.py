"""What a scanner takes offline, and how it names tickets without carrying their codes.

A ticket code is a bearer secret: whoever types it in at a door gets in. So the ticket list a phone downloads holds
only each code's fingerprint, SHA-256 of an event-specific salt and the code (codes have 128 random bits: a
fingerprint cannot be turned back into a code). A scanner fingerprints what it reads and looks that up; a stolen
phone yields names and seats, never something to get in with."""

from __future__ import annotations

import base64
import hashlib
import uuid

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.checkin.verdicts import doors_window, messages
from app.db import utcnow
from app.events.models import Event
from app.tickets.models import Ticket
from app.tickets.signing import public_key

FINGERPRINT = "SHA-256"  # of salt + code, as lower-case hex: static/js/scanner.js computes it with WebCrypto


def fingerprint_salt(event_id: uuid.UUID) -> str:
    return f"usher-door:{event_id.hex}:"


def ticket_fingerprint(event_id: uuid.UUID, code: str) -> str:
    return hashlib.sha256((fingerprint_salt(event_id) + code).encode()).hexdigest()


def fingerprint_of_ticket(event_id: uuid.UUID) -> ColumnElement[str]:
    """ticket_fingerprint in SQL, for the tickets of one event."""
    salted = literal(fingerprint_salt(event_id)).op("||")(Ticket.code)
    return func.encode(func.sha256(func.convert_to(salted, "UTF8")), "hex")


async def offline_bundle(session: AsyncSession, event: Event) -> dict:
    """What a scanner needs to judge tickets with no network as the server would: fingerprints (never codes),
    status, seat, tier, name, the doors window and the verdict list with its words; nothing more (no e-mail
    addresses, no prices)."""
    key = await public_key(session, event.organization_id)
    rows = await session.execute(
        select(Ticket.code, Ticket.status, Ticket.label, Ticket.tier_name, Ticket.attendee_name, Ticket.checked_in_at)
        .where(Ticket.event_id == event.id)
        .order_by(Ticket.label)
    )
    opens, closes = doors_window(event)
    return {
        "event": {
            "id": event.id.hex,
            "organization": event.organization_id.hex,
            "title": event.title,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
        },
        "doors": {"open_at": opens.isoformat(), "close_at": closes.isoformat()},
        "verdicts": messages(event),
        "public_key": base64.b64encode(key).decode() if key else None,
        "fingerprint": {"algorithm": FINGERPRINT, "salt": fingerprint_salt(event.id)},
        "generated_at": utcnow().isoformat(),
        "tickets": [
            [
                ticket_fingerprint(event.id, r.code),
                r.status,
                r.label,
                r.tier_name,
                r.attendee_name,
                r.checked_in_at.isoformat() if r.checked_in_at else None,
            ]
            for r in rows
        ],
    }
