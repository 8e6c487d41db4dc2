"""General-admission and online tickets after payment: one ticket per place, checked in at the door like any
other; the online access URL goes to ticket holders only."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select, update

from app.db import create_engine, create_sessionmaker, utcnow
from app.events.models import Event
from app.mail.service import deliver_due_mail, transport_for
from app.seating.models import EventArea
from app.seed import seed
from app.tickets.models import Ticket
from tests.checkin.conftest import log_in
from tests.checkin.test_checkin import scan
from tests.orders.conftest import check_out, hold_seats, order, pay, pay_link
from tests.seating.conftest import make_general_admission_event, make_seated_event
from tests.seating.test_areas import ARENA_TIERS

STREAM = "https://stream.example/comedy-live"


async def buy_places(browser, db, event, quantity: int) -> str:
    """Hold places from the event page, check out and pay with the test card; returns the order number."""
    key = await db.scalar(select(EventArea.key).where(EventArea.event_id == event.id))
    response = await browser.post_form(
        f"/events/{event.slug}/areas/hold", {"area": key, "quantity": str(quantity)}, htmx=True
    )
    assert response.status_code == 200, response.text
    number, token = pay_link(await check_out(browser, slug=event.slug, name="Ada Lovelace"))
    paid = await pay(browser, number, token)
    assert paid.status_code in (200, 303), paid.text
    return number


async def test_a_general_admission_order_gives_one_ticket_per_place_that_checks_in_once_and_shows_in_sales(
    browser, other_browser, db
):
    event = await make_general_admission_event(db, slug="tonight", capacity=40)
    number = await buy_places(other_browser, db, event, 3)
    tickets = list(await db.scalars(select(Ticket).where(Ticket.event_id == event.id)))
    assert len(tickets) == 3 and {t.tier_name for t in tickets} == {"General"}
    area = await db.scalar(select(EventArea).execution_options(populate_existing=True))
    assert (area.held, area.sold) == (0, 3)
    now = utcnow()
    await db.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=3))
    )
    await db.commit()

    await log_in(browser, db, event.actor.user_id)
    first = (await scan(browser, "tonight", tickets[0].code)).json()
    assert first["result"] == "valid" and "General" in first["label"]
    assert (await scan(browser, "tonight", tickets[0].code)).json()["result"] == "duplicate"
    dashboard = await browser.get("/manage/events/tonight/checkins")
    assert 'data-testid="checked-in">1<' in dashboard.text and 'data-testid="sold">3<' in dashboard.text
    assert "General" in dashboard.text
    sales = await browser.get("/manage/events/tonight/orders")
    assert sales.status_code == 200 and number in sales.text


async def test_online_ticket_holders_get_the_access_url_which_the_public_page_does_not_show(
    browser, db, settings, smtp_server
):
    event = await make_general_admission_event(db, slug="the-talk", online_url=STREAM)
    public = await browser.get("/events/the-talk")
    assert public.status_code == 200 and STREAM not in public.text
    assert "ticket holders find the link on their ticket" in public.text

    await buy_places(browser, db, event, 1)
    code = await db.scalar(select(Ticket.code).where(Ticket.event_id == event.id))
    ticket_page = await browser.get(f"/tickets/{code}")
    assert ticket_page.status_code == 200 and f'href="{STREAM}"' in ticket_page.text

    inbox, port = smtp_server
    engine = create_engine(settings.database_url, pool_size=2)
    smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    assert await deliver_due_mail(create_sessionmaker(engine), transport_for(smtp)) == 1
    await engine.dispose()
    [message] = inbox.messages
    assert STREAM in message.get_body(preferencelist=("html",)).get_content()
    assert f"Join online: {STREAM}" in message.get_body(preferencelist=("plain",)).get_content()


async def test_the_demo_comedy_night_and_online_talk_can_be_bought(settings, browser, db):
    await seed(settings)
    for slug in ("demo-comedy-night", "demo-online-talk"):
        event = await db.scalar(select(Event).where(Event.slug == slug))
        assert event.status == "published"
        number = await buy_places(browser, db, event, 2)
        assert number
    talk_page = await browser.get("/events/demo-online-talk")
    assert "stream.usher.test" not in talk_page.text and "ticket holders find the link" in talk_page.text


async def test_one_cart_mixes_a_seat_standing_places_and_general_admission_places(browser, db):
    event = await make_seated_event(
        db, slug="the-gig", layout="arena", tiers=ARENA_TIERS, general_admission={"Bar pass": 20}
    )
    areas = dict((await db.execute(select(EventArea.name, EventArea.key))).all())
    picker = await browser.get("/events/the-gig/seats")
    assert "Bar pass" in picker.text and "20 of 20 left" in picker.text
    await hold_seats(browser, ["L1-A-1"], slug="the-gig")
    for area, quantity in ((areas["Standing floor"], "2"), (areas["Bar pass"], "3")):
        response = await browser.post_form(
            "/events/the-gig/areas/hold", {"area": area, "quantity": quantity}, htmx=True
        )
        assert response.status_code == 200, response.text
    number, token = pay_link(await check_out(browser, slug="the-gig"))
    await pay(browser, number, token)
    tickets = list(await db.scalars(select(Ticket.tier_name).where(Ticket.event_id == event.id)))
    assert sorted(tickets) == ["Bar pass"] * 3 + ["Floor"] * 2 + ["Lower"]
    assert (await order(db, number)).total_minor == 5900 + 2 * 3900 + 3 * 1000
