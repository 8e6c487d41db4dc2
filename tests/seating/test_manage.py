"""Organizers see their seat inventory and block or unblock seats from the map page."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.seating.models import EventSeat
from tests.seating.conftest import make_seated_event


async def login_as_owner(browser, db, event):
    user = await db.get(User, event.actor.user_id)
    user.password_hash = hash_password("correct-horse-battery")
    await db.commit()
    response = await browser.post_form("/login", {"email": user.email, "password": "correct-horse-battery"})
    assert response.status_code in (302, 303), response.text


async def test_an_organizer_blocks_and_unblocks_seats_from_the_inventory_page(theatre, browser, client, db):
    await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-A-3"]})
    await login_as_owner(browser, db, theatre)
    page = await browser.get("/manage/events/the-play/seats")
    assert page.status_code == 200
    assert 'id="seatmap"' in page.text and "Block selected" in page.text
    assert "None. Every seat is on sale." in page.text

    blocked = await browser.post_form(
        "/manage/events/the-play/seats/blocks", {"seat": ["SC-A-1", "SC-A-2"], "action": "block"}
    )
    assert blocked.status_code in (302, 303)
    page = await browser.get(blocked.headers["location"])
    assert "2 seats blocked." in page.text
    assert 'data-key="SC-A-1"' in page.text and 'data-key="SC-A-2"' in page.text
    assert (await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-A-1"]})).status_code == 409

    refused = await browser.post_form(
        "/manage/events/the-play/seats/blocks", {"seat": ["SC-A-3", "SC-A-4"], "action": "block"}
    )
    assert refused.status_code == 409
    assert "Only available seats can be blocked, not: SC-A-3" in refused.text
    assert await db.scalar(select(EventSeat.status).where(EventSeat.key == "SC-A-4")) == "available"

    await browser.post_form("/manage/events/the-play/seats/blocks", {"seat": "SC-A-1", "action": "unblock"})
    statuses = dict(
        (await db.execute(select(EventSeat.key, EventSeat.status).where(EventSeat.key.like("SC-A-%")))).all()
    )
    assert (statuses["SC-A-1"], statuses["SC-A-2"], statuses["SC-A-3"]) == ("available", "blocked", "held")


async def test_another_organization_cannot_see_or_block_the_inventory(theatre, browser, db):
    other = await make_seated_event(db, slug="other-play")
    await login_as_owner(browser, db, other)
    assert (await browser.get("/manage/events/the-play/seats")).status_code == 404
    response = await browser.post_form("/manage/events/the-play/seats/blocks", {"seat": "SC-A-1", "action": "block"})
    assert response.status_code == 404
    assert await db.scalar(select(EventSeat.status).where(EventSeat.key == "SC-A-1")) == "available"
