"""Events and price tiers: the organizer's rules (who may change what, and when)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.db import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.events.models import Category, Event, EventSeries, EventStatus, PriceTier
from app.events.publishing import publish_problems, seat_categories_of
from app.money import is_supported_currency
from app.timeutil import is_valid_timezone, local_to_utc
from app.validation import FieldErrors, is_valid_slug, slugify
from app.venues.layouts import version_of_organization
from app.venues.models import Venue

MAX_TAGS = 10

PublishStep = Callable[[AsyncSession, Event], Awaitable[object]]
# Inventory (a higher layer) puts an event's seats on sale when it is first published. It registers its step here,
# so events never imports it (layers: events < seating).
_first_publish_steps: list[PublishStep] = []


def on_first_publish(step: PublishStep) -> PublishStep:
    """Run `step` inside the transaction that publishes an event for the first time."""
    _first_publish_steps.append(step)
    return step


# A price tier added after first publication joins the inventory the same way (a GA tier gets its places).
_tier_added_steps: list[PublishStep] = []


def on_tier_added(step: PublishStep) -> PublishStep:
    """Run `step` inside the transaction that adds a tier to an event published before."""
    _tier_added_steps.append(step)
    return step


class EventInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What an organizer sets on an event. Naive datetimes are wall-clock times in `timezone`."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    description: str = ""
    category: str = Category.OTHER.value
    tags: list[str] = msgspec.field(default_factory=list)
    slug: str | None = None
    venue_id: uuid.UUID | None = None
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    online_url: str | None = None
    layout_version_id: uuid.UUID | None = None


class TierInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A price tier; exactly one of `capacity` (general admission) or `seat_category` (seated)."""

    name: str
    price_minor: int
    currency: str
    description: str = ""
    capacity: int | None = None
    seat_category: str | None = None
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    sort_order: int = 0
    price_type: str = ""  # Adult, Child, ...: several tiers of one seat category, one per price type
    quantity_limit: int | None = None  # early bird: only the first N tickets at this price


def _as_utc(moment: datetime | None, timezone: str) -> datetime | None:
    if moment is None or moment.tzinfo is not None or not is_valid_timezone(timezone):
        return moment
    return local_to_utc(moment, timezone)


def _check_window(errors: FieldErrors, start: datetime | None, end: datetime | None, end_field: str) -> None:
    if start and end and start.tzinfo and end.tzinfo and end <= start:
        errors.add(end_field, "Must be after the start.")


async def _validated_event(
    session: AsyncSession,
    organization_id: uuid.UUID,
    data: EventInput,
    errors: FieldErrors | None = None,
    *,
    current: Event | None = None,
) -> EventInput:
    errors = errors or FieldErrors()
    title = errors.text("title", data.title, max_length=200)
    description = errors.text("description", data.description, max_length=20_000, required=False)
    timezone = (data.timezone or "").strip()
    if not is_valid_timezone(timezone):
        errors.add("timezone", "Choose a timezone such as Europe/Berlin.")
    if data.category not in {c.value for c in Category}:
        errors.add("category", "Choose one of the listed categories.")
    tags = sorted({t.strip().lower() for t in data.tags if t.strip()})
    if len(tags) > MAX_TAGS:
        errors.add("tags", f"At most {MAX_TAGS} tags.")
    elif any(len(t) > 40 for t in tags):
        errors.add("tags", "Each tag has at most 40 characters.")
    starts_at = _as_utc(errors.moment("starts_at", data.starts_at), timezone)
    ends_at = _as_utc(errors.moment("ends_at", data.ends_at), timezone)
    sales_start = _as_utc(errors.moment("sales_start_at", data.sales_start_at), timezone)
    sales_end = _as_utc(errors.moment("sales_end_at", data.sales_end_at), timezone)
    _check_window(errors, starts_at, ends_at, "ends_at")
    _check_window(errors, sales_start, sales_end, "sales_end_at")
    if sales_end and ends_at and sales_end.tzinfo and ends_at.tzinfo and sales_end > ends_at:
        errors.add("sales_end_at", "Sales cannot end after the event ends.")
    online_url = (data.online_url or "").strip() or None
    if online_url and (not online_url.startswith(("https://", "http://")) or len(online_url) > 500):
        errors.add("online_url", "Enter a full web address starting with https://.")
    slug = (data.slug or "").strip().lower() or None
    if slug is not None and not is_valid_slug(slug):
        errors.add("slug", "Use lower-case letters, digits and dashes only.")
    elif slug is None:
        slug = current.slug if current else await free_slug(session, slugify(title or "event", 100))
    if (
        slug
        and slug != (current.slug if current else None)
        and await session.scalar(select(Event.id).where(Event.slug == slug))
    ):
        errors.add("slug", "This web address is taken; choose another.")
    if data.venue_id is not None:
        venue = await session.get(Venue, data.venue_id)
        if venue is None or venue.organization_id != organization_id:
            errors.add("venue_id", "Choose one of your organization's venues.")
    if data.layout_version_id != (current.layout_version_id if current else None):
        if current is not None and current.first_published_at is not None:
            errors.add("layout_version_id", "The seat map is fixed once the event has been published.")
        elif data.layout_version_id is not None:
            try:
                await version_of_organization(session, organization_id, data.layout_version_id)
            except NotFound:
                errors.add("layout_version_id", "Choose one of your organization's seat maps.")
    errors.raise_if_any()
    return EventInput(
        title=title,
        description=description,
        category=data.category,
        tags=tags,
        slug=slug,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        venue_id=data.venue_id,
        sales_start_at=sales_start,
        sales_end_at=sales_end,
        online_url=online_url,
        layout_version_id=data.layout_version_id,
    )


