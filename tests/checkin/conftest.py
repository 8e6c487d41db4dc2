"""An event happening now with paid tickets, and door staff who can scan it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.accounts.actor import Actor, OrgRef
from app.accounts.models import Membership, Role, User
from app.accounts.passwords import hash_password
from app.db import utcnow
from app.events.models import Event
from app.tickets.models import Ticket
from app.tickets.service import qr_texts
from tests.orders.conftest import check_out, hold_seats, pay, pay_link
from tests.seating.conftest import make_seated_event

PASSWORD = "pw-123456789"


@dataclass
class Door:
    slug: str
    event_id: uuid.UUID
    owner: Actor
    tickets: list[Ticket]
    qr: dict[str, str]  # ticket code -> signed QR text


async def log_in(browser, db, user_id: uuid.UUID) -> None:
    await db.execute(update(User).where(User.id == user_id).values(password_hash=hash_password(PASSWORD)))
    await db.commit()
    email = await db.scalar(select(User.email).where(User.id == user_id))
    assert (await browser.post_form("/login", {"email": email, "password": PASSWORD})).status_code in (302, 303)


async def door_staff(db, door: Door, role: Role = Role.DOOR) -> uuid.UUID:
    user = User(id=uuid.uuid4(), email=f"door-{uuid.uuid4().hex[:6]}@example.com", name="Dora Door", password_hash="x")
    db.add(user)
    await db.flush()
    db.add(Membership(organization_id=door.owner.organizations[0].id, user_id=user.id, role=role))
    await db.commit()
    return user.id


@pytest.fixture
async def door(db, other_browser, settings) -> Door:
    event = await make_seated_event(db, slug="tonight")
    await hold_seats(other_browser, ["SL-A-1", "SL-A-2", "SL-A-3"], slug="tonight")
    number, token = pay_link(await check_out(other_browser, slug="tonight", name="Ada Lovelace"))
    await pay(other_browser, number, token)
    now = utcnow()
    await db.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=4))
    )
    await db.commit()
    tickets = list((await db.scalars(select(Ticket).order_by(Ticket.seat_key))).all())
    texts = await qr_texts(db, tickets, settings.secret_key)
    await db.commit()
    return Door("tonight", event.id, event.actor, tickets, {t.code: texts[t.id] for t in tickets})


def actor_of(user_id, door: Door, role: Role) -> Actor:
    org = door.owner.organizations[0]
    return Actor(user_id=user_id, name="Dora Door", email="", organizations=(OrgRef(org.id, org.slug, org.name, role),))
