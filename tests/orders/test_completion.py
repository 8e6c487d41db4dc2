"""Payments that come twice, late, or for seats that went to someone else; expiry; promo limits under races."""

from __future__ import annotations

import asyncio
import json

from redis.asyncio import Redis
from sqlalchemy import func, select, text

from app.db import create_engine, create_sessionmaker
from app.live import channel
from app.mail.models import OutboundMail
from app.orders.completion import complete_payment
from app.orders.jobs import expire_orders, settle_refunds
from app.orders.models import Order, PaymentRecord, PromoCode
from app.seating.models import EventSeat
from app.tickets.models import Ticket
from tests.orders.conftest import add_promo, check_out, hold_seats, order, pay_link


async def _pay(db, settings, placed: Order, external_id: str = "evt_1"):
    return await complete_payment(
        db,
        settings,
        placed.id,
        provider="test",
        external_id=external_id,
        reference=None,
        amount_minor=placed.total_minor,
        currency=placed.currency,
    )


async def _worker_ctx(settings):
    engine = create_engine(settings.database_url, pool_size=2)
    return engine, {
        "sessionmaker": create_sessionmaker(engine),
        "redis": Redis.from_url(settings.redis_url),
        "settings": settings,
    }


async def test_a_replayed_payment_issues_tickets_once(theatre, browser, db, settings):
    await hold_seats(browser, ["SL-A-1", "SL-A-2"])
    placed = await order(db, pay_link(await check_out(browser))[0])
    first = await _pay(db, settings, placed)
    again = await _pay(db, settings, placed)  # the same callback delivered twice
    other = await _pay(db, settings, placed, "evt_2")  # a second success for a paid order
    assert (first.result, again.result, other.result) == ("paid", "duplicate", "already_settled")
    assert await db.scalar(select(func.count()).select_from(Ticket)) == 2
    assert await db.scalar(select(func.count()).select_from(OutboundMail)) == 1
    assert await db.scalar(select(func.count()).select_from(PaymentRecord)) == 2


async def test_expiry_releases_the_seats_and_the_promo_use_and_announces_them(theatre, browser, db, settings):
    await add_promo(db, theatre.id, "ONCE", max_uses=1)
    await hold_seats(browser, ["SL-B-1"])
    number, _ = pay_link(await check_out(browser, promo_code="ONCE"))
    assert await db.scalar(select(PromoCode.used_count)) == 1
    await db.execute(text("UPDATE orders SET expires_at = now() - interval '1 second'"))
    await db.commit()
    engine, ctx = await _worker_ctx(settings)
    pubsub = ctx["redis"].pubsub()
    await pubsub.subscribe(channel(theatre.id))
    await pubsub.get_message(timeout=1)
    assert await expire_orders(ctx) == 1
    assert await expire_orders(ctx) == 0
    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
    assert json.loads(message["data"].decode().partition(" ")[2])["changes"][0]["key"] == "SL-B-1"
    assert (await order(db, number)).status == "expired"
    assert await db.scalar(select(EventSeat.status).where(EventSeat.key == "SL-B-1")) == "available"
    assert await db.scalar(select(PromoCode.used_count)) == 0
    await pubsub.aclose()
    await ctx["redis"].aclose()
    await engine.dispose()


