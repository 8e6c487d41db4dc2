"""Extending a hold once from the checkout and pay pages, with and without JavaScript, and every refusal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.orders.models import Order
from app.seating.models import Cart, EventSeat
from tests.orders.conftest import check_out, hold_seats, order, pay_link

SEATS = ["SC-G-5", "SC-G-6"]
EXTEND = "/events/the-play/checkout/extend"


async def seat_deadlines(db) -> set:
    db.expire_all()
    return set(await db.scalars(select(EventSeat.held_until).where(EventSeat.key.in_(SEATS))))


async def test_the_checkout_extends_the_basket_once_without_javascript(theatre, browser, db):
    await hold_seats(browser, SEATS)
    page = await browser.get("/events/the-play/checkout")
    assert "Give me 5 more minutes" in page.text and 'data-testid="hold-news"' in page.text
    (before,) = await seat_deadlines(db)

    extended = await browser.post_form(EXTEND)
    assert extended.status_code == 303 and extended.headers["location"] == "/events/the-play/checkout"
    assert await seat_deadlines(db) == {before + timedelta(minutes=5)}
    page = await browser.get("/events/the-play/checkout")
    assert "Give me 5 more minutes" not in page.text
    assert "Your hold has been extended once; it cannot be extended again." in page.text

    again = await browser.post_form(EXTEND)
    assert again.status_code == 409
    assert "Your hold was already extended once; it cannot be extended again." in again.text
    assert 'name="email"' in again.text  # the checkout form is shown again, with the reason
    assert await seat_deadlines(db) == {before + timedelta(minutes=5)}


async def test_with_htmx_the_countdown_is_swapped_and_a_refusal_is_a_409_fragment(theatre, browser, db):
    await hold_seats(browser, SEATS)
    (before,) = await seat_deadlines(db)
    extended = await browser.post_form(EXTEND, htmx=True)
    assert extended.status_code == 200
    assert 'id="hold-clock"' in extended.text and "<h1" not in extended.text
    assert 'hx-swap-oob="innerHTML">Done: your seats are held until' in extended.text
    assert f'data-expires="{(before + timedelta(minutes=5)).isoformat()}"' in extended.text

    refused = await browser.post_form(EXTEND, htmx=True)
    assert refused.status_code == 409
    assert "already extended once" in refused.text and 'id="hold-clock"' in refused.text
    assert 'data-testid="extend-hold"' not in refused.text


async def test_an_expired_basket_is_not_extended_and_nothing_changes(theatre, browser, db):
    await hold_seats(browser, SEATS)
    await db.execute(
        update(EventSeat).where(EventSeat.key.in_(SEATS)).values(held_until=func.now() - timedelta(seconds=1))
    )
    await db.commit()
    (expired,) = await seat_deadlines(db)
    refused = await browser.post_form(EXTEND, htmx=True)
    assert refused.status_code == 409
    assert "Your hold has expired, so it cannot be extended; the seats are back on sale." in refused.text
    plain = await browser.post_form(EXTEND)
    assert plain.status_code == 409 and "Your hold has expired" in plain.text
    assert await seat_deadlines(db) == {expired}
    assert await db.scalar(select(func.count()).select_from(Cart).where(Cart.extended_at.is_not(None))) == 0


async def test_an_unpaid_order_extends_its_payment_window_and_its_holds_together_once(theatre, browser, db):
    await hold_seats(browser, SEATS)
    number, token = pay_link(await check_out(browser))
    placed = await order(db, number)
    pay_page = await browser.get(f"/orders/{number}/pay?k={token}")
    assert "Give me 5 more minutes" in pay_page.text

    extended = await browser.post_form(f"/orders/{number}/pay/extend?k={token}")
    assert extended.status_code == 303 and extended.headers["location"] == f"/orders/{number}/pay?k={token}"
    later = placed.expires_at + timedelta(minutes=5)
    assert (await order(db, number)).expires_at == later
    assert await seat_deadlines(db) == {later}

    again = await browser.post_form(f"/orders/{number}/pay/extend?k={token}", htmx=True)
    assert again.status_code == 409 and "already extended once" in again.text
    plain = await browser.post_form(f"/orders/{number}/pay/extend?k={token}")
    assert plain.status_code == 409 and "already extended once" in plain.text and "Card number" in plain.text
    assert (await order(db, number)).expires_at == later


async def test_a_basket_extended_before_checkout_passes_its_one_extension_on_to_the_order(theatre, browser, db):
    await hold_seats(browser, SEATS)
    assert (await browser.post_form(EXTEND)).status_code == 303
    number, token = pay_link(await check_out(browser))
    placed = await order(db, number)
    pay_page = await browser.get(f"/orders/{number}/pay?k={token}")
    assert "Give me 5 more minutes" not in pay_page.text and "extended once" in pay_page.text
    refused = await browser.post_form(f"/orders/{number}/pay/extend?k={token}")
    assert refused.status_code == 409
    assert (await order(db, number)).expires_at == placed.expires_at


async def test_an_order_past_its_payment_window_is_not_extended(theatre, browser, db):
    await hold_seats(browser, SEATS)
    number, token = pay_link(await check_out(browser))
    past = func.now() - timedelta(seconds=1)
    await db.execute(update(EventSeat).where(EventSeat.key.in_(SEATS)).values(held_until=past))
    await db.execute(update(Order).where(Order.number == number).values(expires_at=past))
    await db.commit()
    expired_at = (await order(db, number)).expires_at
    refused = await browser.post_form(f"/orders/{number}/pay/extend?k={token}", htmx=True)
    assert refused.status_code == 409 and "Your hold has expired" in refused.text
    assert (await order(db, number)).expires_at == expired_at
