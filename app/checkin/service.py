"""Door check-in: verdicts for scanned or typed codes, the first scan wins, offline scans reconciled (the
earliest wins), undo by managers, and the bundle a scanner takes offline. Every scan is logged."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from app.accounts.actor import Actor
from app.accounts.models import Role, User
from app.checkin.models import Scan
from app.db import utcnow
from app.errors import NotFound
from app.events.models import Event
from app.orders.models import Order
from app.tickets.models import Ticket
from app.tickets.signing import BadTicketCode, public_key, read_claim, verify_ticket
from app.timeutil import format_local

DOORS_OPEN_BEFORE = timedelta(hours=12)
DOORS_CLOSE_AFTER = timedelta(hours=6)


@dataclass
class Verdict:
    result: str  # valid | duplicate | invalid
    reason: str = ""
    label: str = ""
    tier: str = ""
    attendee: str = ""
    order_number: str = ""
    code: str = ""  # the ticket's code, so a scanner can mark it in its offline list
    checked_in_at: datetime | None = None
    checked_in_by: str = ""
    checked_in_device: str = ""
    local_id: str | None = None
    extra: dict = field(default_factory=dict)


async def door_event(session: AsyncSession, actor: Actor, slug: str) -> Event:
    """An event of the actor's organization, for door staff and above (others: 404). Only the event's own
    columns: every scan asks for it."""
    event = await session.scalar(
        select(Event)
        .where(Event.slug == slug, Event.organization_id.in_(actor.organization_ids()))
        .options(raiseload(Event.tiers), raiseload(Event.venue))
    )
    if event is None:
        raise NotFound("Event not found.")
    actor.require(event.organization_id, Role.DOOR)
    return event


_KEYS: dict[uuid.UUID, bytes] = {}  # an organization's public key never changes once made


async def _public_key(session: AsyncSession, organization_id: uuid.UUID) -> bytes | None:
    if organization_id not in _KEYS:
        key = await public_key(session, organization_id)
        if key is None:
            return None
        _KEYS[organization_id] = key
    return _KEYS[organization_id]


def doors_open(event: Event, now: datetime) -> bool:
    return event.starts_at - DOORS_OPEN_BEFORE <= now <= event.ends_at + DOORS_CLOSE_AFTER


async def _resolve(session: AsyncSession, event: Event, text: str) -> tuple[Ticket | None, str]:
    """The ticket a scanned QR text or a typed code stands for, or why there is none."""
    text = text.strip()
    if not text:
        return None, "Nothing was read."
    if text.startswith("U1."):
        key = await _public_key(session, event.organization_id)
        try:
            claim = read_claim(text)[0]
            if claim.organization_id != event.organization_id:
                return None, "This ticket belongs to another organizer."
            if key is None:
                return None, "This code was not signed by this organizer."
            claim = verify_ticket(text, key)
        except BadTicketCode as exc:
            return None, "Forged or altered code." if "forged" in str(exc) else "Unreadable code."
        if claim.event_id != event.id:
            return None, "This ticket is for another event."
        code = claim.code
    elif len(text) > 64:
        return None, "Unreadable code."
    else:
        code = text
    ticket = await session.scalar(select(Ticket).where(Ticket.code == code))
    if ticket is None:
        return None, "Unknown ticket."
    if ticket.event_id != event.id:
        return None, "This ticket is for another event."
    if ticket.status != "valid":
        return ticket, "This ticket was refunded or cancelled."
    return ticket, ""


async def _describe(session: AsyncSession, ticket: Ticket, verdict: Verdict) -> Verdict:
    verdict.label, verdict.tier, verdict.attendee = ticket.label, ticket.tier_name, ticket.attendee_name
    verdict.code = ticket.code
    verdict.order_number = await session.scalar(select(Order.number).where(Order.id == ticket.order_id)) or ""
    if ticket.checked_in_at is not None:
        verdict.checked_in_at = ticket.checked_in_at
        verdict.checked_in_device = ticket.checked_in_device or ""
        if ticket.checked_in_by_id:
            verdict.checked_in_by = (
                await session.scalar(select(User.name).where(User.id == ticket.checked_in_by_id)) or ""
            )
    return verdict


def _log(
    session: AsyncSession,
    event: Event,
    actor: Actor,
    *,
    ticket: Ticket | None,
    device: str,
    result: str,
    reason: str,
    scanned_at: datetime,
    offline: bool = False,
    local_id: str | None = None,
) -> Scan:
    scan = Scan(
        id=uuid.uuid4(),
        event_id=event.id,
        ticket_id=ticket.id if ticket else None,
        staff_id=actor.user_id,
        device=device[:64] or "unknown",
        local_id=local_id,
        result=result,
        reason=reason,
        offline=offline,
        scanned_at=scanned_at,
    )
    session.add(scan)
    return scan


async def check_in(session: AsyncSession, actor: Actor, event: Event, text: str, device: str) -> Verdict:
    """Online scan: one conditional update decides; a second device a millisecond later gets 'duplicate'."""
    now = utcnow()
    ticket, reason = await _resolve(session, event, text)
    if not reason and not doors_open(event, now):
        reason = f"This event is not today (it starts {format_local(event.starts_at, event.timezone)})."
    if reason:
        _log(session, event, actor, ticket=ticket, device=device, result="invalid", reason=reason, scanned_at=now)
        await session.commit()
        verdict = Verdict("invalid", reason)
        return await _describe(session, ticket, verdict) if ticket else verdict
    first = await session.scalar(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == "valid", Ticket.checked_in_at.is_(None))
        .values(checked_in_at=func.now(), checked_in_by_id=actor.user_id, checked_in_device=device[:64])
        .returning(Ticket.checked_in_at)
        .execution_options(synchronize_session=False)
    )
    result = "valid" if first else "duplicate"
    _log(session, event, actor, ticket=ticket, device=device, result=result, reason="", scanned_at=now)
    await session.commit()
    if first:  # ours: no need to ask who checked it in
        verdict = Verdict(result, checked_in_at=first, checked_in_by=actor.name, checked_in_device=device[:64])
        verdict.label, verdict.tier, verdict.attendee, verdict.code = (
            ticket.label,
            ticket.tier_name,
            ticket.attendee_name,
            ticket.code,
        )
        return verdict
    await session.refresh(ticket)
    return await _describe(session, ticket, Verdict(result))


@dataclass(frozen=True)
class OfflineScan:
    local_id: str
    device: str
    text: str
    scanned_at: datetime


async def sync_offline_scans(
    session: AsyncSession, actor: Actor, event: Event, scans: list[OfflineScan]
) -> list[Verdict]:
    """Scans a device made offline, in the order they happened. A scan already synced is answered again, not
    repeated. When devices disagree, the earliest scan wins and the later ones are logged as duplicates."""
    now = utcnow()
    verdicts = []
    for scan in sorted(scans, key=lambda s: s.scanned_at):
        stamp = scan.scanned_at if scan.scanned_at.tzinfo else scan.scanned_at.replace(tzinfo=UTC)
        scanned_at = min(stamp, now)  # a device clock ahead of ours cannot win by cheating time
        earlier = await session.scalar(
            select(Scan).where(Scan.device == scan.device[:64], Scan.local_id == scan.local_id[:64])
        )
        if earlier is not None:
            verdicts.append(Verdict(earlier.result, earlier.reason, local_id=scan.local_id))
            continue
        ticket, reason = await _resolve(session, event, scan.text)
        if reason:
            _log(
                session,
                event,
                actor,
                ticket=ticket,
                device=scan.device,
                result="invalid",
                reason=reason,
                scanned_at=scanned_at,
                offline=True,
                local_id=scan.local_id[:64],
            )
            verdicts.append(Verdict("invalid", reason, local_id=scan.local_id))
            continue
        locked = await session.scalar(select(Ticket).where(Ticket.id == ticket.id).with_for_update())
        if locked.checked_in_at is None or scanned_at < locked.checked_in_at:
            if locked.checked_in_at is not None:  # an earlier scan arrived late: it wins, the other is a duplicate
                await session.execute(
                    update(Scan)
                    .where(Scan.ticket_id == locked.id, Scan.result == "valid")
                    .values(result="duplicate", reason=f"an earlier scan on {scan.device[:64]} came in later")
                )
            locked.checked_in_at = scanned_at
            locked.checked_in_by_id = actor.user_id
            locked.checked_in_device = scan.device[:64]
            result = "valid"
        else:
            result = "duplicate"
        _log(
            session,
            event,
            actor,
            ticket=locked,
            device=scan.device,
            result=result,
            reason="",
            scanned_at=scanned_at,
            offline=True,
            local_id=scan.local_id[:64],
        )
        await session.flush()
        verdicts.append(await _describe(session, locked, Verdict(result, local_id=scan.local_id)))
    await session.commit()
    return verdicts


async def undo_check_in(session: AsyncSession, actor: Actor, event: Event, code: str, reason: str, device: str) -> None:
    """A manager takes a check-in back (scanned the wrong person in); the reason is logged."""
    actor.require(event.organization_id, Role.MANAGER)
    ticket = await session.scalar(
        select(Ticket).where(Ticket.code == code, Ticket.event_id == event.id).with_for_update()
    )
    if ticket is None or ticket.checked_in_at is None:
        raise NotFound("No check-in to undo for that ticket.")
    ticket.checked_in_at = ticket.checked_in_by_id = ticket.checked_in_device = None
    _log(
        session,
        event,
        actor,
        ticket=ticket,
        device=device,
        result="undone",
        reason=reason.strip()[:500] or "undone",
        scanned_at=utcnow(),
    )
    await session.commit()


async def lookup(session: AsyncSession, event: Event, query: str, limit: int = 20) -> list[tuple[Ticket, Order]]:
    """Manual search at the door: ticket code, attendee or buyer name, e-mail, or order number."""
    needle = query.strip()
    if len(needle) < 2:
        return []
    rows = await session.execute(
        select(Ticket, Order)
        .join(Order, Order.id == Ticket.order_id)
        .where(
            Ticket.event_id == event.id,
            or_(
                Ticket.code == needle,
                Order.number == needle.upper(),
                Ticket.attendee_name.ilike(f"%{needle}%"),
                Order.buyer_name.ilike(f"%{needle}%"),
                Order.buyer_email.ilike(f"%{needle}%"),
            ),
        )
        .order_by(Ticket.attendee_name, Ticket.label)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


async def offline_bundle(session: AsyncSession, event: Event) -> dict:
    """What a scanner needs to judge tickets with no network: codes, status, seat, tier, name; nothing more
    (no e-mail addresses, no prices)."""
    key = await public_key(session, event.organization_id)
    rows = await session.execute(
        select(Ticket.code, Ticket.status, Ticket.label, Ticket.tier_name, Ticket.attendee_name, Ticket.checked_in_at)
        .where(Ticket.event_id == event.id)
        .order_by(Ticket.code)
    )
    return {
        "event": {
            "id": event.id.hex,
            "organization": event.organization_id.hex,
            "title": event.title,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
        },
        "public_key": base64.b64encode(key).decode() if key else None,
        "generated_at": utcnow().isoformat(),
        "tickets": [
            [
                r.code,
                r.status,
                r.label,
                r.tier_name,
                r.attendee_name,
                r.checked_in_at.isoformat() if r.checked_in_at else None,
            ]
            for r in rows
        ],
    }
