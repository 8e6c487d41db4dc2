"""The demo data `make run` starts with: idempotent, and ready to buy and to scan at the door."""

from __future__ import annotations

from sqlalchemy import func, select

from app.events.models import Event
from app.mail.models import OutboundMail
from app.seed import DEMO_PASSWORD, seed
from app.tickets.models import Ticket


async def test_the_demo_is_seeded_once_and_its_tickets_scan_at_the_door(settings, db, browser):
    await seed(settings)
    await seed(settings)  # every `make run` seeds again: nothing doubles
    slugs = set(await db.scalars(select(Event.slug).where(Event.status == "published")))
    assert {"demo-arena", "demo-stadium", "demo-comedy-night", "demo-tonight"} <= slugs
    codes = list(await db.scalars(select(Ticket.code)))
    assert len(codes) == 4
    assert await db.scalar(select(func.count()).select_from(OutboundMail)) == 1  # Grace Guest's tickets, once
    login = await browser.post_form("/login", {"email": "door@usher.test", "password": DEMO_PASSWORD})
    assert login.status_code in (302, 303)
    token = await browser.csrf_token()
    verdict = await browser.client.post(
        "/scan/demo-tonight/check-in", json={"code": codes[0], "device": "demo"}, headers={"X-CSRFToken": token}
    )
    assert verdict.json()["result"] == "valid"
    assert (await browser.get("/events/demo-stadium/seats")).status_code == 200
