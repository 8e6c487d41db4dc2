"""Public pages: the event listing with search and filters, event details, a series' dates, cover images; and what
the whole public site answers besides: robots.txt, the sitemap, the accessibility statement every footer links to."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from email.utils import parseaddr
from typing import Any
from xml.sax.saxutils import escape

from litestar import Request, Response, Router, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.config import Settings
from app.events import covers, series_public, service
from app.events.availability import event_availability, what_tiers_sell
from app.events.listing import ListingFilter, list_public_events, sitemap_entries
from app.events.models import Category, Event
from app.events.sharing import event_sharing, series_sharing
from app.templating import render
from app.validation import FieldErrors
from app.viewers import SharedReading
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


async def _tier_context(db: AsyncSession, event: Event, settings: Settings) -> dict[str, Any]:
    """What the tier list shows and how often an open page refreshes it."""
    return {
        "event": event,
        "availability": (await event_availability(db, [event]))[event.id],
        "sells": await what_tiers_sell(db, event),
        "refresh_seconds": settings.availability_refresh_seconds,
    }


@get("/events/{slug:str}")
async def event_detail(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template:
    event = await service.get_public_event(db, slug)
    context = await _tier_context(db, event, settings)
    context["sharing"] = await event_sharing(db, event, context["availability"], settings.base_url)
    for part in _page_parts:
        context |= await part(request, db, event)
    return page("events/detail.html", **context)


# Viewers of one event polling in the same window share one count per process (an upper bound on the database's
# work during a flash sale even without a shared cache in front).
_tier_lists: SharedReading[uuid.UUID, str] = SharedReading()


# No session and no CSRF cookie: a response that sets a cookie must never be stored by a shared cache.
@get("/events/{slug:str}/availability", skip_session=True, exclude_from_csrf=True)
async def tier_availability(db: AsyncSession, settings: Settings, slug: str) -> Response:
    """The tier list alone, polled by open event pages. It is the same for every visitor (no cart, no session),
    so a shared cache in front of the app may answer the crowd with one request per window."""
    event = await service.get_public_event(db, slug)
    max_age = max(1, settings.availability_refresh_seconds // 2)

    async def tier_list() -> str:
        return render("events/_tiers_live.html", **await _tier_context(db, event, settings))

    html = await _tier_lists.get(event.id, tier_list, taken_after=time.monotonic() - max_age)
    return Response(html, media_type="text/html", headers={"Cache-Control": f"public, max-age={max_age}"})


@get("/series/{series_slug:str}")
async def series_detail(db: AsyncSession, settings: Settings, actor: Actor, series_slug: str) -> Template:
    series, dates = await series_public.public_series(db, series_slug)
    sharing = await series_sharing(db, series, [d.event for d in dates], settings.base_url)
    return page("events/series_detail.html", series=series, dates=dates, sharing=sharing)


@get("/events/{slug:str}/cover.jpg")
async def cover_image(db: AsyncSession, actor: Actor, slug: str) -> Response:
    cover = await covers.cover_for(db, actor, slug)
    return Response(
        cover.data,
        media_type=cover.content_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


# Organizer, door and API pages, and a buyer's carts and checkout, are nobody's search result.
PRIVATE_PATHS = (
    "/manage",
    "/scan",
    "/api/",
    "/orders/",
    "/tickets/",
    "/my/",
    "/events/*/checkout",
    "/events/*/live",
    "/dev/",
)
SITEMAP_MAX_AGE = 3600


@get("/robots.txt", media_type="text/plain")
async def robots(settings: Settings) -> Response:
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in PRIVATE_PATHS),
        f"Sitemap: {settings.base_url}/sitemap.xml",
    ]
    return Response("\n".join(lines) + "\n", headers={"Cache-Control": "public, max-age=86400"})


@get("/sitemap.xml")
async def sitemap(db: AsyncSession, settings: Settings) -> Response:
    urls = "".join(
        f"<url><loc>{escape(settings.base_url + entry.path)}</loc>"
        f"<lastmod>{entry.lastmod.date().isoformat()}</lastmod></url>"
        for entry in await sitemap_entries(db)
    )
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
    return Response(body, media_type="application/xml", headers={"Cache-Control": f"public, max-age={SITEMAP_MAX_AGE}"})


@get("/accessibility")
async def accessibility_statement(settings: Settings) -> Template:
    contact = settings.accessibility_contact or parseaddr(settings.mail_from)[1]
    return page("accessibility.html", contact=contact)


public_event_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[
            listing,
            event_detail,
            tier_availability,
            series_detail,
            cover_image,
            robots,
            sitemap,
            accessibility_statement,
        ],
    )
]
