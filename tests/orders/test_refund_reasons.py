"""An organizer's refund is a deliberate step with a reason: without one nothing is refunded; with one the reason
is stored, shown to the organizer and the buyer, and sent in the refund e-mail."""

from __future__ import annotations

from sqlalchemy import select

from app.mail.models import OutboundMail
from app.seating.models import EventSeat
from app.tickets.models import Ticket
from tests.conftest import field_error
from tests.orders.conftest import check_out, hold_seats, order, pay, pay_link
from tests.orders.test_organizer_and_api import log_in_as

SEATS = ["SL-F-1", "SL-F-2"]


async def paid_order(browser) -> tuple[str, str]:
    await hold_seats(browser, SEATS)
    number, token = pay_link(await check_out(browser, email="buyer@example.com", name="Bea Buyer"))
    assert (await pay(browser, number, token)).status_code == 303
    return number, token


async def refund_mails(db) -> list[OutboundMail]:
    return list(await db.scalars(select(OutboundMail).where(OutboundMail.subject.contains("Refund for"))))


async def test_the_order_page_asks_to_confirm_a_refund_with_its_consequences_and_a_reason(
    theatre, browser, other_browser, db
):
    number, _ = await paid_order(other_browser)
    await log_in_as(browser, db, theatre.actor)
    detail = (await browser.get(f"/manage/orders/{number}")).text
    assert "Refund the whole order" not in detail  # the one-click button is gone
    confirmation = detail[detail.index('<details class="confirm"') :]
    assert "<summary" in confirmation and "Refund this order" in confirmation
    assert "voids 2 tickets, puts the places back on sale and sends £84.00 back to Bea Buyer" in confirmation
    assert '<textarea id="f-reason" name="reason"' in confirmation and "required" in confirmation
    assert "Yes, refund £84.00" in confirmation


async def test_a_refund_without_a_reason_is_refused_and_nothing_is_refunded(theatre, browser, other_browser, db):
    number, _ = await paid_order(other_browser)
    await log_in_as(browser, db, theatre.actor)
    for reason in ({}, {"reason": ""}, {"reason": "   "}):
        refused = await browser.post_form(f"/manage/orders/{number}/refund", reason)
        assert refused.status_code == 422
        assert "Say why you refund the order" in field_error(refused.text, "reason")
        assert "There is a problem" in refused.text and 'href="#f-reason"' in refused.text
    assert (await order(db, number)).status == "paid"
    assert set(await db.scalars(select(Ticket.status))) == {"valid"}
    assert set(await db.scalars(select(EventSeat.status).where(EventSeat.key.in_(SEATS)))) == {"sold"}
    assert await refund_mails(db) == []


async def test_the_reason_is_stored_shown_to_organizer_and_buyer_and_mailed(theatre, browser, other_browser, db):
    number, token = await paid_order(other_browser)
    await log_in_as(browser, db, theatre.actor)
    reason = "The theatre's roof needs repairs; the play moves to spring."
    refunded = await browser.post_form(f"/manage/orders/{number}/refund", {"reason": f"  {reason} "})
    assert refunded.status_code == 303
    placed = await order(db, number)
    assert (placed.status, placed.refund_reason) == ("refund_due", reason)
    assert "roof needs repairs" in (await browser.get(f"/manage/orders/{number}")).text
    assert "roof needs repairs" in (await other_browser.get(f"/orders/{number}?k={token}")).text
    [mail] = await refund_mails(db)
    assert mail.recipient == "buyer@example.com" and number in mail.subject
    assert f"refunded your order. Their reason: {reason}" in mail.text_body
    assert "roof needs repairs" in mail.html_body
