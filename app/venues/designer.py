"""The venue designer's server side: open a layout, save a new version (validated, never over someone else's
newer save), duplicate, start blank or from a sample."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import Conflict, NotFound, ValidationFailed
from app.validation import FieldErrors
from app.venues.layouts import sample_document
from app.venues.models import SeatLayout, SeatLayoutVersion, Venue
from app.venues.seatmap import FORMAT, MAX_BYTES, Problem, SeatMap, SeatMapInvalid, parse
from app.venues.service import get_venue


class StaleVersion(Conflict):
    def __init__(self, latest: int) -> None:
        super().__init__(
            f"Someone saved version {latest} of this layout while you were editing. Your drawing is still here: "
            "save it as a new version on top, or download it first."
        )
        self.latest = latest


class DesignInvalid(ValidationFailed):
    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        super().__init__(
            {"document": f"{count} problem{'s' if count != 1 else ''}"}, f"The layout has {count} problem(s)."
        )
        self.problems = problems


@dataclass(frozen=True)
class OpenLayout:
    layout: SeatLayout
    venue: Venue
    version: int  # 0 for a layout never saved
    document: dict


def blank_document(name: str) -> dict:
    return {
        "format": FORMAT,
        "name": name,
        "width": 1600,
        "height": 1000,
        "categories": [{"key": "standard", "name": "Standard", "color": "#2563eb"}],
        "sections": [],
        "ga_areas": [],
        "stage": {"x": 600, "y": 40, "width": 400, "height": 80, "label": "STAGE"},
        "shapes": [],
        "texts": [],
    }


async def _layout_for(session: AsyncSession, actor: Actor, layout_id: uuid.UUID, *, lock: bool = False) -> SeatLayout:
    query = select(SeatLayout).where(
        SeatLayout.id == layout_id, SeatLayout.organization_id.in_(actor.organization_ids())
    )
    layout = await session.scalar(query.with_for_update() if lock else query)
    if layout is None:
        raise NotFound("Seat layout not found.")
    actor.require(layout.organization_id, Role.MANAGER, what="Seat layout")
    return layout


async def _latest(session: AsyncSession, layout_id: uuid.UUID) -> SeatLayoutVersion | None:
    return await session.scalar(
        select(SeatLayoutVersion)
        .where(SeatLayoutVersion.layout_id == layout_id)
        .order_by(SeatLayoutVersion.version.desc())
        .limit(1)
    )


async def open_layout(session: AsyncSession, actor: Actor, layout_id: uuid.UUID) -> OpenLayout:
    layout = await _layout_for(session, actor, layout_id)
    venue = await session.get(Venue, layout.venue_id)
    latest = await _latest(session, layout.id)
    if latest is None:
        return OpenLayout(layout, venue, 0, blank_document(layout.name))
    return OpenLayout(layout, venue, latest.version, latest.document)


async def save_version(
    session: AsyncSession, actor: Actor, layout_id: uuid.UUID, *, document: bytes, base_version: int
) -> SeatLayoutVersion:
    """A new version on top of `base_version`; if someone saved meanwhile, StaleVersion (nothing written)."""
    if len(document) > MAX_BYTES:
        raise DesignInvalid([Problem("$", "", f"the layout is larger than {MAX_BYTES // 1024 // 1024} MB")])
    layout = await _layout_for(session, actor, layout_id, lock=True)  # one save at a time per layout
    latest = await _latest(session, layout.id)
    latest_number = latest.version if latest else 0
    if base_version != latest_number:
        raise StaleVersion(latest_number)
    try:
        seatmap = parse(document)
    except SeatMapInvalid as exc:
        raise DesignInvalid(exc.problems) from None
    version = _new_version(layout.id, latest_number + 1, seatmap, actor)
    session.add(version)
    await session.commit()
    return version


def _new_version(layout_id: uuid.UUID, number: int, seatmap: SeatMap, actor: Actor) -> SeatLayoutVersion:
    return SeatLayoutVersion(
        id=uuid.uuid4(),
        layout_id=layout_id,
        version=number,
        document=msgspec.to_builtins(seatmap),
        seat_count=seatmap.seat_count,
        ga_capacity=sum(a.capacity for a in seatmap.ga_areas),
        created_by_id=actor.user_id,
    )


async def create_layout(
    session: AsyncSession, actor: Actor, venue_id: uuid.UUID, *, name: str, sample: str = ""
) -> SeatLayout:
    """A new layout to draw: blank (first saved by the editor) or a copy of a sample as version 1."""
    venue = await get_venue(session, actor, venue_id)
    actor.require(venue.organization_id, Role.MANAGER, what="Venue")
    errors = FieldErrors()
    name = errors.text("name", name, max_length=200)
    errors.raise_if_any()
    layout = SeatLayout(id=uuid.uuid4(), organization_id=venue.organization_id, venue_id=venue.id, name=name)
    session.add(layout)
    if sample:
        session.add(_new_version(layout.id, 1, parse(sample_document(sample)), actor))
    await session.commit()
    return layout


async def duplicate_layout(session: AsyncSession, actor: Actor, layout_id: uuid.UUID) -> SeatLayout:
    original = await _layout_for(session, actor, layout_id)
    latest = await _latest(session, original.id)
    copies = await session.scalar(
        select(func.count()).select_from(SeatLayout).where(SeatLayout.venue_id == original.venue_id)
    )
    copy = SeatLayout(
        id=uuid.uuid4(),
        organization_id=original.organization_id,
        venue_id=original.venue_id,
        name=f"{original.name} (copy {copies})",
    )
    session.add(copy)
    if latest is not None:
        session.add(_new_version(copy.id, 1, parse(latest.document), actor))
    await session.commit()
    return copy


async def venue_layouts(
    session: AsyncSession, actor: Actor, venue_id: uuid.UUID
) -> list[tuple[SeatLayout, int, int, int]]:
    """(layout, latest version or 0, seats, standing places) for the venue page."""
    venue = await get_venue(session, actor, venue_id)
    latest = (
        select(SeatLayoutVersion.layout_id, func.max(SeatLayoutVersion.version).label("version"))
        .group_by(SeatLayoutVersion.layout_id)
        .subquery()
    )
    rows = await session.execute(
        select(SeatLayout, latest.c.version, SeatLayoutVersion.seat_count, SeatLayoutVersion.ga_capacity)
        .outerjoin(latest, latest.c.layout_id == SeatLayout.id)
        .outerjoin(
            SeatLayoutVersion,
            (SeatLayoutVersion.layout_id == SeatLayout.id) & (SeatLayoutVersion.version == latest.c.version),
        )
        .where(SeatLayout.venue_id == venue.id)
        .order_by(SeatLayout.name)
    )
    return [(r[0], r[1] or 0, r[2] or 0, r[3] or 0) for r in rows]
