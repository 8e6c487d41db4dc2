"""A published theatre event with fees and promo codes at hand, and buyers who hold seats through the page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from app.events.models import Event
from app.orders.models import Order, PromoCode
from tests.seating.conftest import SeatedEvent, make_seated_event


@pytest.fixture
async def theatre(db) -> SeatedEvent:
    return await make_seated_event(db)


async def hold_seats(browser, seats: list[str], slug: str = "the-play") -> None:
    response = await browser.post_form(f"/events/{slug}/seats/hold", {"seat": seats}, htmx=True)
    assert response.status_code == 200, response.text


async def check_out(browser, slug: str = "the-play", **fields: str):
    data = {"email": "ada@example.com", "name": "Ada Lovelace", **fields}
    return await browser.post_form(f"/events/{slug}/checkout", data)


def pay_link(response) -> tuple[str, str]:
    """(order number, access token) from the redirect to the pay page."""
    assert response.status_code == 303, response.text
    number, token = re.match(r"/orders/(\w+)/pay\?k=(\S+)", response.headers["location"]).groups()
    return number, token


async def pay(browser, number: str, token: str, card: str = "4242 4242 4242 4242"):
    return await browser.post_form(f"/orders/{number}/pay/test?k={token}", {"card_number": card})


async def order(db, number: str) -> Order:
    return await db.scalar(select(Order).where(Order.number == number).execution_options(populate_existing=True))


async def set_fees(db, slug: str = "the-play", percent_bp: int = 0, fixed_minor: int = 0) -> None:
    await db.execute(
        update(Event).where(Event.slug == slug).values(fee_percent_bp=percent_bp, fee_fixed_minor=fixed_minor)
    )
    await db.commit()


async def add_promo(db, event_id, code: str, kind: str = "percent", value: int = 10, max_uses: int | None = None):
    db.add(PromoCode(event_id=event_id, code=code, kind=kind, value=value, max_uses=max_uses))
    await db.commit()
