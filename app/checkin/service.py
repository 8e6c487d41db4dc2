"""Door check-in: verdicts for scanned or typed codes, the first scan wins, offline scans reconciled (the
earliest claim wins, within the rules of sync_offline_scans), undo by managers. Every scan is logged. The rules and
their words are in verdicts.py, the scanner's offline ticket list in bundle.py; each function here that changes
something commits its own transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from app.accounts.actor import Actor
from app.accounts.models import Role, User
from app.checkin.bundle import fingerprint_of_ticket, ticket_fingerprint
from app.checkin.models import Scan
from app.checkin.verdicts import ScanResult, VerdictCode, doors_open, logged_code
from app.db import like_contains, utcnow
from app.errors import NotFound
from app.events.models import Event, EventStatus
from app.orders.models import Order
from app.tickets.models import Ticket, TicketStatus
from app.tickets.signing import BadTicketCode, public_key, read_claim, verify_ticket
from app.timeutil import to_local


@dataclass
class Verdict:
    code: VerdictCode
    reason: str  # the code's words for this event
    label: str = ""
    tier: str = ""
    attendee: str = ""
    order_number: str = ""
    ticket: str = ""  # the ticket's fingerprint (bundle.py), so a scanner can mark it in its offline list
    checked_in_at: datetime | None = None
    checked_in_by: str = ""
    checked_in_device: str = ""
    local_id: str | None = None

    @property
    def result(self) -> ScanResult:
        return self.code.result


def _verdict(event: Event, code: VerdictCode, **details) -> Verdict:
    return Verdict(code, code.message(event), **details)


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


async def door_event_to_watch(session: AsyncSession, actor: Actor, slug: str) -> Event:
    """door_event for a live stream that stays open for hours. Commits (ends the read transaction), so the stream
    holds no database connection while it waits."""
    event = await door_event(session, actor, slug)
    await session.commit()
    return event


@dataclass(frozen=True)
class EventsToScan:
    today: list[Event]  # taking place on today's date where each one is (its own time zone)
    later: list[Event]


async def events_to_scan(session: AsyncSession, actor: Actor, now: datetime | None = None) -> EventsToScan:
    """Published events of the actor's organizations that have not ended yet, soonest first: today's (in each
    event's time zone), then the ones after."""
    now = now or utcnow()
    events = await session.scalars(
        select(Event)
        .where(Event.organization_id.in_(actor.organization_ids()), Event.status == EventStatus.PUBLISHED)
        .where(Event.ends_at >= now)
        .order_by(Event.starts_at)
    )
    found = EventsToScan(today=[], later=[])
    for event in events:
        starts_by_today = to_local(event.starts_at, event.timezone).date() <= to_local(now, event.timezone).date()
        (found.today if starts_by_today else found.later).append(event)
    return found


_KEYS: dict[uuid.UUID, bytes] = {}  # an organization's public key never changes once made


async def _public_key(session: AsyncSession, organization_id: uuid.UUID) -> bytes | None:
    if organization_id not in _KEYS:
        key = await public_key(session, organization_id)
        if key is None:
            return None
        _KEYS[organization_id] = key
    return _KEYS[organization_id]


def _standing(event: Event, ticket: Ticket | None) -> tuple[Ticket | None, VerdictCode | None]:
    if ticket is None:
        return None, VerdictCode.UNKNOWN_TICKET
    if ticket.event_id != event.id:
        return None, VerdictCode.OTHER_EVENT
    if ticket.status != TicketStatus.VALID:
        return ticket, VerdictCode.VOID
    return ticket, None


async def _resolve(
    session: AsyncSession, event: Event, text: str, fingerprint: str = ""
) -> tuple[Ticket | None, VerdictCode | None]:
    """The ticket a scanned QR text or a typed code stands for (or, with no text, the fingerprint of a ticket
    door staff picked by name from an offline list), or why there is none. The scanner's twin: judgeOffline in
    static/js/scanner.js (same order of rules)."""
    text = text.strip()
    if not text and fingerprint:
        picked = select(Ticket).where(Ticket.event_id == event.id, fingerprint_of_ticket(event.id) == fingerprint)
        return _standing(event, await session.scalar(picked))
    if not text:
        return None, VerdictCode.NOTHING_READ
    if text.startswith("U1."):
        key = await _public_key(session, event.organization_id)
        try:
            claim = read_claim(text)[0]
            if claim.organization_id != event.organization_id:
                return None, VerdictCode.OTHER_ORGANIZER
            if key is None:
                return None, VerdictCode.NOT_SIGNED
            claim = verify_ticket(text, key)
        except BadTicketCode as exc:
            return None, VerdictCode.FORGED if "forged" in str(exc) else VerdictCode.UNREADABLE
        if claim.event_id != event.id:
            return None, VerdictCode.OTHER_EVENT
        code = claim.code
    elif len(text) > 64:
        return None, VerdictCode.UNREADABLE
    else:
        code = text
    return _standing(event, await session.scalar(select(Ticket).where(Ticket.code == code)))


async def _refusal(
    session: AsyncSession, event: Event, text: str, at: datetime, fingerprint: str = ""
) -> tuple[Ticket | None, VerdictCode | None]:
    """The ticket, and why it is turned away at `at` (None: let in, unless it is in already)."""
    ticket, refused = await _resolve(session, event, text, fingerprint)
    if refused is None and not doors_open(event, at):
        refused = VerdictCode.NOT_TODAY
    return ticket, refused


async def _describe(session: AsyncSession, ticket: Ticket, verdict: Verdict) -> Verdict:
    verdict.label, verdict.tier, verdict.attendee = ticket.label, ticket.tier_name, ticket.attendee_name
    verdict.ticket = ticket_fingerprint(event_id=ticket.event_id, code=ticket.code)
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
    result: ScanResult,
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
    """Online scan: one conditional update decides; a second device a millisecond later gets 'duplicate'. Logs the
    scan and commits."""
    now = utcnow()
    ticket, refused = await _refusal(session, event, text, now)
    if refused:
        _log(session, event, actor, ticket=ticket, device=device, result=refused.result, reason=refused, scanned_at=now)
        await session.commit()
        verdict = _verdict(event, refused)
        return await _describe(session, ticket, verdict) if ticket else verdict
    first = await session.scalar(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == TicketStatus.VALID, Ticket.checked_in_at.is_(None))
        .values(checked_in_at=func.now(), checked_in_by_id=actor.user_id, checked_in_device=device[:64])
        .returning(Ticket.checked_in_at)
        .execution_options(synchronize_session=False)
    )
    code = VerdictCode.VALID if first else VerdictCode.DUPLICATE
    _log(session, event, actor, ticket=ticket, device=device, result=code.result, reason=code, scanned_at=now)
    await session.commit()
    if first:  # ours: no need to ask who checked it in
        return _verdict(
            event,
            code,
            label=ticket.label,
            tier=ticket.tier_name,
            attendee=ticket.attendee_name,
            ticket=ticket_fingerprint(event.id, ticket.code),
            checked_in_at=first,
            checked_in_by=actor.name,
            checked_in_device=device[:64],
        )
    await session.refresh(ticket)
    return await _describe(session, ticket, _verdict(event, code))


