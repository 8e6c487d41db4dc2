"""Seat layouts of a venue: imported or drawn documents, each save a new immutable version."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import PROJECT_ROOT
from app.errors import NotFound, ValidationFailed
from app.validation import FieldErrors
from app.venues.models import SeatLayout, SeatLayoutVersion
from app.venues.seatmap import SeatMapInvalid, parse
from app.venues.service import get_venue

SAMPLES_DIR = PROJECT_ROOT / "seatmaps"


def sample_names() -> list[str]:
    return sorted(p.stem for p in SAMPLES_DIR.glob("*.json"))


def sample_document(name: str) -> bytes:
    if name not in sample_names():
        raise ValidationFailed({"sample": "Choose one of the sample layouts."})
    return (SAMPLES_DIR / f"{name}.json").read_bytes()


@dataclass(frozen=True)
class LayoutChoice:
    layout_id: uuid.UUID
    version_id: uuid.UUID
    label: str


def _problems_message(exc: SeatMapInvalid) -> str:
    listed = "; ".join(str(p) for p in exc.problems[:8])
    more = f" (and {len(exc.problems) - 8} more)" if len(exc.problems) > 8 else ""
    return f"The seat map has {len(exc.problems)} problem(s): {listed}{more}"


async def import_layout(
    session: AsyncSession, actor: Actor, venue_id: uuid.UUID, *, name: str, document: bytes | Path
) -> SeatLayoutVersion:
    venue = await get_venue(session, actor, venue_id)
    actor.require(venue.organization_id, Role.MANAGER, what="Venue")
    errors = FieldErrors()
    name = errors.text("name", name, max_length=200)
    raw = await asyncio.to_thread(document.read_bytes) if isinstance(document, Path) else document
    seatmap = None
    try:
        seatmap = parse(raw)
    except SeatMapInvalid as exc:
        errors.add("document", _problems_message(exc))
    errors.raise_if_any()
    assert seatmap is not None
    layout = SeatLayout(id=uuid.uuid4(), organization_id=venue.organization_id, venue_id=venue.id, name=name)
    session.add(layout)
    version = SeatLayoutVersion(
        id=uuid.uuid4(),
        layout_id=layout.id,
        version=1,
        document=msgspec.to_builtins(seatmap),
        seat_count=seatmap.seat_count,
        ga_capacity=sum(a.capacity for a in seatmap.ga_areas),
        created_by_id=actor.user_id,
    )
    session.add(version)
    await session.commit()
    return version


async def layout_choices(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, venue_id: uuid.UUID | None = None
) -> list[LayoutChoice]:
    """The latest version of each of the organization's (or one venue's) layouts."""
    actor.require(organization_id, Role.DOOR, what="Organization")
    latest = (
        select(SeatLayoutVersion.layout_id, func.max(SeatLayoutVersion.version).label("version"))
        .group_by(SeatLayoutVersion.layout_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                SeatLayout.id,
                SeatLayout.name,
                SeatLayoutVersion.id.label("version_id"),
                SeatLayoutVersion.version,
                SeatLayoutVersion.seat_count,
                SeatLayoutVersion.ga_capacity,
            )
            .join(latest, latest.c.layout_id == SeatLayout.id)
            .join(
                SeatLayoutVersion,
                (SeatLayoutVersion.layout_id == SeatLayout.id) & (SeatLayoutVersion.version == latest.c.version),
            )
            .where(SeatLayout.organization_id == organization_id, SeatLayout.venue_id == venue_id if venue_id else True)
            .order_by(SeatLayout.name)
        )
    ).all()
    return [
        LayoutChoice(
            r.id,
            r.version_id,
            f"{r.name} (v{r.version}, {r.seat_count:,} seats"
            + (f", {r.ga_capacity:,} standing)" if r.ga_capacity else ")"),
        )
        for r in rows
    ]


async def version_of_organization(
    session: AsyncSession, organization_id: uuid.UUID, version_id: uuid.UUID
) -> SeatLayoutVersion:
    version = await session.scalar(
        select(SeatLayoutVersion)
        .join(SeatLayout, SeatLayout.id == SeatLayoutVersion.layout_id)
        .where(SeatLayoutVersion.id == version_id, SeatLayout.organization_id == organization_id)
    )
    if version is None:
        raise NotFound("Seat layout not found.")
    return version
