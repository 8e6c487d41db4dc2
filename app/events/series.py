"""Series of dates: one template of tiers and checkout settings, each date a whole Event of its own.

Every change is one transaction: the series row is locked first, then its dates in id order. Dates are
created as drafts and published with the events' own rules (`publish_series`), one date per transaction, so a
date that cannot be published yet never blocks the others.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.events import service
from app.events.models import Category, Event, EventSeries, EventStatus, PriceTier
from app.events.series_categories import common_seat_categories
from app.money import is_supported_currency
from app.timeutil import is_valid_timezone, local_to_utc
from app.validation import FieldErrors, is_valid_slug, slugify
from app.venues.layouts import version_of_organization
from app.venues.models import Venue

MAX_DATES = 200
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class TemplateTier(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A tier every date gets: exactly one of `capacity` (general admission) or `seat_category`."""

    name: str
    price_minor: int
    currency: str
    description: str = ""
    capacity: int | None = None
    seat_category: str | None = None
    sort_order: int = 0


class DateInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One date; naive times are wall-clock times in the series' timezone. `capacity` replaces the template's
    general-admission capacities for this date."""

    starts_at: datetime
    ends_at: datetime
    venue_id: uuid.UUID | None = None
    layout_version_id: uuid.UUID | None = None
    capacity: int | None = None


class TemplateInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str
    tiers: list[TemplateTier]
    description: str = ""
    fee_percent_bp: int = 0
    fee_fixed_minor: int = 0


class SeriesInput(TemplateInput, forbid_unknown_fields=True, kw_only=True):
    timezone: str
    dates: list[DateInput]
    category: str = Category.OTHER.value
    slug: str | None = None
    online_url: str | None = None


@dataclass(frozen=True)
class WeeklyRule:
    """Every chosen weekday from `first_day` to `last_day`, at the same local wall-clock times."""

    first_day: date
    last_day: date
    weekdays: Sequence[str]
    start_time: time
    end_time: time
    venue_id: uuid.UUID | None = None
    layout_version_id: uuid.UUID | None = None
    capacity: int | None = None


def weekly_dates(rule: WeeklyRule, errors: FieldErrors) -> list[DateInput]:
    """The rule's dates in local time (a date after a DST change keeps its wall-clock time); none, with the
    problems added to `errors`, when the rule is invalid."""
    known = len(errors.errors)
    if unknown := [d for d in rule.weekdays if d not in WEEKDAYS]:
        errors.add("weekdays", f"Unknown weekday {unknown[0][:20]}; choose from Monday to Sunday.")
    elif not rule.weekdays:
        errors.add("weekdays", "Choose at least one weekday.")
    if rule.last_day < rule.first_day:
        errors.add("last_day", "Must be on or after the first day.")
    if rule.end_time <= rule.start_time:
        errors.add("end_time", "Must be after the start time.")
    if (rule.last_day - rule.first_day).days > 7 * MAX_DATES:
        errors.add("last_day", f"A series has at most {MAX_DATES} dates; choose a shorter period.")
    if len(errors.errors) > known:
        return []
    chosen = {WEEKDAYS.index(d) for d in rule.weekdays}
    days = (rule.first_day + timedelta(n) for n in range((rule.last_day - rule.first_day).days + 1))
    return [
        DateInput(
            starts_at=datetime.combine(day, rule.start_time),
            ends_at=datetime.combine(day, rule.end_time),
            venue_id=rule.venue_id,
            layout_version_id=rule.layout_version_id,
            capacity=rule.capacity,
        )
        for day in days
        if day.weekday() in chosen
    ]


# --- creating a series and its dates ---------------------------------------------------------------------------


def _check_seat_category(errors: FieldErrors, tier: TemplateTier, known: dict[str, str] | None) -> None:
    """A seated template tier sells one of the series' seat map categories (`known`: key -> display name)."""
    category = (tier.seat_category or "").strip()
    if known is None:
        errors.add("tiers", f"Tier {tier.name!r}: the series has no seat map; choose one, or give a capacity.")
    elif not known:
        errors.add("tiers", f"Tier {tier.name!r}: the dates' seat maps share no category; give a capacity.")
    elif category not in known:
        choices = ", ".join(f"{name} ({key})" for key, name in known.items())
        errors.add("tiers", f"Tier {tier.name!r}: choose one of the seat map's categories: {choices}.")


def _validated_tiers(
    errors: FieldErrors, tiers: list[TemplateTier], known: dict[str, str] | None
) -> list[TemplateTier]:
    if not tiers:
        errors.add("tiers", "Add at least one price tier.")
    currencies = {t.currency.strip().upper() for t in tiers}
    if len(currencies) > 1:
        errors.add("tiers", "All tiers of a series use one currency.")
    elif tiers and not is_supported_currency(next(iter(currencies))):
        errors.add("tiers", "Choose a supported ISO currency such as EUR.")
    names = [t.name.strip() for t in tiers]
    if any(not n or len(n) > 120 for n in names) or len({n.lower() for n in names}) != len(names):
        errors.add("tiers", "Give each tier its own name (at most 120 characters).")
    for t in tiers:
        if not 0 <= t.price_minor <= 10_000_000_00:
            errors.add("tiers", "Enter prices from 0 upwards.")
        if (t.capacity is None) == (not (t.seat_category or "").strip()):
            errors.add("tiers", f"Tier {t.name!r}: give either a capacity or a seat category, not both.")
        elif t.capacity is not None and not 1 <= t.capacity <= 1_000_000:
            errors.add("tiers", f"Tier {t.name!r}: enter a capacity from 1 to 1,000,000.")
        elif t.capacity is None:
            _check_seat_category(errors, t, known)
    return [
        msgspec.structs.replace(
            t,
            name=t.name.strip(),
            currency=t.currency.strip().upper(),
            seat_category=(t.seat_category or "").strip() or None,
        )
        for t in tiers
    ]


