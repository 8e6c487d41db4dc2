"""Checkout from held seats to a paid order with tickets, through the pages a buyer uses."""

from __future__ import annotations

from sqlalchemy import func, select

from app.mail.models import OutboundMail
from app.orders.models import Order, PaymentRecord
from app.seating.models import EventSeat
from app.tickets.models import Ticket
from tests.conftest import field_error
from tests.orders.conftest import add_promo, check_out, hold_seats, order, pay, pay_link, set_fees


async def test_the_summary_shows_fee_and_discount_before_paying(theatre, browser, db):
    await set_fees(db, percent_bp=250, fixed_minor=50)
    await add_promo(db, theatre.id, "SPRING", value=10)
    await hold_seats(browser, ["SC-G-5", "SC-G-6"])  # stalls, £42.00 each
    page = await browser.get("/events/the-play/checkout")
    assert page.status_code == 200
    assert "£84.00" in page.text  # subtotal
    assert "Service fee" in page.text and "£3.10" in page.text  # 2.5 % of 84.00 = 2.10, + 2 x 0.50
    summary = await browser.post_form("/events/the-play/checkout/summary", {"promo_code": "spring"}, htmx=True)
    # 10 % off 84.00 = 8.40; fee 2.5 % of 75.60 = 1.89 + 1.00; total 78.49
    assert "−£8.40" in summary.text and "£2.89" in summary.text and "£78.49" in summary.text
    bad = await browser.post_form("/events/the-play/checkout/summary", {"promo_code": "NOPE"}, htmx=True)
    assert "This promo code is not valid for this event." in bad.text


async def test_placing_an_order_freezes_prices_and_moves_the_holds_to_it(theatre, browser, db, settings):
    await add_promo(db, theatre.id, "SPRING", value=10)
    await hold_seats(browser, ["SC-G-5", "SC-G-6"])
    number, _ = pay_link(await check_out(browser, promo_code="Spring"))
    placed = await order(db, number)
    assert (placed.status, placed.subtotal_minor, placed.discount_minor, placed.total_minor) == (
        "pending",
        8400,
        840,
        7560,
    )
    assert [line.label for line in placed.lines] == ["Stalls centre · row G · seat 5", "Stalls centre · row G · seat 6"]
    seats = (
        await db.execute(
            select(EventSeat.cart_id, EventSeat.held_until).where(
                EventSeat.key.like("SC-G-%"), EventSeat.status == "held"
            )
        )
    ).all()
    assert {s.cart_id for s in seats} == {placed.id}  # the basket no longer holds them; the order does
    assert all(s.held_until == placed.expires_at for s in seats)
    minutes = (placed.expires_at - placed.created_at).total_seconds() / 60
    assert abs(minutes - settings.order_payment_minutes) < 1
    # the buyer cannot release seats out from under the pending order
    await browser.post_form("/events/the-play/seats/release", {"seat": "SC-G-5"}, htmx=True)
    assert await db.scalar(select(EventSeat.status).where(EventSeat.key == "SC-G-5")) == "held"
    # a re-sent form lands on the same order
    again = await check_out(browser, promo_code="Spring")
    assert pay_link(again)[0] == number
    assert await db.scalar(select(func.count()).select_from(Order)) == 1


async def test_bad_checkout_input_is_a_clear_422_and_writes_nothing(theatre, browser, db):
    await hold_seats(browser, ["SC-D-1"])
    response = await check_out(browser, email="not-an-email", name="")
    assert response.status_code == 422
    assert "not valid" in field_error(response.text, "email")
    assert field_error(response.text, "name") == "This field is required."
    assert 'value="not-an-email"' in response.text  # what was typed is kept
    refused = await check_out(browser, promo_code="NOPE")
    assert refused.status_code == 422 and field_error(refused.text, "promo_code")
    assert await db.scalar(select(func.count()).select_from(Order)) == 0
    assert await db.scalar(select(EventSeat.cart_id).where(EventSeat.key == "SC-D-1")) is not None
    empty = await check_out(await _fresh(browser))
    assert empty.status_code == 422 and "basket is empty" in empty.text


async def _fresh(browser):
    browser.client.cookies.delete("usher_cart")
    return browser


async def test_a_declined_card_keeps_the_order_payable_and_the_test_card_pays(theatre, browser, db):
    await hold_seats(browser, ["SC-E-1", "SC-E-2"])
    number, token = pay_link(await check_out(browser))
    pay_page = await browser.get(f"/orders/{number}/pay?k={token}")
    assert "4242 4242 4242 4242" in pay_page.text
    declined = await pay(browser, number, token, "4000 0000 0000 0002")
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    assert (await order(db, number)).status == "pending"
    paid = await pay(browser, number, token)
    assert paid.status_code == 303 and paid.headers["location"] == f"/orders/{number}?k={token}"
    page = await browser.get(paid.headers["location"])
    assert "paid" in page.text and page.text.count('data-testid="ticket-link"') == 2
    done = await order(db, number)
    assert done.status == "paid" and done.paid_at is not None
    statuses = dict(
        (await db.execute(select(EventSeat.key, EventSeat.status).where(EventSeat.key.in_(["SC-E-1", "SC-E-2"])))).all()
    )
    assert statuses == {"SC-E-1": "sold", "SC-E-2": "sold"}
    assert await db.scalar(select(func.count()).select_from(Ticket).where(Ticket.order_id == done.id)) == 2
    kinds = sorted(await db.scalars(select(PaymentRecord.kind).where(PaymentRecord.order_id == done.id)))
    assert kinds == ["payment_failed", "payment_succeeded"]
    mail = await db.scalar(select(OutboundMail).where(OutboundMail.order_id == done.id))
    assert mail.recipient == "ada@example.com" and number in mail.subject
    assert sorted(a.filename for a in mail.attachments) == ["event.ics", "ticket-1.png", "ticket-2.png"]
    # paying again is refused politely, not charged twice
    again = await pay(browser, number, token)
    assert again.status_code == 303
    assert await db.scalar(select(func.count()).select_from(Ticket)) == 2


async def test_an_order_page_needs_its_link(theatre, browser, other_browser, db):
    await hold_seats(browser, ["SC-F-1"])
    number, token = pay_link(await check_out(browser))
    assert (await other_browser.get(f"/orders/{number}")).status_code == 404
    assert (await other_browser.get(f"/orders/{number}?k=forged")).status_code == 404
    assert (await other_browser.get(f"/orders/{number}?k={token}")).status_code == 200


async def test_attendee_names_go_on_their_tickets_when_the_event_asks_for_them(theatre, browser, db):
    from sqlalchemy import update

    from app.events.models import Event

    await db.execute(update(Event).values(collect_attendees=True))
    await db.commit()
    await hold_seats(browser, ["SR-E-1", "SR-E-2"])
    page = await browser.get("/events/the-play/checkout")
    assert 'name="attendee_name_1"' in page.text
    bad = await check_out(browser, attendee_name_0="Grace Hopper", attendee_email_0="grace@")
    assert bad.status_code == 422 and field_error(bad.text, "attendee_email_0")
    number, token = pay_link(
        await check_out(browser, attendee_name_0="Grace Hopper", attendee_email_0="grace@example.com")
    )
    await pay(browser, number, token)
    names = dict((await db.execute(select(Ticket.seat_key, Ticket.attendee_name))).all())
    assert names == {"SR-E-1": "Grace Hopper", "SR-E-2": "Ada Lovelace"}  # unnamed tickets carry the buyer's name
