"""Logs never carry a bearer secret: ticket codes, order keys (?k=, X-Order-Token), cart tokens, password reset,
invitation and address-confirmation tokens, Stripe client secrets, or the values a database error quotes."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.config import PROJECT_ROOT
from app.main import create_app
from app.observability import JsonFormatter
from app.tickets.models import Ticket
from tests.conftest import Browser, _client, serving
from tests.seating.conftest import make_seated_event


@pytest.fixture
async def logged(settings) -> AsyncIterator[tuple[Browser, io.StringIO]]:
    """A visitor of an app logging at INFO, and everything its log handler writes."""
    application = create_app(replace(settings, log_level="INFO"))
    written = io.StringIO()
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, JsonFormatter):
            handler.setStream(written)
    async with serving(application) as app, _client(app) as client:
        yield Browser(client), written


async def test_requests_carrying_secrets_are_logged_without_them(logged, db):
    browser, written = logged
    await make_seated_event(db)
    held = await browser.client.post("/api/v1/events/the-play/holds", json={"seats": ["SL-G-1", "SL-G-2"]})
    cart = held.headers["x-cart"]
    body = {"event": "the-play", "email": "ada@example.com", "name": "Ada Lovelace"}
    placed = await browser.client.post("/api/v1/orders", json=body, headers={"X-Cart": cart})
    number, key = placed.json()["number"], placed.headers["x-order-token"]
    paid = await browser.post_form(f"/orders/{number}/pay/test?k={key}", {"card_number": "4242 4242 4242 4242"})
    assert paid.status_code == 303
    assert (await browser.get(f"/orders/{number}?k={key}")).status_code == 200
    assert (await browser.get(f"/api/v1/orders/{number}", headers={"X-Order-Token": key})).status_code == 200
    codes = list(await db.scalars(select(Ticket.code)))
    for code in codes:
        assert (await browser.get(f"/tickets/{code}")).status_code == 200
        assert (await browser.get(f"/tickets/{code}/event.ics")).status_code == 200
    reset, invitation, confirmation = (secrets.token_urlsafe(32) for _ in range(3))
    await browser.get(f"/password/reset/{reset}")
    await browser.get(f"/invitations/{invitation}")
    await browser.get(f"/account/verify/{confirmation}")
    client_secret = f"pi_{secrets.token_hex(8)}_secret_{secrets.token_hex(8)}"
    await browser.client.post("/webhooks/stripe", json={"data": {"object": {"client_secret": client_secret}}})

    log = written.getvalue()
    assert log.count('"message": "request"') >= 13  # every request above was logged
    assert "/tickets/[redacted]/event.ics" in log and "/password/reset/[redacted]" in log
    for secret in (cart, key, *codes, reset, invitation, confirmation, client_secret):
        assert secret not in log


async def test_a_database_error_quoting_a_ticket_code_is_logged_without_it(logged, db):
    browser, written = logged
    await make_seated_event(db)
    held = await browser.client.post("/api/v1/events/the-play/holds", json={"seats": ["SL-G-1", "SL-G-2"]})
    body = {"event": "the-play", "email": "ada@example.com", "name": "Ada Lovelace"}
    placed = await browser.client.post("/api/v1/orders", json=body, headers={"X-Cart": held.headers["x-cart"]})
    number, key = placed.json()["number"], placed.headers["x-order-token"]
    await browser.post_form(f"/orders/{number}/pay/test?k={key}", {"card_number": "4242 4242 4242 4242"})
    first, second = list(await db.execute(select(Ticket.id, Ticket.code)))
    try:
        await db.execute(update(Ticket).where(Ticket.id == second.id).values(code=first.code))
    except IntegrityError:
        logging.getLogger("app.orders").exception("could not reissue a ticket")
    await db.rollback()

    log = written.getvalue()
    assert "could not reissue a ticket" in log and "already exists" in log  # the real error was logged
    assert first.code not in log and second.code not in log


def test_uvicorn_access_lines_are_redacted_and_the_access_log_is_off_wherever_the_app_is_served():
    access = ('%s - "%s %s HTTP/%s" %d', ("10.0.0.1:5000", "GET", "/tickets/TCODE1?k=OKEY2", "1.1", 200))
    line = JsonFormatter().format(logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0, *access, None))
    assert "/tickets/[redacted]?k=[redacted]" in line
    assert "TCODE1" not in line and "OKEY2" not in line
    for served_by in ("Dockerfile", "app/cli.py", "app/serving.py"):
        assert "--no-access-log" in (PROJECT_ROOT / served_by).read_text()  # usher.access logs requests instead
    logging_config = json.loads((PROJECT_ROOT / "app" / "logging.json").read_text())
    assert logging_config["loggers"]["uvicorn.access"]["level"] == "WARNING"
