"""Public pages: the event listing with search and filters, event details, a series' dates, cover images."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from litestar import Request, Response, Router, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.events import covers, series_public, service
from app.events.availability import event_availability
from app.events.listing import ListingFilter, list_public_events
from app.events.models import Category, Event
from app.validation import FieldErrors
from app.web import page

# Higher layers (inventory) add their part of the event page, as they add publish steps (service.on_first_publish).
EventPagePart = Callable[[Request, AsyncSession, Event], Awaitable[dict[str, Any]]]
_page_parts: list[EventPagePart] = []


def on_event_page(part: EventPagePart) -> EventPagePart:
    """Register a function whose context the event page renders with."""
    _page_parts.append(part)
    return part


def parse_filter(
    q: str | None, category: str | None, date_from: str | None, date_to: str | None, page_number: int | None
) -> tuple[ListingFilter, dict[str, str]]:
    """Unreadable filter values are ignored with a note instead of failing the whole listing."""
    errors = FieldErrors()
    parsed: dict[str, date | None] = {}
    for name, raw in (("date_from", date_from), ("date_to", date_to)):
        try:
            parsed[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors.add(name, "Use a date such as 2026-12-31.")
            parsed[name] = None
    if category and category not in {c.value for c in Category}:
        errors.add("category", "Unknown category.")
        category = ""
    criteria = ListingFilter(
        q=(q or "")[:100],
        category=category or "",
        date_from=parsed["date_from"],
        date_to=parsed["date_to"],
        page=max(page_number or 1, 1),
    )
    return criteria, errors.errors


@get("/")
async def listing(
    db: AsyncSession,
    actor: Actor,
    q: str | None = None,
    category: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    page_number: int | None = Parameter(query="page", default=None, ge=1, le=10_000),
) -> Template:
    criteria, errors = parse_filter(q, category, date_from, date_to, page_number)
    events, has_more = await list_public_events(db, criteria)
    context = {
        "events": events,
        "series": await series_public.listed_series(db, events),
        "availability": await event_availability(db, events),
        "has_more": has_more,
        "criteria": criteria,
        "errors": errors,
        "categories": [c.value for c in Category],
    }
    return page("events/listing.html", status_code=422 if errors else 200, **context)


@get("/events/{slug:str}")
async def event_detail(request: Request, db: AsyncSession, actor: Actor, slug: str) -> Template:
    event = await service.get_public_event(db, slug)
    context: dict[str, Any] = {"event": event, "availability": (await event_availability(db, [event]))[event.id]}
    for part in _page_parts:
        context |= await part(request, db, event)
    return page("events/detail.html", **context)


@get("/series/{series_slug:str}")
async def series_detail(db: AsyncSession, actor: Actor, series_slug: str) -> Template:
    series, dates = await series_public.public_series(db, series_slug)
    return page("events/series_detail.html", series=series, dates=dates)


@get("/events/{slug:str}/cover.jpg")
async def cover_image(db: AsyncSession, actor: Actor, slug: str) -> Response:
    cover = await covers.cover_for(db, actor, slug)
    return Response(
        cover.data,
        media_type=cover.content_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


public_event_routes = [
    Router(path="/", include_in_schema=False, route_handlers=[listing, event_detail, series_detail, cover_image])
]
