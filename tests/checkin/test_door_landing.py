"""Door staff log in straight to the scanner with today's events, today being the date where each event is; the
scanner's lookup takes what is typed literally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select, update

from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.checkin import service
from app.events.models import Event
from app.tickets.models import Ticket
from tests.checkin.conftest import PASSWORD, actor_of, door_staff, log_in
from tests.seating.conftest import make_seated_event


async def logging_in_leads_to(browser, db, user_id) -> str:
    await db.execute(update(User).where(User.id == user_id).values(password_hash=hash_password(PASSWORD)))
    await db.commit()
    email = await db.scalar(select(User.email).where(User.id == user_id))
    response = await browser.post_form("/login", {"email": email, "password": PASSWORD, "next": ""})
    assert response.status_code in (302, 303)
    return response.headers["location"]


async def test_door_only_staff_land_on_the_scanner_with_todays_events_not_on_create_an_organization(door, browser, db):
    assert await logging_in_leads_to(browser, db, await door_staff(db, door)) == "/scan"
    home = await browser.get("/scan")
    assert home.status_code == 200 and "Create an organization" not in home.text
    assert "<h2>Today</h2>" in home.text and 'href="/scan/tonight"' in home.text
    assert 'href="/manage"' not in home.text  # door staff's menu leads to the scanner, not the organizer area


async def test_managers_land_on_the_organizer_area_and_a_next_page_wins_over_both(door, browser, db, other_browser):
    assert await logging_in_leads_to(browser, db, await door_staff(db, door, Role.MANAGER)) == "/manage"
    staff = await door_staff(db, door)
    await db.execute(update(User).where(User.id == staff).values(password_hash=hash_password(PASSWORD)))
    await db.commit()
    email = await db.scalar(select(User.email).where(User.id == staff))
    form = {"email": email, "password": PASSWORD, "next": "/scan/tonight"}
    assert (await other_browser.post_form("/login", form)).headers["location"] == "/scan/tonight"
    asked = await other_browser.get("/login?next=/scan/tonight")
    assert "Log in to the door scanner" in asked.text


async def test_today_is_the_date_where_each_event_takes_place(door, db):
    """At 11:00 UTC on 1 June it is still the 1st in Los Angeles (04:00) and already late on the 1st in Auckland
    (23:00): an event at 19:00 in Los Angeles (2 June in UTC) is today's, one at 06:00 on the 2nd in Auckland
    (1 June in UTC) is not."""
    now = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    auckland = await make_seated_event(db, slug="auckland")
    moves = {
        door.event_id: ("America/Los_Angeles", datetime(2026, 6, 2, 2, 0, tzinfo=UTC)),
        auckland.id: ("Pacific/Auckland", datetime(2026, 6, 1, 18, 0, tzinfo=UTC)),
    }
    for event_id, (zone, starts_at) in moves.items():
        await db.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(
                timezone=zone,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                organization_id=door.owner.organizations[0].id,
            )
        )
    await db.commit()
    staff = actor_of(await door_staff(db, door), door, Role.DOOR)
    found = await service.events_to_scan(db, staff, now=now)
    assert [e.slug for e in found.today] == ["tonight"] and [e.slug for e in found.later] == ["auckland"]


async def test_a_lookup_takes_percent_and_underscore_as_the_characters_they_are(door, browser, db):
    await db.execute(update(Ticket).where(Ticket.id == door.tickets[0].id).values(attendee_name="Ada 100%_Fan"))
    await db.commit()
    await log_in(browser, db, await door_staff(db, door))

    async def names_found(typed: str) -> list[str]:
        found = (await browser.get(f"/scan/tonight/lookup?q={quote(typed)}")).json()["tickets"]
        return [t["attendee"] for t in found]

    assert await names_found("0%_F") == ["Ada 100%_Fan"]
    assert await names_found("%%") == [] and await names_found("__") == []
    assert await names_found("0_%F") == []  # as a pattern it would match "100%_Fan"
