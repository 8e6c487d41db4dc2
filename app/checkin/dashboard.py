"""The organizer's live door dashboard: who is in, by tier and section, scans per minute, recent problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.checkin.models import Scan
from app.db import utcnow
from app.events.models import Event
from app.seating.models import EventArea, EventSeat
from app.tickets.models import Ticket

CHART_MINUTES = 30


@dataclass(frozen=True)
class Count:
    name: str
    sold: int
    checked_in: int


@dataclass(frozen=True)
class DoorStats:
    sold: int
    checked_in: int
    by_tier: list[Count]
    by_section: list[Count]
    per_minute: list[tuple[datetime, int]]  # oldest first, CHART_MINUTES entries
    recent: list[tuple[Scan, str, str]]  # scan, staff name, ticket label
    problems: list[tuple[Scan, str, str]]


async def _counts(session: AsyncSession, event_id, group) -> list[Count]:
    checked = func.count(case((Ticket.checked_in_at.is_not(None), 1)))
    rows = await session.execute(
        select(group.label("name"), func.count(), checked)
        .select_from(Ticket)
        .outerjoin(EventSeat, and_(EventSeat.event_id == Ticket.event_id, EventSeat.key == Ticket.seat_key))
        .outerjoin(EventArea, and_(EventArea.event_id == Ticket.event_id, EventArea.key == Ticket.area_key))
        .where(Ticket.event_id == event_id, Ticket.status == "valid")
        .group_by(group)
        .order_by(group)
    )
    return [Count(name or "General admission", sold, checked_in) for name, sold, checked_in in rows]


async def _scans(session: AsyncSession, event_id, *, problems: bool, limit: int) -> list[tuple[Scan, str, str]]:
    query = (
        select(Scan, func.coalesce(User.name, ""), func.coalesce(Ticket.label, ""))
        .outerjoin(User, User.id == Scan.staff_id)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .where(Scan.event_id == event_id)
    )
    if problems:
        query = query.where(Scan.result.in_(["invalid", "duplicate"]))
    rows = await session.execute(query.order_by(Scan.received_at.desc()).limit(limit))
    return [(r[0], r[1], r[2]) for r in rows]


async def door_stats(session: AsyncSession, event: Event) -> DoorStats:
    totals = (
        await session.execute(
            select(func.count(), func.count(case((Ticket.checked_in_at.is_not(None), 1)))).where(
                Ticket.event_id == event.id, Ticket.status == "valid"
            )
        )
    ).one()
    now = utcnow().replace(second=0, microsecond=0)
    since = now - timedelta(minutes=CHART_MINUTES - 1)
    minute = func.date_trunc("minute", Scan.scanned_at)
    counted = dict(
        (
            await session.execute(
                select(minute, func.count())
                .where(Scan.event_id == event.id, Scan.result == "valid", Scan.scanned_at >= since)
                .group_by(minute)
            )
        ).all()
    )
    per_minute = [(since + timedelta(minutes=n), 0) for n in range(CHART_MINUTES)]
    per_minute = [
        (at, next((c for m, c in counted.items() if m.replace(tzinfo=at.tzinfo) == at), 0)) for at, _ in per_minute
    ]
    return DoorStats(
        sold=totals[0],
        checked_in=totals[1],
        by_tier=await _counts(session, event.id, Ticket.tier_name),
        by_section=await _counts(session, event.id, func.coalesce(EventSeat.section_name, EventArea.name)),
        per_minute=per_minute,
        recent=await _scans(session, event.id, problems=False, limit=15),
        problems=await _scans(session, event.id, problems=True, limit=10),
    )
