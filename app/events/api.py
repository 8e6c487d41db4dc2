"""JSON API /api/v1: public event listing and details; organizer writes with `Authorization: Bearer <token>`."""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import datetime

import msgspec
from litestar import Router, delete, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.api_schema import TOKEN_OPTIONAL, TOKEN_REQUIRED, refusals
from app.config import Settings
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.events import listing, series_public, service
from app.events.models import Event, EventStatus, PriceTier
from app.events.pages import parse_filter
from app.money import format_money


class TierOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    description: str
    price_minor: int
    currency: str
    price_display: str
    capacity: int | None
    seat_category: str | None
    sales_start_at: datetime | None
    sales_end_at: datetime | None
    sort_order: int
    price_type: str  # "" unless the seats have several prices (Adult, Child, ...)
    quantity_limit: int | None  # early bird: only the first N tickets at this price
    left: int | None  # tickets left at this price when limited
    state: str  # upcoming | on_sale | sold_out | ended


class VenueOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    address: str
    timezone: str


class EventOut(msgspec.Struct):
    slug: str
    title: str
    description: str
    category: str
    tags: list[str]
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    sales_start_at: datetime | None
    sales_end_at: datetime | None
    online_url: str | None
    venue: VenueOut | None
    cover_url: str | None
    url: str
    tiers: list[TierOut]


class EventPage(msgspec.Struct):
    events: list[EventOut]
    page: int
    has_more: bool


class StatusChange(msgspec.Struct, forbid_unknown_fields=True):
    status: EventStatus


class EventPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields present are changed."""

    title: str | msgspec.UnsetType = msgspec.UNSET
    starts_at: datetime | msgspec.UnsetType = msgspec.UNSET
    ends_at: datetime | msgspec.UnsetType = msgspec.UNSET
    timezone: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    category: str | msgspec.UnsetType = msgspec.UNSET
    tags: list[str] | msgspec.UnsetType = msgspec.UNSET
    slug: str | msgspec.UnsetType = msgspec.UNSET
    venue_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    sales_start_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    sales_end_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    online_url: str | msgspec.UnsetType | None = msgspec.UNSET


class TierPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    price_minor: int | msgspec.UnsetType = msgspec.UNSET
    currency: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    capacity: int | msgspec.UnsetType | None = msgspec.UNSET
    seat_category: str | msgspec.UnsetType | None = msgspec.UNSET
    sales_start_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    sales_end_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    sort_order: int | msgspec.UnsetType = msgspec.UNSET
    price_type: str | msgspec.UnsetType = msgspec.UNSET
    quantity_limit: int | msgspec.UnsetType | None = msgspec.UNSET


def tier_out(tier: PriceTier) -> TierOut:
    return TierOut(
        id=tier.id,
        name=tier.name,
        description=tier.description,
        price_minor=tier.price_minor,
        currency=tier.currency,
        price_display=format_money(tier.price_minor, tier.currency),
        capacity=tier.capacity,
        seat_category=tier.seat_category,
        sales_start_at=tier.sales_start_at,
        sales_end_at=tier.sales_end_at,
        sort_order=tier.sort_order,
        price_type=tier.price_type,
        quantity_limit=tier.quantity_limit,
        left=tier.left,
        state=tier.sales_state(),
    )


def _venue_out(event: Event) -> VenueOut | None:
    venue = event.venue
    return VenueOut(id=venue.id, name=venue.name, address=venue.address, timezone=venue.timezone) if venue else None


def event_out(event: Event, base_url: str, *, organizer: bool = False) -> EventOut:
    """The access URL of an online event is for its organizers (ticket holders find it on their ticket)."""
    return EventOut(
        slug=event.slug,
        title=event.title,
        description=event.description,
        category=event.category,
        tags=list(event.tags),
        status=event.status,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        sales_start_at=event.sales_start_at,
        sales_end_at=event.sales_end_at,
        online_url=event.online_url if organizer else None,
        venue=_venue_out(event),
        cover_url=f"{base_url}/events/{event.slug}/cover.jpg?v={event.cover_version}" if event.cover_version else None,
        url=f"{base_url}/events/{event.slug}",
        tiers=[tier_out(t) for t in event.tiers],
    )


class SeriesDateOut(msgspec.Struct):
    slug: str
    starts_at: datetime
    ends_at: datetime
    status: str
    availability: series_public.Availability
    places_left: int | None
    venue: VenueOut | None
    url: str
    seats_url: str | None


class SeriesOut(msgspec.Struct):
    slug: str
    title: str
    description: str
    timezone: str
    url: str
    dates: list[SeriesDateOut]


def _only_organization(actor: Actor) -> uuid.UUID:
    """API writes act for the token's organization."""
    if not actor.via_api_token:
        raise PermissionDenied("Send an API token: Authorization: Bearer <token>.")
    return actor.organizations[0].id


