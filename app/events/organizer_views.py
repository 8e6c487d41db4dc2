"""What the organizer's event page and its fragments show (the details form, the tiers card, the status card);
the routes in manage.py decide which to render."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.events import service
from app.events.models import Category, Event
from app.events.publishing import seat_categories_of
from app.money import CURRENCIES
from app.timeutil import all_timezones, input_value
from app.venues.layouts import layout_choices
from app.venues.service import list_venues
from app.web import page

CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]
# htmx events the fragments of the event page listen to (hx-trigger="... from:body"), sent as HX-Trigger.
TIERS_CHANGED = {"HX-Trigger": "tiers-changed"}
STATUS_CHANGED = {"HX-Trigger": "status-changed"}


async def event_form_context(db: AsyncSession, user: Actor, organization_id: uuid.UUID) -> dict:
    return {
        "venues": await list_venues(db, user, organization_id),
        "layouts": await layout_choices(db, user, organization_id),
        "categories": [c.value for c in Category],
        "timezones": all_timezones(),
    }


def event_form_values(event: Event) -> dict[str, str]:
    return {
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "category": event.category,
        "tags": ", ".join(event.tags),
        "timezone": event.timezone,
        "venue_id": str(event.venue_id) if event.venue_id else "",
        "online_url": event.online_url or "",
        "layout_version_id": str(event.layout_version_id) if event.layout_version_id else "",
        **{
            name: input_value(getattr(event, name), event.timezone)
            for name in ("starts_at", "ends_at", "sales_start_at", "sales_end_at")
        },
    }


def can_edit(user: Actor, event: Event) -> bool:
    return user.role_in(event.organization_id).at_least(Role.MANAGER)


async def event_page(db: AsyncSession, user: Actor, event: Event, status_code: int = 200, **extra: Any) -> Template:
    """The whole management page; `extra` carries a form's values and errors (`form`/`errors` for the details,
    `tier_form`/`tier_errors` for a new tier, `editing_tier_id`/`tier_edit_form`/`tier_edit_errors` for one)."""
    org = next(o for o in user.organizations if o.id == event.organization_id)
    context = await event_form_context(db, user, org.id)
    return page(
        "events/event_manage.html",
        status_code=status_code,
        org=org,
        event=event,
        form=extra.pop("form", None) or event_form_values(event),
        problems=await service.publish_problems(db, event),
        currency_choices=CURRENCY_CHOICES,
        seat_categories=await seat_categories_of(db, event),
        can_edit=can_edit(user, event),
        **context,
        **extra,
    )


async def tiers_card(
    db: AsyncSession, user: Actor, event: Event, status_code: int = 200, headers: dict | None = None, **extra: Any
) -> Template:
    return page(
        "events/_tiers.html",
        status_code=status_code,
        headers=headers,
        event=event,
        currency_choices=CURRENCY_CHOICES,
        seat_categories=await seat_categories_of(db, event),
        can_edit=can_edit(user, event),
        **extra,
    )


async def tier_row_editor(db: AsyncSession, event: Event, tier_id: uuid.UUID, status_code: int = 200, **extra: Any):
    """One tier's row as an edit form (htmx swaps it in place of the row)."""
    return page(
        "events/_tier_edit.html",
        status_code=status_code,
        event=event,
        tier=next(t for t in event.tiers if t.id == tier_id),
        currency_choices=CURRENCY_CHOICES,
        seat_categories=await seat_categories_of(db, event),
        **extra,
    )


async def status_card(db: AsyncSession, user: Actor, event: Event, headers: dict | None = None) -> Template:
    return page(
        "events/_status.html",
        headers=headers,
        event=event,
        problems=await service.publish_problems(db, event),
        can_edit=can_edit(user, event),
    )
