"""A published seated event on the sample theatre layout, made through the services an organizer uses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from app.accounts.actor import Actor, OrgRef
from app.accounts.models import Membership, Organization, Role, User
from app.events import service as events
from app.events.models import EventStatus
from app.venues.layouts import SAMPLES_DIR, import_layout
from app.venues.service import create_venue

THEATRE_TIERS = {"premium": 6500, "stalls": 4200, "balcony": 2500}


@dataclass
class SeatedEvent:
    slug: str
    id: uuid.UUID
    actor: Actor


async def make_owner(db, slug: str) -> tuple[Actor, uuid.UUID]:
    """The owner of a fresh organization (named after the event), acting as itself; returns (actor, organization id)."""
    organization = Organization(id=uuid.uuid4(), name=f"Org {slug}", slug=f"org-{slug}")
    user = User(id=uuid.uuid4(), email=f"{slug}@example.com", name="Owner", password_hash="x")
    db.add_all([organization, user])
    await db.flush()
    db.add(Membership(organization_id=organization.id, user_id=user.id, role=Role.OWNER))
    await db.commit()
    actor = Actor(
        user_id=user.id,
        name="Owner",
        email=user.email,
        organizations=(OrgRef(organization.id, organization.slug, organization.name, Role.OWNER),),
    )
    return actor, organization.id


async def make_seated_event(
    db,
    *,
    slug: str = "the-play",
    layout: str = "theatre",
    tiers: dict[str, int] | None = None,
    general_admission: dict[str, int] | None = None,
) -> SeatedEvent:
    """`tiers`: price per seat category; `general_admission`: capacity per GA tier name (£10.00 each)."""
    actor, organization_id = await make_owner(db, slug)
    venue = await create_venue(db, actor, organization_id, name="Playhouse", address="", timezone="Europe/London")
    version = await import_layout(db, actor, venue.id, name="Main", document=SAMPLES_DIR / f"{layout}.json")
    starts = datetime.now() + timedelta(days=30)
    event = await events.create_event(
        db,
        actor,
        organization_id,
        events.EventInput(
            title="The Play",
            slug=slug,
            timezone="Europe/London",
            venue_id=venue.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            layout_version_id=version.id,
        ),
    )
    for category, price in (tiers or THEATRE_TIERS).items():
        await events.add_tier(
            db,
            actor,
            slug,
            events.TierInput(name=category.title(), price_minor=price, currency="GBP", seat_category=category),
        )
    for name, capacity in (general_admission or {}).items():
        await events.add_tier(
            db, actor, slug, events.TierInput(name=name, price_minor=1000, currency="GBP", capacity=capacity)
        )
    await events.set_status(db, actor, slug, EventStatus.PUBLISHED)
    return SeatedEvent(slug=slug, id=event.id, actor=actor)


@pytest.fixture
async def theatre(db) -> SeatedEvent:
    return await make_seated_event(db)


async def make_general_admission_event(
    db, *, slug: str = "the-comedy", capacity: int = 100, price_minor: int = 1500, online_url: str | None = None
) -> SeatedEvent:
    """A published event without a seat map: one general-admission tier ("General") at a venue, or online."""
    actor, organization_id = await make_owner(db, slug)
    venue = None
    if online_url is None:
        venue = await create_venue(db, actor, organization_id, name="Cellar", address="", timezone="Europe/London")
    starts = datetime.now() + timedelta(days=30)
    event = await events.create_event(
        db,
        actor,
        organization_id,
        events.EventInput(
            title="The Comedy Night",
            slug=slug,
            timezone="Europe/London",
            venue_id=venue.id if venue else None,
            online_url=online_url,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        ),
    )
    await events.add_tier(
        db, actor, slug, events.TierInput(name="General", price_minor=price_minor, currency="GBP", capacity=capacity)
    )
    await events.set_status(db, actor, slug, EventStatus.PUBLISHED)
    return SeatedEvent(slug=slug, id=event.id, actor=actor)


@pytest.fixture
async def comedy(db) -> SeatedEvent:
    return await make_general_admission_event(db)