@get("/events", summary="List published upcoming events", responses=refusals(400, 422))
async def list_events(
    db: AsyncSession,
    settings: Settings,
    q: str | None = None,
    category: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    page_number: int | None = Parameter(query="page", default=None, ge=1, le=10_000),
) -> EventPage:
    criteria, errors = parse_filter(q, category, date_from, date_to, page_number)
    if errors:
        raise ValidationFailed(errors, "Some filters are not valid.")
    events, has_more = await listing.list_public_events(db, criteria)
    return EventPage(events=[event_out(e, settings.base_url) for e in events], page=criteria.page, has_more=has_more)


@get(
    "/events/{slug:str}",
    summary="One public event, or any event of the token's organization",
    security=TOKEN_OPTIONAL,
    responses=refusals(400, 401, 404),
)
async def get_event(db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> EventOut:
    if actor.via_api_token:
        with suppress(NotFound):  # another organization's token sees what anyone sees
            return event_out(await service.get_event_for(db, actor, slug), settings.base_url, organizer=True)
    return event_out(await service.get_public_event(db, slug), settings.base_url)


@get(
    "/series/{series_slug:str}",
    summary="A series and its upcoming public dates with availability",
    responses=refusals(400, 404),
)
async def get_series(db: AsyncSession, settings: Settings, series_slug: str) -> SeriesOut:
    series, dates = await series_public.public_series(db, series_slug)
    base = settings.base_url
    return SeriesOut(
        slug=series.slug,
        title=series.title,
        description=series.description,
        timezone=series.timezone,
        url=f"{base}/series/{series.slug}",
        dates=[
            SeriesDateOut(
                slug=d.event.slug,
                starts_at=d.event.starts_at,
                ends_at=d.event.ends_at,
                status=d.event.status,
                availability=d.availability,
                places_left=d.places.left if d.places else None,
                venue=_venue_out(d.event),
                url=f"{base}/events/{d.event.slug}",
                seats_url=f"{base}/events/{d.event.slug}/seats" if d.event.layout_version_id else None,
            )
            for d in dates
        ],
    )


@post("/events", summary="Create a draft event", security=TOKEN_REQUIRED, responses=refusals(400, 401, 403, 404, 422))
async def create_event(db: AsyncSession, settings: Settings, actor: Actor, data: service.EventInput) -> EventOut:
    event = await service.create_event(db, actor, _only_organization(actor), data)
    return event_out(event, settings.base_url, organizer=True)


@patch(
    "/events/{slug:str}",
    summary="Change some fields of an event",
    security=TOKEN_REQUIRED,
    responses=refusals(400, 401, 403, 404, 409, 422),
)
async def update_event(db: AsyncSession, settings: Settings, actor: Actor, slug: str, data: EventPatch) -> EventOut:
    _only_organization(actor)
    current = service.event_input_of(await service.get_event_for(db, actor, slug))
    changed = msgspec.structs.replace(
        current, **{k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    )
    event = await service.update_event(db, actor, slug, changed)
    return event_out(event, settings.base_url, organizer=True)


@post(
    "/events/{slug:str}/status",
    summary="Publish, unpublish (draft) or cancel",
    status_code=200,
    security=TOKEN_REQUIRED,
    responses=refusals(400, 401, 403, 404, 409, 422),
)
async def change_status(db: AsyncSession, settings: Settings, actor: Actor, slug: str, data: StatusChange) -> EventOut:
    _only_organization(actor)
    event = await service.set_status(db, actor, slug, data.status)
    return event_out(event, settings.base_url, organizer=True)


@post(
    "/events/{slug:str}/tiers",
    summary="Add a price tier",
    security=TOKEN_REQUIRED,
    responses=refusals(400, 401, 403, 404, 409, 422),
)
async def add_tier(db: AsyncSession, actor: Actor, slug: str, data: service.TierInput) -> TierOut:
    _only_organization(actor)
    return tier_out(await service.add_tier(db, actor, slug, data))


@patch(
    "/events/{slug:str}/tiers/{tier_id:uuid}",
    summary="Change some fields of a price tier",
    security=TOKEN_REQUIRED,
    responses=refusals(400, 401, 403, 404, 409, 422),
)
async def update_tier(db: AsyncSession, actor: Actor, slug: str, tier_id: uuid.UUID, data: TierPatch) -> TierOut:
    _only_organization(actor)
    event = await service.get_event_for(db, actor, slug)
    tier = next((t for t in event.tiers if t.id == tier_id), None)
    if tier is None:
        raise NotFound("Price tier not found.")
    changed = msgspec.structs.replace(
        service.tier_input_of(tier),
        **{k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET},
    )
    return tier_out(await service.update_tier(db, actor, slug, tier_id, changed))


@delete(
    "/events/{slug:str}/tiers/{tier_id:uuid}",
    summary="Remove a price tier",
    security=TOKEN_REQUIRED,
    responses=refusals(400, 401, 403, 404, 409),
)
async def delete_tier(db: AsyncSession, actor: Actor, slug: str, tier_id: uuid.UUID) -> None:
    _only_organization(actor)
    await service.delete_tier(db, actor, slug, tier_id)


event_api_routes = [
    Router(
        path="/api/v1",
        tags=["events"],
        route_handlers=[
            list_events,
            get_event,
            get_series,
            create_event,
            update_event,
            change_status,
            add_tier,
            update_tier,
            delete_tier,
        ],
    )
]
