"""The main pages in real Chromium under the Content-Security-Policy: a buyer finds an event, holds a seat, checks out,
pays and opens the ticket; the organizer opens the designer, the inventory, the door dashboard and the scanner. Not one
policy violation, and every page still does its job."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.db import create_engine, create_sessionmaker
from app.events.models import Event
from app.venues.models import SeatLayout
from tests.browser.conftest import PASSWORD
from tests.conftest import run_blocking
from tests.seating.conftest import make_seated_event

pytestmark = pytest.mark.browser
# Registered before any page script runs; Playwright's init scripts are not subject to the page's policy.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}`);
});
"""


@pytest.fixture
def tonight(database_url) -> dict:
    """A seated event starting in an hour (its doors open for the scanner), its owner able to log in."""
    slug = f"csp-{uuid.uuid4().hex[:6]}"

    async def create() -> dict:
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            event = await make_seated_event(session, slug=slug)
            starts = datetime.now(UTC) + timedelta(hours=1)
            await session.execute(
                update(Event).where(Event.id == event.id).values(starts_at=starts, ends_at=starts + timedelta(hours=3))
            )
            await session.execute(
                update(User).where(User.id == event.actor.user_id).values(password_hash=hash_password(PASSWORD))
            )
            organization_id = event.actor.organizations[0].id
            layout_id = await session.scalar(select(SeatLayout.id).where(SeatLayout.organization_id == organization_id))
            await session.commit()
        await engine.dispose()
        return {"slug": slug, "email": event.actor.email, "layout_id": layout_id}

    return run_blocking(asyncio.run, create())


def violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


def test_the_main_pages_work_without_a_single_policy_violation(page: Page, tonight):
    slug = tonight["slug"]
    console_refusals: list[str] = []
    page.on("console", lambda m: console_refusals.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(WATCH_VIOLATIONS)
    seen: dict[str, list[str]] = {}

    def visited(name: str) -> None:
        seen[name] = violations(page)

    page.goto("/")
    expect(page.get_by_role("link", name="The Play").first).to_be_visible()
    visited("listing")
    page.goto(f"/events/{slug}")
    expect(page.get_by_role("heading", name="The Play")).to_be_visible()
    visited("event")

    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live")  # htmx's SSE extension connected
    page.locator('circle[data-k="SC-G-5"]').click()
    expect(page.get_by_test_id("cart-seat")).to_have_count(1)
    expect(page.locator(".countdown .remaining")).not_to_have_text("--:--")  # usher.js ticks
    visited("seat picker with a hold")

    page.get_by_test_id("checkout").click()
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Name").fill("Ada Lovelace")
    expect(page.get_by_test_id("order-total")).to_have_text("£42.00")
    visited("checkout")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_test_id("no-real-money")).to_contain_text("no real money is taken")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    visited("pay")
    page.get_by_role("button", name="Pay £42.00").click()
    expect(page.get_by_test_id("order-status")).to_have_text("paid")
    page.get_by_test_id("ticket-link").first.get_by_role("link").click()
    expect(page.get_by_test_id("ticket-qr")).to_be_visible()
    visited("ticket")

    page.goto("/login")
    page.get_by_label("E-mail").fill(tonight["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Manage")).to_be_visible()
    page.goto(f"/manage/events/{slug}")
    expect(page.locator("summary", has_text="Cancel event")).to_be_visible()  # a confirmed step
    visited("event management")
    page.goto(f"/manage/layouts/{tonight['layout_id']}/edit")
    expect(page.locator("#design circle.seat").first).to_be_attached()  # the designer drew the saved layout
    visited("designer")
    page.goto(f"/manage/events/{slug}/seats")
    expect(page.locator('circle[data-k="SC-G-5"]')).to_be_attached()
    visited("inventory")
    page.goto(f"/manage/events/{slug}/checkins")
    expect(page.get_by_role("heading").first).to_be_visible()
    visited("door dashboard")
    page.goto(f"/scan/{slug}")
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    expect(page.get_by_test_id("bundle-size")).to_have_text("1")  # the ticket just bought
    visited("scanner")

    assert {name: found for name, found in seen.items() if found} == {}
    assert console_refusals == []


def test_an_injected_inline_handler_is_refused_and_seen_by_the_watch(page: Page):
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto("/")
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<img src="/none" onerror="window.ran = 1">')""")
    page.wait_for_function("window.cspViolations.length > 0")
    assert violations(page)[0].startswith("script-src")  # the inline handler was refused...
    assert page.evaluate("window.ran") is None  # ...and never ran