@dataclass(frozen=True)
class OfflineScan:
    local_id: str
    device: str
    text: str  # what was scanned or typed; empty when staff picked the ticket by name from the offline list
    scanned_at: datetime
    fingerprint: str = ""  # of the ticket picked by name (bundle.py)


async def _checked_in_offline(session: AsyncSession, ticket: Ticket) -> bool:
    """Whether the ticket's standing check-in was a device's claim (an offline scan) rather than one we saw."""
    offline = await session.scalar(
        select(Scan.offline)
        .where(Scan.ticket_id == ticket.id, Scan.result == ScanResult.VALID)
        .order_by(Scan.received_at.desc())
        .limit(1)
    )
    return bool(offline)


def _utc_scan_time(scan: OfflineScan) -> datetime:
    """A device's time without a zone is UTC (the scanner sends UTC); mixed ones must still sort."""
    return scan.scanned_at if scan.scanned_at.tzinfo else scan.scanned_at.replace(tzinfo=UTC)


async def sync_offline_scans(
    session: AsyncSession, actor: Actor, event: Event, scans: list[OfflineScan]
) -> list[Verdict]:
    """Scans a device made offline, in the order they happened, judged by the rules of an online scan at the time
    they were made. A scan already synced is answered again, not repeated: safe to retry. Commits once, at the end.

    The time of an offline scan is the device's claim, so it is bounded: a time later than ours counts as now; a
    time before the doors open (or after they close) is refused like an online scan then ("not today": it is
    logged, never clamped into the window, so it cannot become the earliest scan); and while devices' claims decide
    among themselves (the earliest wins, the others become duplicates), a claim never takes a check-in we saw
    happen online: that ticket was let in, the claim is a duplicate."""
    now = utcnow()
    verdicts = []
    for scan in sorted(scans, key=_utc_scan_time):
        scanned_at = min(_utc_scan_time(scan), now)  # a device clock ahead of ours cannot win by cheating time
        local_id, device = scan.local_id[:64], scan.device[:64]
        earlier = await session.scalar(select(Scan).where(Scan.device == device, Scan.local_id == local_id))
        if earlier is not None:
            verdicts.append(_verdict(event, logged_code(earlier.result, earlier.reason), local_id=scan.local_id))
            continue
        ticket, refused = await _refusal(session, event, scan.text, scanned_at, scan.fingerprint)
        if refused:
            _log(
                session,
                event,
                actor,
                ticket=ticket,
                device=device,
                result=refused.result,
                reason=refused,
                scanned_at=scanned_at,
                offline=True,
                local_id=local_id,
            )
            verdicts.append(_verdict(event, refused, local_id=scan.local_id))
            continue
        locked = await session.scalar(select(Ticket).where(Ticket.id == ticket.id).with_for_update())
        claims_earlier = locked.checked_in_at is not None and scanned_at < locked.checked_in_at
        if locked.checked_in_at is None or (claims_earlier and await _checked_in_offline(session, locked)):
            if locked.checked_in_at is not None:  # an earlier scan arrived late: it wins, the other is a duplicate
                await session.execute(
                    update(Scan)
                    .where(Scan.ticket_id == locked.id, Scan.result == ScanResult.VALID)
                    .values(result=ScanResult.DUPLICATE, reason=VerdictCode.SUPERSEDED)
                )
            locked.checked_in_at = scanned_at
            locked.checked_in_by_id = actor.user_id
            locked.checked_in_device = device
            code = VerdictCode.VALID
        else:
            code = VerdictCode.DUPLICATE
        _log(
            session,
            event,
            actor,
            ticket=locked,
            device=device,
            result=code.result,
            reason=code,
            scanned_at=scanned_at,
            offline=True,
            local_id=local_id,
        )
        await session.flush()
        verdicts.append(await _describe(session, locked, _verdict(event, code, local_id=scan.local_id)))
    await session.commit()
    return verdicts


async def undo_check_in(session: AsyncSession, actor: Actor, event: Event, code: str, reason: str, device: str) -> None:
    """A manager takes a check-in back (scanned the wrong person in); the reason is logged. Commits."""
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
        result=ScanResult.UNDONE,
        reason=reason.strip()[:500] or "undone",
        scanned_at=utcnow(),
    )
    await session.commit()


async def lookup(session: AsyncSession, event: Event, query: str, limit: int = 20) -> list[tuple[Ticket, Order]]:
    """Manual search at the door: ticket code, attendee or buyer name, e-mail, or order number."""
    needle = query.strip()
    if len(needle) < 2:
        return []
    contains = like_contains(needle)  # typed wildcards are literal: "%%" must not list every ticket
    rows = await session.execute(
        select(Ticket, Order)
        .join(Order, Order.id == Ticket.order_id)
        .where(
            Ticket.event_id == event.id,
            or_(
                Ticket.code == needle,
                Order.number == needle.upper(),
                Ticket.attendee_name.ilike(contains, escape="\\"),
                Order.buyer_name.ilike(contains, escape="\\"),
                Order.buyer_email.ilike(contains, escape="\\"),
            ),
        )
        .order_by(Ticket.attendee_name, Ticket.label)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]