def validated_template(
    errors: FieldErrors, data: TemplateInput, seat_categories: dict[str, str] | None
) -> TemplateInput:
    """`seat_categories`: those the series' seat map has (key -> display name), None without a seat map."""
    title = errors.text("title", data.title, max_length=200)
    description = errors.text("description", data.description, max_length=20_000, required=False)
    if not (0 <= data.fee_percent_bp <= 10_000 and 0 <= data.fee_fixed_minor <= 1_000_000):
        errors.add("fees", "Enter a fee from 0 to 100 % and a fixed fee from 0 upwards.")
    tiers = _validated_tiers(errors, data.tiers, seat_categories)
    return TemplateInput(
        title=title,
        description=description,
        tiers=tiers,
        fee_percent_bp=data.fee_percent_bp,
        fee_fixed_minor=data.fee_fixed_minor,
    )


async def _validated_dates(
    session: AsyncSession, errors: FieldErrors, organization_id: uuid.UUID, timezone: str, dates: list[DateInput]
) -> list[tuple[datetime, datetime, DateInput]]:
    """(UTC start, UTC end, date) for each date, soonest first."""
    if not dates:
        errors.add("dates", "Add at least one date.")
    if len(dates) > MAX_DATES:
        errors.add("dates", f"A series has at most {MAX_DATES} dates; this gives {len(dates)}.")
    if not is_valid_timezone(timezone) or errors.errors.get("dates"):
        return []
    now, checked, owned = utcnow(), [], set()
    for d in dates:
        starts, ends = local_to_utc(d.starts_at, timezone), local_to_utc(d.ends_at, timezone)
        if ends <= starts:
            errors.add("dates", f"{d.starts_at:%Y-%m-%d}: the end must be after the start.")
        elif ends <= now:
            errors.add("dates", f"{d.starts_at:%Y-%m-%d} is in the past.")
        if d.capacity is not None and not 1 <= d.capacity <= 1_000_000:
            errors.add("capacity", "Enter a capacity from 1 to 1,000,000.")
        for venue_id in {d.venue_id} - owned - {None}:
            venue = await session.get(Venue, venue_id)
            if venue is None or venue.organization_id != organization_id:
                errors.add("venue_id", "Choose one of your organization's venues.")
            owned.add(venue_id)
        if d.layout_version_id is not None and d.layout_version_id not in owned:
            try:
                await version_of_organization(session, organization_id, d.layout_version_id)
                owned.add(d.layout_version_id)
            except NotFound:
                errors.add("layout_version_id", "Choose one of your organization's seat maps.")
        checked.append((starts, ends, d))
    return sorted(checked, key=lambda c: c[0])


def tier_of(template: TemplateTier, capacity: int | None) -> PriceTier:
    fields = msgspec.structs.asdict(template)
    if template.capacity is not None and capacity is not None:
        fields["capacity"] = capacity
    return PriceTier(id=uuid.uuid4(), **fields)


async def _add_date(
    session: AsyncSession, series: EventSeries, starts: datetime, ends: datetime, date_input: DateInput
) -> Event:
    local_day = date_input.starts_at.date().isoformat()
    event = Event(
        id=uuid.uuid4(),
        organization_id=series.organization_id,
        series_id=series.id,
        status=EventStatus.DRAFT,
        slug=await service.free_slug(session, f"{series.slug[:100]}-{local_day}"),
        title=series.title,
        description=series.description,
        category=series.category,
        tags=[],
        timezone=series.timezone,
        starts_at=starts,
        ends_at=ends,
        venue_id=date_input.venue_id,
        layout_version_id=date_input.layout_version_id,
        online_url=series.online_url,
        fee_percent_bp=series.fee_percent_bp,
        fee_fixed_minor=series.fee_fixed_minor,
        tiers=[tier_of(TemplateTier(**t), date_input.capacity) for t in series.template_tiers],
    )
    session.add(event)
    await session.flush()  # the next date's free slug must see this one
    return event


