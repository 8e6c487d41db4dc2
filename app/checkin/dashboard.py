"""The organizer's live door dashboard: who is in, by tier and section, scans per minute, recent problems; the
channel on which every scan tells the dashboards that the numbers changed, and the news a dashboard's stream
follows (the viewers of one event in one process share one subscription and one count per burst of scans)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import ColumnElement, Subquery, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.models import User
from app.checkin.models import Scan
from app.checkin.verdicts import ScanResult, logged_message
from app.db import utcnow
from app.events.models import Event
from app.live import REDIS_WAIT_SECONDS, LiveHub
from app.seating.inventory import section_names
from app.tickets.models import Ticket, TicketStatus
from app.viewers import KEEPALIVE_SECONDS, SharedReading

log = logging.getLogger(__name__)
CHART_MINUTES = 30
BURST_SECONDS = 0.2  # let a burst of scans land, then count once


def checkins_channel(event_id: uuid.UUID) -> str:
    return f"usher:event:{event_id}:checkins"


async def announce_scans(redis: Redis, event_id: uuid.UUID) -> None:
    """Tell the event's open dashboards to count again (they redraw at most a few times a second). Without Redis
    the scans stand; dashboards recount when the live hub reconnects."""
    try:
        async with asyncio.timeout(REDIS_WAIT_SECONDS):
            await redis.publish(checkins_channel(event_id), "1")
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("scans not announced: Redis unavailable", extra={"error": type(exc).__name__})


@dataclass(frozen=True)
class Count:
    name: str
    sold: int
    checked_in: int


@dataclass(frozen=True)
class LoggedScan:
    scan: Scan
    staff: str
    label: str  # the ticket's, when the code was one
    message: str  # the verdict's words (an undo: the manager's)


@dataclass(frozen=True)
class DoorStats:
    sold: int
    checked_in: int
    by_tier: list[Count]
    by_section: list[Count]
    per_minute: list[tuple[datetime, int]]  # oldest first, CHART_MINUTES entries
    recent: list[LoggedScan]
    problems: list[LoggedScan]


async def _counts(
    session: AsyncSession, event_id: uuid.UUID, group: ColumnElement, sections: Subquery | None = None
) -> list[Count]:
    checked = func.count(case((Ticket.checked_in_at.is_not(None), 1)))
    query = select(group.label("name"), func.count(), checked).select_from(Ticket)
    if sections is not None:
        query = query.outerjoin(sections, sections.c.key == func.coalesce(Ticket.seat_key, Ticket.area_key))
    rows = await session.execute(
        query.where(Ticket.event_id == event_id, Ticket.status == TicketStatus.VALID).group_by(group).order_by(group)
    )
    return [Count(name or "General admission", sold, checked_in) for name, sold, checked_in in rows]


async def _scans(session: AsyncSession, event: Event, *, problems: bool, limit: int) -> list[LoggedScan]:
    query = (
        select(Scan, func.coalesce(User.name, ""), func.coalesce(Ticket.label, ""))
        .outerjoin(User, User.id == Scan.staff_id)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .where(Scan.event_id == event.id)
    )
    if problems:
        query = query.where(Scan.result.in_([ScanResult.INVALID, ScanResult.DUPLICATE]))
    rows = await session.execute(query.order_by(Scan.received_at.desc()).limit(limit))
    return [LoggedScan(scan, staff, label, logged_message(event, scan.reason)) for scan, staff, label in rows]


async def door_stats(session: AsyncSession, event: Event) -> DoorStats:
    totals = (
        await session.execute(
            select(func.count(), func.count(case((Ticket.checked_in_at.is_not(None), 1)))).where(
                Ticket.event_id == event.id, Ticket.status == TicketStatus.VALID
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
                .where(Scan.event_id == event.id, Scan.result == ScanResult.VALID, Scan.scanned_at >= since)
                .group_by(minute)
            )
        ).all()
    )
    per_minute = [(since + timedelta(minutes=n), 0) for n in range(CHART_MINUTES)]
    per_minute = [
        (at, next((c for m, c in counted.items() if m.replace(tzinfo=at.tzinfo) == at), 0)) for at, _ in per_minute
    ]
    sections = section_names(event.id)
    return DoorStats(
        sold=totals[0],
        checked_in=totals[1],
        by_tier=await _counts(session, event.id, Ticket.tier_name),
        by_section=await _counts(session, event.id, sections.c.section, sections),
        per_minute=per_minute,
        recent=await _scans(session, event, problems=False, limit=15),
        problems=await _scans(session, event, problems=True, limit=10),
    )


async def door_news(
    hub: LiveHub,
    counts: SharedReading[uuid.UUID, DoorStats],
    sessionmaker: async_sessionmaker[AsyncSession],
    event: Event,
) -> AsyncGenerator[DoorStats | None, None]:
    """The numbers as of now, then again after every burst of scans (or when live news was interrupted); None
    after a quiet while (a keepalive). Counts are shared by the viewers woken by the same news."""

    async def count() -> DoorStats:
        async with sessionmaker() as session:
            return await door_stats(session, event)

    async with hub.listen(checkins_channel(event.id)) as queue:
        # Subscribed first, then the numbers: a scan between page load and here is not missed.
        yield await counts.get(event.id, count, taken_after=time.monotonic())
        while True:
            try:
                news = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield None
                continue
            await asyncio.sleep(BURST_SECONDS)
            while not queue.empty():
                queue.get_nowait()
            yield await counts.get(event.id, count, taken_after=news.at)
