"""Venues belong to one organization; seat layouts will hang off them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import NotFound
from app.timeutil import is_valid_timezone
from app.validation import FieldErrors
from app.venues.models import Venue


async def list_venues(session: AsyncSession, actor: Actor, organization_id: uuid.UUID) -> list[Venue]:
    actor.require(organization_id, Role.DOOR, what="Organization")
    return list(
        await session.scalars(select(Venue).where(Venue.organization_id == organization_id).order_by(Venue.name))
    )


async def get_venue(session: AsyncSession, actor: Actor, venue_id: uuid.UUID) -> Venue:
    venue = await session.get(Venue, venue_id)
    if venue is None or actor.role_in(venue.organization_id) is None:
        raise NotFound("Venue not found.")
    return venue


def _validated(errors: FieldErrors, name: str, address: str, timezone: str) -> tuple[str, str, str]:
    name = errors.text("name", name, max_length=200)
    address = errors.text("address", address, max_length=500, required=False)
    timezone = (timezone or "").strip()
    if not is_valid_timezone(timezone):
        errors.add("timezone", "Choose a timezone such as Europe/Berlin.")
    errors.raise_if_any()
    return name, address, timezone


async def create_venue(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, *, name: str, address: str, timezone: str
) -> Venue:
    actor.require(organization_id, Role.MANAGER, what="Organization")
    name, address, timezone = _validated(FieldErrors(), name, address, timezone)
    venue = Venue(id=uuid.uuid4(), organization_id=organization_id, name=name, address=address, timezone=timezone)
    session.add(venue)
    await session.commit()
    return venue


async def update_venue(
    session: AsyncSession, actor: Actor, venue_id: uuid.UUID, *, name: str, address: str, timezone: str
) -> Venue:
    venue = await get_venue(session, actor, venue_id)
    actor.require(venue.organization_id, Role.MANAGER, what="Venue")
    venue.name, venue.address, venue.timezone = _validated(FieldErrors(), name, address, timezone)
    await session.commit()
    return venue
