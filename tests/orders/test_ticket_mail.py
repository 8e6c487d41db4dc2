"""The confirmation leaves over real SMTP; its inline QR images decode to payloads that verify with the
organization's published key; ticket pages and calendar files; forged codes fail."""

from __future__ import annotations

import base64
import io
from dataclasses import replace

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from app.db import create_engine, create_sessionmaker
from app.mail.service import deliver_due_mail, transport_for
from app.tickets.models import Ticket
from app.tickets.signing import BadTicketCode, verify_ticket
from tests.orders.conftest import check_out, hold_seats, pay, pay_link


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the image"
    return results[0].text


async def test_the_confirmation_mail_carries_qr_codes_that_verify(theatre, browser, client, db, settings, smtp_server):
    inbox, port = smtp_server
    await hold_seats(browser, ["SR-A-1", "SR-A-2"])
    number, token = pay_link(await check_out(browser))
    await pay(browser, number, token)

    engine = create_engine(settings.database_url, pool_size=2)
    smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    assert await deliver_due_mail(create_sessionmaker(engine), transport_for(smtp)) == 1
    await engine.dispose()

    [message] = inbox.messages
    assert message["To"] == "ada@example.com" and number in message["Subject"]
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'src="cid:ticket-1@usher"' in html
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert [part["Content-ID"] for part in images] == ["<ticket-1@usher>", "<ticket-2@usher>"]
    calendar = next(part for part in message.walk() if part.get_filename() == "event.ics")
    assert "BEGIN:VEVENT" in calendar.get_content()

    key = (await client.get(f"/api/v1/organizations/{theatre.actor.organizations[0].slug}/ticket-key")).json()
    public_key = base64.b64decode(key["public_key"])
    codes = set(await db.scalars(select(Ticket.code)))
    claims = [verify_ticket(decode_qr(part.get_content()), public_key) for part in images]
    assert {c.code for c in claims} == codes and {c.event_id for c in claims} == {theatre.id}

    qr_text = decode_qr(images[0].get_content())
    prefix, payload, signature = qr_text.split(".")
    tampered = f"{prefix}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    with pytest.raises(BadTicketCode):
        verify_ticket(tampered, public_key)
    with pytest.raises(BadTicketCode):
        verify_ticket("garbage", public_key)


async def test_the_ticket_page_shows_the_qr_and_offers_a_calendar_file(theatre, browser, other_browser, db):
    await hold_seats(browser, ["SR-B-1"])
    number, token = pay_link(await check_out(browser))
    await pay(browser, number, token)
    code = await db.scalar(select(Ticket.code))
    page = await other_browser.get(f"/tickets/{code}")  # the link alone opens it, as from the e-mail
    assert page.status_code == 200
    assert "Stalls right · row B · seat 1" in page.text and "<svg" in page.text
    ics = await other_browser.get(f"/tickets/{code}/event.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:The Play" in ics.text and "DTSTART:" in ics.text
    assert (await other_browser.get("/tickets/not-a-real-code")).status_code == 404


async def test_the_dev_mailbox_shows_the_ticket_mail_with_its_qr_codes(theatre, browser, db, settings):
    await hold_seats(browser, ["SR-C-1"])
    number, token = pay_link(await check_out(browser))
    await pay(browser, number, token)
    engine = create_engine(settings.database_url, pool_size=2)
    assert await deliver_due_mail(create_sessionmaker(engine), transport_for(settings)) == 1  # .eml in MAIL_DIR
    await engine.dispose()
    [name] = [p.name for p in settings.mail_dir.glob("*.eml")]
    message = await browser.get(f"/dev/mail/{name}")
    assert message.status_code == 200
    assert "data:image/png;base64," in message.text and "cid:" not in message.text
    code = await db.scalar(select(Ticket.code))
    assert f"/tickets/{code}" in message.text and "event.ics" in message.text


async def test_logged_in_buyers_find_their_tickets_under_my_tickets(theatre, browser, db):
    await browser.register("fan@example.com", "Fan Person")
    await hold_seats(browser, ["SR-D-1"])
    number, token = pay_link(await check_out(browser, email="fan@example.com", name="Fan Person"))
    await pay(browser, number, token)
    mine = await browser.get("/my/tickets")
    assert "The Play" in mine.text and "Stalls right · row D · seat 1" in mine.text
    assert (await browser.get(f"/orders/{number}")).status_code == 200  # the owner needs no link
