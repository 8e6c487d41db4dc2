"""The seat categories a series' template tier can sell: those of the seat maps its dates are sold with."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.db import utcnow
from app.errors import NotFound
from app.events.models import Event, EventSeries, EventStatus
from app.venues.layouts import layout_choices, version_of_organization
from app.venues.seatmap import parse


async def seat_categories_of_map(
    session: AsyncSession, organization_id: uuid.UUID, version_id: uuid.UUID | None
) -> dict[str, str] | None:
    """The categories of one of the organization's seat maps (a layout version), key -> display name in the map's
    order; None without a map or for someone else's."""
    if version_id is None:
        return None
    try:
        version = await version_of_organization(session, organization_id, version_id)
    except NotFound:
        return None
    return {c.key: c.name for c in parse(version.document).categories}


async def common_seat_categories(
    session: AsyncSession, organization_id: uuid.UUID, version_ids: Sequence[uuid.UUID | None]
) -> dict[str, str] | None:
    """The categories every one of these seat maps has (in the first one's order): what a template tier can sell
    on dates sold with them; None when there is no (known) map."""
    common = None
    for version_id in dict.fromkeys(v for v in version_ids if v):
        if (names := await seat_categories_of_map(session, organization_id, version_id)) is not None:
            common = names if common is None else {k: n for k, n in common.items() if k in names}
    return common


async def series_seat_categories(session: AsyncSession, series: EventSeries) -> dict[str, str] | None:
    """The categories the series' template can sell: those of the seat maps of its upcoming dates (of all its
    dates when none is upcoming), cancelled ones aside; None when they have no seat map."""
    rows = (
        await session.execute(
            select(Event.layout_version_id, Event.ends_at)
            .where(Event.series_id == series.id, Event.status != EventStatus.CANCELLED)
            .order_by(Event.starts_at)
        )
    ).all()
    now = utcnow()
    versions = [v for v, ends in rows if ends > now] or [v for v, _ in rows]
    return await common_seat_categories(session, series.organization_id, versions)


async def seat_category_choices(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, chosen: uuid.UUID | None
) -> dict[str, dict[str, str]]:
    """For the new-series form, which picks its seat map in the same form: the chosen map's categories under its
    name, or, while none is chosen, each of the organization's maps' (so a seated tier can be set up at once)."""
    choices = {}
    for layout in await layout_choices(session, actor, organization_id):
        if chosen in (None, layout.version_id):
            choices[layout.label] = await seat_categories_of_map(session, organization_id, layout.version_id) or {}
    return choices