async def test_a_late_payment_for_seats_sold_meanwhile_is_refunded_and_no_second_ticket_exists(
    theatre, browser, other_browser, db, settings
):
    await hold_seats(browser, ["SL-C-1", "SL-C-2"])
    placed = await order(db, pay_link(await check_out(browser))[0])
    await db.execute(text("UPDATE orders SET expires_at = now() - interval '1 second'"))
    await db.commit()
    engine, ctx = await _worker_ctx(settings)
    await expire_orders(ctx)
    # someone else buys SL-C-2 in the meantime
    await hold_seats(other_browser, ["SL-C-2"])
    rival = await order(db, pay_link(await check_out(other_browser, email="bob@example.com"))[0])
    assert (await _pay(db, settings, rival, "evt_rival")).result == "paid"
    # ... and then the first buyer's payment arrives
    late = await _pay(db, settings, await order(db, placed.number), "evt_late")
    assert late.result == "refund_due"
    late_order = await order(db, placed.number)
    assert late_order.status == "refund_due" and "sold to someone else" in late_order.refund_reason
    tickets = (await db.execute(select(Ticket.seat_key, Ticket.order_id).where(Ticket.status == "valid"))).all()
    assert tickets == [("SL-C-2", rival.id)]  # exactly one ticket for the seat, the rival's
    assert await db.scalar(select(EventSeat.status).where(EventSeat.key == "SL-C-1")) == "available"
    notice = await db.scalar(select(OutboundMail).where(OutboundMail.order_id == placed.id))
    assert notice.recipient == "ada@example.com" and "could not complete" in notice.subject.lower()
    assert await settle_refunds(ctx) == 1
    assert (await order(db, placed.number)).status == "refunded"
    assert await settle_refunds(ctx) == 0
    await ctx["redis"].aclose()
    await engine.dispose()


async def test_a_late_payment_for_seats_nobody_took_still_sells_them(theatre, browser, db, settings):
    await hold_seats(browser, ["SL-D-1"])
    placed = await order(db, pay_link(await check_out(browser))[0])
    await db.execute(text("UPDATE orders SET expires_at = now() - interval '1 second'"))
    await db.commit()
    engine, ctx = await _worker_ctx(settings)
    await expire_orders(ctx)
    assert (await _pay(db, settings, await order(db, placed.number))).result == "paid"
    assert await db.scalar(select(EventSeat.status).where(EventSeat.key == "SL-D-1")) == "sold"
    await ctx["redis"].aclose()
    await engine.dispose()


async def test_a_payment_of_the_wrong_amount_is_refunded(theatre, browser, db, settings):
    await hold_seats(browser, ["SL-E-1"])
    placed = await order(db, pay_link(await check_out(browser))[0])
    outcome = await complete_payment(
        db, settings, placed.id, provider="test", external_id="evt_x", reference=None, amount_minor=1, currency="GBP"
    )
    assert outcome.result == "refund_due"
    assert await db.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_concurrent_redemptions_never_exceed_max_uses(theatre, app, db):
    from tests.conftest import Browser, _client

    await add_promo(db, theatre.id, "FIRST5", max_uses=5)
    buyers = []
    for n in range(20):
        client = _client(app)
        buyer = Browser(client)
        await hold_seats(buyer, [f"BAL-A-{n + 1}"])
        buyers.append(buyer)
    start = asyncio.Event()

    async def attempt(buyer):
        await start.wait()
        return await check_out(buyer, promo_code="FIRST5")

    tasks = [asyncio.create_task(attempt(b)) for b in buyers]
    start.set()
    responses = await asyncio.gather(*tasks)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(303) == 5 and codes.count(422) == 15
    assert all("used up" in r.text for r in responses if r.status_code == 422)
    assert await db.scalar(select(PromoCode.used_count)) == 5
    assert await db.scalar(select(func.count()).select_from(Order)) == 5
    for buyer in buyers:
        await buyer.client.aclose()


async def test_standing_places_are_sold_and_ticketed_one_by_one(db, browser, settings):
    from app.seating.models import EventArea
    from tests.seating.conftest import make_seated_event

    await make_seated_event(db, slug="the-gig", layout="arena", tiers={"floor": 3900, "lower": 5900, "upper": 2900})
    await browser.post_form("/events/the-gig/areas/hold", {"area": "FLOOR", "quantity": "2"}, htmx=True)
    await hold_seats(browser, ["L1-A-1"], slug="the-gig")
    placed = await order(db, pay_link(await check_out(browser, slug="the-gig"))[0])
    assert placed.total_minor == 2 * 3900 + 5900
    assert (await _pay(db, settings, placed)).result == "paid"
    area = await db.scalar(select(EventArea).execution_options(populate_existing=True))
    assert (area.held, area.sold) == (0, 2)
    tickets = (await db.execute(select(Ticket.area_key, Ticket.seat_key).order_by(Ticket.label))).all()
    assert sorted(tickets, key=str) == sorted([("FLOOR", None), ("FLOOR", None), (None, "L1-A-1")], key=str)