async def free_slug(session: AsyncSession, base: str, model: type[Event] | type[EventSeries] = Event) -> str:
    """`base`, or `base-2`, `base-3`… : the first web address no event (or series) has taken."""
    slug, n = base, 1
    while await session.scalar(select(model.id).where(model.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(event: Event, data: EventInput) -> None:
    for field_name in EventInput.__struct_fields__:
        setattr(event, field_name, getattr(data, field_name))


async def _commit_event(session: AsyncSession) -> None:
    try:
        await session.commit()
    except IntegrityError as exc:  # a concurrent save took the slug between our check and the commit
        await session.rollback()
        raise ValidationFailed({"slug": "This web address is taken; choose another."}) from exc


async def create_event(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    data: EventInput,
    errors: FieldErrors | None = None,
) -> Event:
    actor.require(organization_id, Role.MANAGER, what="Organization")
    valid = await _validated_event(session, organization_id, data, errors)
    event = Event(id=uuid.uuid4(), organization_id=organization_id, status=EventStatus.DRAFT, tiers=[])
    _apply(event, valid)
    session.add(event)
    await _commit_event(session)
    return event


async def get_event_for(
    session: AsyncSession, actor: Actor, slug: str, minimum: Role = Role.DOOR, *, lock: bool = False
) -> Event:
    """An event of one of the actor's organizations; anything else is 'not found'."""
    query = select(Event).where(Event.slug == slug, Event.organization_id.in_(actor.organization_ids()))
    if lock:
        query = query.with_for_update(of=Event)
    event = await session.scalar(query)
    if event is None:
        raise NotFound("Event not found.")
    actor.require(event.organization_id, minimum)
    return event


async def update_event(
    session: AsyncSession, actor: Actor, slug: str, data: EventInput, errors: FieldErrors | None = None
) -> Event:
    event = await get_event_for(session, actor, slug, Role.MANAGER, lock=True)
    if event.status == EventStatus.CANCELLED:
        raise Conflict("A cancelled event cannot be edited.")
    valid = await _validated_event(session, event.organization_id, data, errors, current=event)
    _apply(event, valid)
    await _commit_event(session)
    return event


def event_input_of(event: Event) -> EventInput:
    return EventInput(**{name: getattr(event, name) for name in EventInput.__struct_fields__})


async def set_status(session: AsyncSession, actor: Actor, slug: str, target: EventStatus) -> Event:
    event = await get_event_for(session, actor, slug, Role.MANAGER, lock=True)
    if event.status == target:
        return event  # repeated clicks and re-sent forms change nothing
    if event.status == EventStatus.CANCELLED:
        raise Conflict("This event is cancelled; it cannot be published again.")
    if target == EventStatus.PUBLISHED:
        if problems := await publish_problems(session, event):
            raise Conflict("Cannot publish yet: " + " ".join(problems))
        if event.first_published_at is None:
            for step in _first_publish_steps:
                await step(session, event)
            event.first_published_at = utcnow()
    event.status = target
    await session.commit()
    return event


async def list_organization_events(session: AsyncSession, actor: Actor, organization_id: uuid.UUID) -> list[Event]:
    actor.require(organization_id, Role.DOOR, what="Organization")
    return list(
        await session.scalars(
            select(Event).where(Event.organization_id == organization_id).order_by(Event.starts_at.desc())
        )
    )


# --- price tiers -------------------------------------------------------------------------------------------


def _check_seat_category(errors: FieldErrors, category: str, known: dict[str, str] | None) -> None:
    """A seated tier sells one of the event's seat map categories (`known`: key -> display name)."""
    if known is None:
        errors.add(
            "seat_category", "This event has no seat map: choose one under Details first, or sell general admission."
        )
    elif category not in known:
        choices = ", ".join(f"{name} ({key})" for key, name in known.items())
        errors.add("seat_category", f"Choose one of the seat map's categories: {choices}.")


def _validated_tier(
    errors: FieldErrors,
    data: TierInput,
    event: Event,
    tier_id: uuid.UUID | None,
    seat_categories: dict[str, str] | None,
) -> TierInput:
    name = errors.text("name", data.name, max_length=120)
    description = errors.text("description", data.description, max_length=2000, required=False)
    currency = (data.currency or "").strip().upper()
    if not is_supported_currency(currency):
        errors.add("currency", "Choose a supported ISO currency such as EUR.")
    elif any(t.currency != currency for t in event.tiers if t.id != tier_id):
        errors.add("currency", f"All tiers of an event use one currency ({event.tiers[0].currency}).")
    if not 0 <= data.price_minor <= 10_000_000_00:
        errors.add("price", "Enter a price from 0 upwards.")
    seat_category = (data.seat_category or "").strip() or None
    if (data.capacity is None) == (seat_category is None):
        errors.add("capacity", "Give either a capacity (general admission) or a seat category, not both.")
    elif data.capacity is not None and not 1 <= data.capacity <= 1_000_000:
        errors.add("capacity", "Enter a capacity from 1 to 1,000,000.")
    if seat_category:
        _check_seat_category(errors, seat_category, seat_categories)
    price_type = errors.text("price_type", data.price_type, max_length=60, required=False)
    sold = next((t.sold_count for t in event.tiers if t.id == tier_id), 0)
    if data.quantity_limit is not None and not max(sold, 1) <= data.quantity_limit <= 1_000_000:
        errors.add("quantity_limit", f"Enter a number of tickets from {max(sold, 1)} (already sold) to 1,000,000.")
    sales_start = _as_utc(errors.moment("sales_start_at", data.sales_start_at), event.timezone)
    sales_end = _as_utc(errors.moment("sales_end_at", data.sales_end_at), event.timezone)
    _check_window(errors, sales_start, sales_end, "sales_end_at")
    errors.raise_if_any()
    return TierInput(
        name=name,
        description=description,
        price_minor=data.price_minor,
        currency=currency,
        capacity=data.capacity,
        seat_category=seat_category,
        sales_start_at=sales_start,
        sales_end_at=sales_end,
        sort_order=data.sort_order,
        price_type=price_type,
        quantity_limit=data.quantity_limit,
    )


async def add_tier(
    session: AsyncSession, actor: Actor, slug: str, data: TierInput, errors: FieldErrors | None = None
) -> PriceTier:
    event = await get_event_for(session, actor, slug, Role.MANAGER, lock=True)
    if event.status == EventStatus.CANCELLED:
        raise Conflict("A cancelled event cannot be edited.")
    valid = _validated_tier(errors or FieldErrors(), data, event, None, await seat_categories_of(session, event))
    tier = PriceTier(id=uuid.uuid4(), event_id=event.id, **msgspec.structs.asdict(valid))
    event.tiers.append(tier)
    if event.first_published_at is not None:
        await session.flush()
        for step in _tier_added_steps:
            await step(session, event)
    await session.commit()
    return tier


async def _tier_of(session: AsyncSession, actor: Actor, slug: str, tier_id: uuid.UUID) -> tuple[Event, PriceTier]:
    event = await get_event_for(session, actor, slug, Role.MANAGER, lock=True)
    tier = next((t for t in event.tiers if t.id == tier_id), None)
    if tier is None:
        raise NotFound("Price tier not found.")
    if event.status == EventStatus.CANCELLED:
        raise Conflict("A cancelled event cannot be edited.")
    return event, tier


async def update_tier(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    tier_id: uuid.UUID,
    data: TierInput,
    errors: FieldErrors | None = None,
) -> PriceTier:
    event, tier = await _tier_of(session, actor, slug, tier_id)
    errors = errors or FieldErrors()
    if event.first_published_at is not None and tier.capacity is not None and data.capacity != tier.capacity:
        errors.add("capacity", "A general-admission tier's capacity is fixed once the event has been published.")
    valid = _validated_tier(errors, data, event, tier.id, await seat_categories_of(session, event))
    for name, value in msgspec.structs.asdict(valid).items():
        setattr(tier, name, value)
    await session.commit()
    return tier


async def delete_tier(session: AsyncSession, actor: Actor, slug: str, tier_id: uuid.UUID) -> Event:
    event, tier = await _tier_of(session, actor, slug, tier_id)
    if event.status == EventStatus.PUBLISHED and len(event.tiers) == 1:
        raise Conflict("A published event needs at least one price tier; unpublish it first.")
    event.tiers.remove(tier)
    await session.commit()
    return event


def tier_input_of(tier: PriceTier) -> TierInput:
    return TierInput(**{name: getattr(tier, name) for name in TierInput.__struct_fields__})


# --- public listing ----------------------------------------------------------------------------------------


async def get_public_event(session: AsyncSession, slug: str, *, with_tiers: bool = True) -> Event:
    """Published and cancelled events are public (ticket holders must learn of a cancellation); drafts are not.
    Without tiers for the hot paths that need only the event row."""
    query = select(Event).where(Event.slug == slug, Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
    if not with_tiers:
        query = query.options(raiseload(Event.tiers), raiseload(Event.venue))
    event = await session.scalar(query)
    if event is None:
        raise NotFound("Event not found.")
    return event
