"""What door staff see: each scan or lookup replaces the verdict, result buttons say whose ticket they check in,
times are the event's, and on a phone the verdict stays in view while the camera shows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.tickets.models import Ticket
from app.timeutil import format_local
from tests.browser import scanner_door
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, log_in
from tests.browser.scanner_door import in_database, open_scanner, type_code

tonight = scanner_door.tonight  # the fixture


@pytest.fixture
def door_phone(chromium: Browser, live_server: str) -> Iterator[Page]:
    """A 390x844 phone whose clock and language are not the event's: New York, 12-hour English."""
    context = chromium.new_context(
        base_url=live_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        timezone_id="America/New_York",
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_valid_then_no_match_then_garbage_then_valid_each_verdict_replaces_the_last(door_phone: Page, tonight):
    page = door_phone
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    verdict = page.get_by_test_id("verdict")

    type_code(page, tonight["codes"][0])
    expect(verdict).to_have_class("verdict valid")
    expect(verdict).to_contain_text("Ada Lovelace")

    type_code(page, "Grace Nobody")  # a lookup that matches no one
    expect(verdict).to_have_class("verdict nomatch")
    expect(verdict.locator(".verdict-title")).to_have_text("No match")
    expect(verdict).not_to_contain_text("Valid")
    expect(verdict).not_to_contain_text("Ada Lovelace")
    expect(page.get_by_test_id("lookup-results").get_by_role("listitem")).to_have_count(0)

    type_code(page, "U1.not-a-ticket")  # a garbage code
    expect(verdict).to_have_class("verdict invalid")
    expect(verdict.locator(".verdict-title")).to_have_text("Invalid")
    expect(verdict).not_to_contain_text("No match")

    type_code(page, tonight["codes"][1])
    expect(verdict).to_have_class("verdict valid")
    expect(verdict).to_contain_text("Stalls left · row B · seat 2")
    expect(verdict).not_to_contain_text("Invalid")
    assert verdict.get_attribute("aria-live") == "assertive"  # every new verdict is announced


def test_result_buttons_name_their_ticket_and_times_are_the_events_in_its_format(
    door_phone: Page, tonight, database_url
):
    page = door_phone
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    expect(page.get_by_role("heading", level=1)).to_have_text("The Play")
    type_code(page, tonight["codes"][0])
    expect(page.get_by_test_id("verdict")).to_have_class("verdict valid")

    async def checked_in_at(session):
        return await session.scalar(select(Ticket.checked_in_at).where(Ticket.code == tonight["codes"][0]))

    # The event is in London; the phone in New York, with a 12-hour clock.
    shown = format_local(in_database(database_url, checked_in_at), "Europe/London", "%H:%M:%S")
    type_code(page, tonight["codes"][0])
    expect(page.get_by_test_id("verdict")).to_contain_text(f"checked in at {shown} by")

    type_code(page, "lovelace")
    expect(page.get_by_test_id("verdict")).to_contain_text("3 tickets match")
    results = page.get_by_test_id("lookup-results")
    for seat in (1, 2, 3):
        name = f"Check in Ada Lovelace, Stalls left · row B · seat {seat}"
        expect(results.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(results).to_contain_text(f"(in at {shown})")
    assert not any(mark in results.inner_text() for mark in (" AM", " PM"))


def test_on_a_phone_the_verdict_stays_in_view_while_the_camera_shows(chromium: Browser, live_server: str, tonight):
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
    )
    try:
        context = browser.new_context(
            base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True, permissions=["camera"]
        )
        page = context.new_page()
        log_in(page, tonight["email"])
        open_scanner(page, tonight["slug"])
        page.get_by_role("button", name="Start camera").click()
        expect(page.locator("#camera")).to_have_js_property("paused", False)
        assert page.evaluate("window.scrollY") == 0
        for box in (page.locator("#camera").bounding_box(), page.get_by_test_id("verdict").bounding_box()):
            assert box["y"] >= 0 and box["y"] + box["height"] <= 844  # both on screen without scrolling
        for button in page.get_by_role("button").all():
            if button.is_visible():
                size = button.bounding_box()
                assert size["width"] >= 24 and size["height"] >= 24  # WCAG 2.5.8 target size
    finally:
        browser.close()
