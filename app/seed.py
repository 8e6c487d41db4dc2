"""Demo data for `make run`: an organizer, a venue and published events. Idempotent: re-running changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, OrgRef
from app.accounts.models import Membership, Organization, Role, User
from app.accounts.passwords import hash_password
from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.events import series
from app.events import service as events
from app.events.models import Event, EventSeries, EventStatus
from app.orders.checkout import CheckoutForm, place_order
from app.orders.completion import complete_payment
from app.orders.models import Order, OrderStatus, PromoCode
from app.seating.holds import hold_seats
from app.venues.layouts import SAMPLES_DIR, import_layout
from app.venues.models import Venue
from app.venues.service import create_venue

DEMO_PASSWORD = "usher-demo-2026"  # noqa: S105 - printed by `make run` for the demo
DEMO_USERS = [
    ("organizer@usher.test", "Olivia Organizer", Role.OWNER),
    ("door@usher.test", "Dario Door", Role.DOOR),
]


def _at(days: int, hour: int) -> datetime:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return base.replace(hour=hour, tzinfo=None)  # wall-clock time in the event's timezone


# (slug, title, category, tags, days ahead, hour, hours long, description, venue (None: online), layout, tiers)
# Tiers: (name, price in cents, capacity for general admission, or None with a seat category).
DEMO_EVENTS = [
    dict(
        slug="demo-arena",
        title="Aurora Live at the Harbour Arena",
        category="music",
        tags=["pop", "live"],
        days=21,
        hour=20,
        hours=3,
        venue="Harbour Arena",
        layout="arena",
        description="The Aurora world tour comes to the Harbour Arena. Doors open one hour before the show.",
        tiers=[("Lower tier", 6900, "lower"), ("Upper tier", 4500, "upper"), ("Standing floor", 5900, "floor")],
        fee_fixed_minor=150,  # a service fee per ticket, shown at checkout
        promo=("AURORA10", 10),  # 10 % off, for trying promo codes
    ),
    dict(
        slug="demo-stadium",
        title="Cup Final 2027",
        category="sports",
        tags=["football", "final"],
        days=45,
        hour=18,
        hours=2,
        venue="City Stadium",
        layout="stadium",
        description="The season's final, live in the City Stadium.",
        tiers=[("Category 1", 12000, "cat1"), ("Category 2", 8000, "cat2"), ("Category 3", 5500, "cat3")],
    ),
    dict(
        slug="demo-comedy-night",
        title="Late Laughs Comedy Night",
        category="comedy",
        tags=["standup"],
        days=7,
        hour=21,
        hours=2,
        venue="Harbour Arena",
        layout=None,
        description="Five comedians, one microphone, no mercy.",
        # General admission: the early-bird places sell first and cheaper; then only Standard is left.
        tiers=[("Early bird", 1600, 30), ("Standard", 2200, 150)],
    ),
    dict(
        slug="demo-online-talk",
        title="Crowds Without Queues: an Online Talk",
        category="conference",
        tags=["online", "talk"],
        days=10,
        hour=18,
        hours=1,
        venue=None,  # online only: ticket holders find the link on their ticket and in the e-mail
        online_url="https://stream.usher.test/crowds-without-queues",
        layout=None,
        description="How ticket sales survive the rush, live with questions at the end.",
        tiers=[("Viewer", 900, 500)],
    ),
]
DEMO_EVENTS.append(
    dict(
        slug="demo-tonight",
        title="Chamber Music Tonight",
        category="music",
        tags=["classical"],
        days=1,  # created for tomorrow, then moved to a couple of hours from now at every seed
        hour=20,
        hours=3,
        venue="Harbour Playhouse",
        layout="theatre",
        description="A string quartet in the playhouse. Tickets for Grace Guest are in the dev mailbox: scan them.",
        tiers=[("Premium", 6500, "premium"), ("Stalls", 4200, "stalls"), ("Balcony", 2500, "balcony")],
    )
)
VENUES = {
    "Harbour Arena": "1 Quay Street, Hamburg",
    "City Stadium": "Stadionallee 1, Hamburg",
    "Harbour Playhouse": "3 Quay Street, Hamburg",
}
TONIGHT_SEATS = ["SC-F-5", "SC-F-6", "SC-F-7", "SC-F-8"]


class DemoDataRefused(RuntimeError):
    """Demo data (users whose password is published) asked for outside development."""


async def seed(settings: Settings) -> None:
    """Insert the demo organization, users and events; refuses in production (DemoDataRefused)."""
    if not settings.is_development:
        raise DemoDataRefused(
            "The demo data (users with a published password) is for development only; USHER_ENV is "
            f"{settings.environment}."
        )
    engine = create_engine(settings.database_url, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        organization = await session.scalar(select(Organization).where(Organization.slug == "harbour-live"))
        if organization is None:
            organization = Organization(name="Harbour Live", slug="harbour-live")
            session.add(organization)
            await session.flush()
        owner_id = None
        for email, name, role in DEMO_USERS:
            user = await session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(
                    email=email, name=name, password_hash=hash_password(DEMO_PASSWORD), email_verified_at=utcnow()
                )
                session.add(user)
                await session.flush()
            if await session.get(Membership, (organization.id, user.id)) is None:
                session.add(Membership(organization_id=organization.id, user_id=user.id, role=role))
            if role == Role.OWNER:
                owner_id = user.id
        await session.commit()
        # The demo is set up as its owner would do it, through the same services.
        actor = Actor(
            user_id=owner_id,
            organizations=(OrgRef(organization.id, organization.slug, organization.name, Role.OWNER),),
            name="seed",
        )
        venues: dict[str, Venue] = {}
        for name, address in VENUES.items():
            venue = await session.scalar(
                select(Venue).where(Venue.organization_id == organization.id, Venue.name == name)
            )
            if venue is None:
                venue = await create_venue(
                    session, actor, organization.id, name=name, address=address, timezone="Europe/Berlin"
                )
            venues[name] = venue
        for spec in DEMO_EVENTS:
            if await session.scalar(select(Event.id).where(Event.slug == spec["slug"])):
                continue
            venue = venues[spec["venue"]] if spec["venue"] else None
            layout_version_id = None
            if spec["layout"] and venue:
                version = await import_layout(
                    session, actor, venue.id, name=venue.name, document=SAMPLES_DIR / f"{spec['layout']}.json"
                )
                layout_version_id = version.id
            starts = _at(spec["days"], spec["hour"])
            await events.create_event(
                session,
                actor,
                organization.id,
                events.EventInput(
                    title=spec["title"],
                    slug=spec["slug"],
                    description=spec["description"],
                    category=spec["category"],
                    tags=spec["tags"],
                    timezone=venue.timezone if venue else "Europe/Berlin",
                    venue_id=venue.id if venue else None,
                    online_url=spec.get("online_url"),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=spec["hours"]),
                    layout_version_id=layout_version_id,
                ),
            )
            for order, (tier_name, price, sells) in enumerate(spec["tiers"]):
                await events.add_tier(
                    session,
                    actor,
                    spec["slug"],
                    events.TierInput(
                        name=tier_name,
                        price_minor=price,
                        currency="EUR",
                        sort_order=order,
                        capacity=sells if isinstance(sells, int) else None,
                        seat_category=sells if isinstance(sells, str) else None,
                    ),
                )
            event = await events.set_status(session, actor, spec["slug"], EventStatus.PUBLISHED)
            event.fee_fixed_minor = spec.get("fee_fixed_minor", 0)
            if promo := spec.get("promo"):
                session.add(PromoCode(event_id=event.id, code=promo[0], kind="percent", value=promo[1]))
            await session.commit()
        await _tonight(session, settings)
        await _jazz_thursdays(session, actor, organization.id, venues["Harbour Playhouse"])
        await _family_concert(session, actor, organization.id, venues["Harbour Playhouse"])
    await engine.dispose()


async def _tonight(session: AsyncSession, settings: Settings) -> None:
    """demo-tonight always happens today (its doors open for the scanner), with Grace Guest's four paid
    tickets: their e-mail, with the QR codes, is in the dev mailbox."""
    event = await session.scalar(select(Event).where(Event.slug == "demo-tonight"))
    if event is None:
        return
    now = utcnow()
    event.starts_at, event.ends_at = now + timedelta(hours=2), now + timedelta(hours=5)
    await session.commit()
    if await session.scalar(select(Order.id).where(Order.event_id == event.id, Order.status == OrderStatus.PAID)):
        return
    cart = uuid.uuid4()
    await hold_seats(session, event.slug, cart, TONIGHT_SEATS, ttl_seconds=600, max_seats=10, holder_tag="seed")
    event = await session.scalar(select(Event).where(Event.id == event.id).execution_options(populate_existing=True))
    placed = await place_order(
        session, event, cart, CheckoutForm("guest@usher.test", "Grace Guest"), settings=settings, user_id=None
    )
    await complete_payment(
        session,
        settings,
        placed.order.id,
        provider="test",
        external_id=f"seed:{placed.order.id}",
        reference=None,
        amount_minor=placed.order.total_minor,
        currency=placed.order.currency,
    )


async def _jazz_thursdays(session: AsyncSession, actor: Actor, organization_id: uuid.UUID, venue: Venue) -> None:
    """A weekly series of general-admission dates: buyers pick a Thursday on /series/jazz-thursdays."""
    if await session.scalar(
        select(EventSeries.id).where(
            EventSeries.organization_id == organization_id, EventSeries.title == "Jazz Thursdays"
        )
    ):
        return
    first = date.today() + timedelta(days=3)
    rule = series.WeeklyRule(first, first + timedelta(weeks=10), ["thu"], time(20), time(22, 30), venue_id=venue.id)
    await series.create_weekly_series(
        session,
        actor,
        organization_id,
        title="Jazz Thursdays",
        description="A quartet, a guest soloist and the Playhouse bar, every Thursday.",
        rule=rule,
        tiers=[series.TemplateTier(name="Standard", price_minor=1800, currency="EUR", capacity=80)],
        timezone="Europe/Berlin",
    )


async def _family_concert(session: AsyncSession, actor: Actor, organization_id: uuid.UUID, venue: Venue) -> None:
    """A seated concert with Adult and Child prices for the same seats (chosen per seat at checkout), and an
    early-bird Adult price for the first 20 stalls tickets."""
    slug = "demo-family-concert"
    if await session.scalar(select(Event.id).where(Event.slug == slug)):
        return
    version = await import_layout(session, actor, venue.id, name=venue.name, document=SAMPLES_DIR / "theatre.json")
    starts = _at(28, 16)
    await events.create_event(
        session,
        actor,
        organization_id,
        events.EventInput(
            title="Peter and the Wolf: a Family Concert",
            slug=slug,
            description="The orchestra tells the story; children pay the Child price, adults the Adult price.",
            category="family",
            tags=["classical", "kids"],
            timezone=venue.timezone,
            venue_id=venue.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1, minutes=30),
            layout_version_id=version.id,
        ),
    )
    prices = [("premium", 4000, 2000), ("stalls", 3000, 1500), ("balcony", 2000, 1000)]
    tiers = [
        events.TierInput(
            name="Stalls early bird",
            price_minor=2400,
            currency="EUR",
            seat_category="stalls",
            price_type="Adult",
            quantity_limit=20,
            sort_order=-1,
        )
    ]
    for category, adult, child in prices:
        for price_type, price in (("Adult", adult), ("Child", child)):
            tiers.append(
                events.TierInput(
                    name=category.title(),
                    price_minor=price,
                    currency="EUR",
                    seat_category=category,
                    price_type=price_type,
                )
            )
    for tier in tiers:
        await events.add_tier(session, actor, slug, tier)
    await events.set_status(session, actor, slug, EventStatus.PUBLISHED)


if __name__ == "__main__":
    asyncio.run(seed(Settings.from_env()))