async def create_series(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, data: SeriesInput
) -> EventSeries:
    """The series and all its dates (drafts) in one transaction; nothing is saved when anything is invalid."""
    actor.require(organization_id, Role.MANAGER, what="Organization")
    errors = FieldErrors()
    known = await common_seat_categories(session, organization_id, [d.layout_version_id for d in data.dates])
    template = validated_template(errors, data, known)
    timezone = (data.timezone or "").strip()
    if not is_valid_timezone(timezone):
        errors.add("timezone", "Choose a timezone such as Europe/Berlin.")
    if data.category not in {c.value for c in Category}:
        errors.add("category", "Choose one of the listed categories.")
    online_url = (data.online_url or "").strip() or None
    if online_url and (not online_url.startswith(("https://", "http://")) or len(online_url) > 500):
        errors.add("online_url", "Enter a full web address starting with https://.")
    slug = (data.slug or "").strip().lower() or None
    if slug is not None and not is_valid_slug(slug):
        errors.add("slug", "Use lower-case letters, digits and dashes only.")
    elif slug and await session.scalar(select(EventSeries.id).where(EventSeries.slug == slug)):
        errors.add("slug", "This web address is taken; choose another.")
    dates = await _validated_dates(session, errors, organization_id, timezone, data.dates)
    errors.raise_if_any()
    series = EventSeries(
        id=uuid.uuid4(),
        organization_id=organization_id,
        slug=slug or await service.free_slug(session, slugify(template.title, 100), EventSeries),
        timezone=timezone,
        category=data.category,
        online_url=online_url,
        title=template.title,
        description=template.description,
        fee_percent_bp=template.fee_percent_bp,
        fee_fixed_minor=template.fee_fixed_minor,
        template_tiers=[msgspec.structs.asdict(t) for t in template.tiers],
    )
    session.add(series)
    await session.flush()
    for starts, ends, date_input in dates:
        await _add_date(session, series, starts, ends, date_input)
    await session.commit()
    return series


async def series_for(
    session: AsyncSession, actor: Actor, slug: str, minimum: Role = Role.DOOR, *, lock: bool = False
) -> EventSeries:
    """A series of one of the actor's organizations; anything else is 'not found'."""
    query = select(EventSeries).where(
        EventSeries.slug == slug, EventSeries.organization_id.in_(actor.organization_ids())
    )
    series = await session.scalar(query.with_for_update() if lock else query)
    if series is None:
        raise NotFound("Series not found.")
    actor.require(series.organization_id, minimum)
    return series


async def dates_of(session: AsyncSession, series: EventSeries, *, lock: bool = False) -> list[Event]:
    query = select(Event).where(Event.series_id == series.id)
    if lock:
        return list(await session.scalars(query.order_by(Event.id).with_for_update(of=Event)))
    return list(await session.scalars(query.order_by(Event.starts_at)))


async def add_date(session: AsyncSession, actor: Actor, slug: str, data: DateInput) -> Event:
    """One more date (a draft) made from the template; one transaction."""
    series = await series_for(session, actor, slug, Role.MANAGER, lock=True)
    errors = FieldErrors()
    dates = await _validated_dates(session, errors, series.organization_id, series.timezone, [data])
    errors.raise_if_any()
    event = await _add_date(session, series, *dates[0])
    await session.commit()
    return event


async def _date_of(session: AsyncSession, actor: Actor, slug: str, date_slug: str) -> Event:
    series = await series_for(session, actor, slug, Role.MANAGER)
    event = await session.scalar(select(Event).where(Event.slug == date_slug, Event.series_id == series.id))
    if event is None:
        raise NotFound("Date not found.")
    return event


async def cancel_date(session: AsyncSession, actor: Actor, slug: str, date_slug: str) -> Event:
    """Cancel one date with the events' own rule (safe to repeat)."""
    event = await _date_of(session, actor, slug, date_slug)
    return await service.set_status(session, actor, event.slug, EventStatus.CANCELLED)


async def publish_series(session: AsyncSession, actor: Actor, slug: str) -> dict[str, str]:
    """Publish every upcoming draft date, each in its own transaction; returns {date slug: why it was not}."""
    series = await series_for(session, actor, slug, Role.MANAGER)
    refused: dict[str, str] = {}
    now = utcnow()
    drafts = [e.slug for e in await dates_of(session, series) if e.status == EventStatus.DRAFT and e.ends_at > now]
    for date_slug in drafts:  # slugs, not rows: a refusal's rollback expires the loaded rows
        try:
            await service.set_status(session, actor, date_slug, EventStatus.PUBLISHED)
        except Conflict as exc:
            await session.rollback()
            refused[date_slug] = exc.message
    return refused


async def list_organization_series(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID
) -> list[EventSeries]:
    actor.require(organization_id, Role.DOOR, what="Organization")
    query = select(EventSeries).where(EventSeries.organization_id == organization_id).order_by(EventSeries.title)
    return list(await session.scalars(query))


async def create_weekly_series(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    *,
    title: str,
    rule: WeeklyRule,
    tiers: list[TemplateTier],
    timezone: str = "Europe/Berlin",
    description: str = "",
) -> EventSeries:
    """A weekly series with every date published (the demo seed uses it); raises ValidationFailed like the form."""
    errors = FieldErrors()
    dates = weekly_dates(rule, errors)
    errors.raise_if_any()
    data = SeriesInput(title=title, description=description, timezone=timezone, tiers=tiers, dates=dates)
    created = await create_series(session, actor, organization_id, data)
    await publish_series(session, actor, created.slug)
    return created
