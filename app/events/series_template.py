"""A series' template applied to its future dates: what changes where, and which dates are skipped and why.

One transaction: the series row is locked first, then its dates in id order (as in app/events/series.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.db import utcnow
from app.events.models import Event, EventSeries, EventStatus
from app.events.series import (
    TemplateInput,
    TemplateTier,
    dates_of,
    series_for,
    tier_of,
    validated_template,
)
from app.events.series_categories import series_seat_categories
from app.events.series_public import count_places
from app.validation import FieldErrors

Scope = Literal["unsold", "safe"]


@dataclass(frozen=True)
class Applied:
    changed: list[Event]
    skipped: list[tuple[Event, str]]


def _reshaped(event: Event, tiers: list[TemplateTier]) -> list[str]:
    """Tiers the template would add, remove or move to other seats on this date."""
    have = {t.name.lower() for t in event.tiers}
    wanted = {t.name.lower(): t for t in tiers}
    moved = [
        t.name
        for t in event.tiers
        if (w := wanted.get(t.name.lower())) is None
        or w.seat_category != t.seat_category
        or (w.capacity is None) != (t.capacity is None)
    ]
    return moved + [t.name for t in tiers if t.name.lower() not in have]


def _refusal(event: Event, sold: int, template: TemplateInput, scope: Scope) -> str | None:
    """Why the template is not applied to this date; None when it is."""
    if sold and scope == "unsold":
        return f"{sold} sold"
    # A published date's inventory (seats, and an area per general-admission tier) is fixed.
    if event.first_published_at and (reshaped := _reshaped(event, template.tiers)):
        already = f"{sold} sold; " if sold else ""
        return already + "published, so tiers cannot be added, removed or moved to other seats: " + ", ".join(reshaped)
    return None


def _apply_to(event: Event, template: TemplateInput) -> None:
    event.title, event.description = template.title, template.description
    event.fee_percent_bp, event.fee_fixed_minor = template.fee_percent_bp, template.fee_fixed_minor
    current = {t.name.lower(): t for t in event.tiers}
    keep = []
    for wanted in template.tiers:
        tier = current.get(wanted.name.lower())
        if tier is None:
            tier = tier_of(wanted, None)
        else:  # the date keeps its own capacity
            for name in ("name", "price_minor", "currency", "description", "seat_category", "sort_order"):
                setattr(tier, name, getattr(wanted, name))
            if (wanted.capacity is None) != (tier.capacity is None):
                tier.capacity = wanted.capacity
        keep.append(tier)
    event.tiers[:] = keep


async def update_template(
    session: AsyncSession, actor: Actor, slug: str, data: TemplateInput, scope: Scope | None
) -> Applied:
    """Save the template and, with a scope, apply it to future dates in the same transaction: 'unsold' changes
    only dates with nothing sold, 'safe' sold ones too. Titles, descriptions, fees and prices always apply;
    tiers are added, removed or moved to other seats only on dates never published (their inventory is not
    made yet). Cancelled and past dates are never changed. Safe to repeat."""
    series = await series_for(session, actor, slug, Role.MANAGER, lock=True)
    errors = FieldErrors()
    template = validated_template(errors, data, await series_seat_categories(session, series))
    errors.raise_if_any()
    series.title, series.description = template.title, template.description
    series.fee_percent_bp, series.fee_fixed_minor = template.fee_percent_bp, template.fee_fixed_minor
    series.template_tiers = [msgspec.structs.asdict(t) for t in template.tiers]
    changed, skipped = [], []
    if scope is not None:
        now = utcnow()
        future = [
            e
            for e in await dates_of(session, series, lock=True)
            if e.starts_at > now and e.status != EventStatus.CANCELLED
        ]
        sold = {
            i: p.sold for i, p in (await count_places(session, [e.id for e in future if e.first_published_at])).items()
        }
        for event in sorted(future, key=lambda e: e.starts_at):
            if why := _refusal(event, sold.get(event.id, 0), template, scope):
                skipped.append((event, why))
            else:
                _apply_to(event, template)
                changed.append(event)
    await session.commit()
    return Applied(changed, skipped)


def template_of(series: EventSeries) -> TemplateInput:
    return TemplateInput(
        title=series.title,
        description=series.description,
        fee_percent_bp=series.fee_percent_bp,
        fee_fixed_minor=series.fee_fixed_minor,
        tiers=[TemplateTier(**t) for t in series.template_tiers],
    )
