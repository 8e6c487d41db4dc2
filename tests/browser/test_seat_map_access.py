"""The seat map for keyboard and screen-reader users (names read from the accessibility tree), and without
JavaScript (the server draws what is taken and says the live map needs a script)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from tests.browser.conftest import run_in_database
from tests.seating.conftest import make_seated_event


def theatre_with_sold_seats(database_url: str, *sold: str) -> str:
    slug = f"map-{uuid.uuid4().hex[:6]}"

    async def create(session) -> None:
        event = await make_seated_event(session, slug=slug)
        await session.execute(
            text(
                "UPDATE event_seats SET status = 'sold', version = nextval('seat_versions') "
                "WHERE event_id = :event AND key = ANY(:keys)"
            ),
            {"event": event.id, "keys": list(sold)},
        )
        await session.commit()

    run_in_database(database_url, create)
    return slug


def focused_seat(page: Page) -> str:
    return page.evaluate("document.activeElement.dataset.k")


def test_seats_are_named_buttons_the_keyboard_walks_past_sold_ones_by_seat_row_and_section(
    page: Page, database_url: str
):
    slug = theatre_with_sold_seats(database_url, "SL-A-1", "SL-A-3")
    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live")

    # named up front, price and access needs included; sold seats are not offered as buttons
    expect(
        page.get_by_role("button", name="Stalls left, row A, seat 2, £42.00, available", exact=True)
    ).to_have_attribute("aria-pressed", "false")
    expect(
        page.get_by_role("button", name="Stalls left, row K, seat 1, £42.00, available, wheelchair space")
    ).to_be_attached()
    expect(
        page.get_by_role("button", name="Balcony, row A, seat 4, £25.00, available, restricted view")
    ).to_be_attached()
    expect(page.get_by_role("button", name=re.compile(r"^Stalls left, row A, seat [13],"))).to_have_count(0)

    # the keyboard starts on a seat that can be picked: SL-A-1 is sold
    expect(page.locator('#seatmap circle.seat[tabindex="0"]')).to_have_attribute("data-k", "SL-A-2")
    page.locator('#seatmap circle.seat[tabindex="0"]').focus()
    expect(page.locator("#seat-info")).to_contain_text("Stalls left, row A, seat 2")
    page.keyboard.press("ArrowRight")
    assert focused_seat(page) == "SL-A-4"  # SL-A-3 is sold: skipped
    page.keyboard.press("End")
    assert focused_seat(page) == "SL-A-6"
    page.keyboard.press("Home")
    assert focused_seat(page) == "SL-A-2"
    page.keyboard.press("PageDown")
    assert focused_seat(page) == "SL-B-1"
    page.keyboard.press("PageUp")
    assert focused_seat(page) == "SL-A-2"
    page.keyboard.press("ArrowDown")
    assert focused_seat(page).startswith("SL-B-")

    page.keyboard.press("Enter")
    held = focused_seat(page)
    expect(page.locator(f'circle[data-k="{held}"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'circle[data-k="{held}"]')).to_have_attribute("aria-label", re.compile(r", held by you$"))
    expect(page.get_by_test_id("cart-seat")).to_have_count(1)

    page.get_by_label("Go to section").select_option(label="Balcony")
    assert focused_seat(page) == "BAL-A-1"
    expect(page.locator("#seatmap .focus-ring")).to_be_visible()


def test_the_legend_highlights_a_price_level_and_draws_yours_as_the_map_does(page: Page, database_url: str):
    slug = theatre_with_sold_seats(database_url)
    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live")
    balcony = page.get_by_role("button", name=re.compile(r"^Balcony £25\.00"))
    balcony.click()
    expect(balcony).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#seatmap")).to_have_attribute("data-highlight", "c2")
    balcony.click()
    expect(balcony).to_have_attribute("aria-pressed", "false")

    page.locator('circle[data-k="SC-C-6"]').click()
    mine = page.locator('circle[data-k="SC-C-6"]')
    expect(mine).to_have_class("seat c0 s-mine")
    swatch = page.locator(".legend circle.s-mine")
    style = "el => { const s = getComputedStyle(el); return [s.fill, s.stroke, s.strokeWidth]; }"
    assert swatch.evaluate(style) == mine.evaluate(style)


def test_without_javascript_the_map_shows_sold_seats_sold_and_says_it_needs_javascript(
    chromium: Browser, live_server: str, database_url: str
):
    slug = theatre_with_sold_seats(database_url, "SC-G-5")
    context = chromium.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/events/{slug}/seats")
    expect(page.locator('circle[data-k="SC-G-5"]')).to_have_class("seat c1 s-sold")
    expect(page.locator('circle[data-k="SC-G-6"]')).to_have_class("seat c1 s-available")
    expect(page.get_by_test_id("map-needs-js")).to_be_visible()
    expect(page.get_by_test_id("map-needs-js")).to_contain_text("The live seat map needs JavaScript")
    expect(page.locator("main")).not_to_contain_text("connecting")
    context.close()


def test_the_wheel_scrolls_the_page_ctrl_wheel_zooms_the_map_and_a_link_skips_it(page: Page, database_url: str):
    slug = theatre_with_sold_seats(database_url)
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live")
    seatmap = page.locator("#seatmap")
    seatmap.scroll_into_view_if_needed()
    box = seatmap.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before, view = page.evaluate("window.scrollY"), seatmap.get_attribute("viewBox")
    page.mouse.wheel(0, 200)
    page.wait_for_function("before => window.scrollY > before", arg=before)
    expect(page.locator("#map-hint")).to_have_text("Use Ctrl + scroll to zoom the map")
    assert seatmap.get_attribute("viewBox") == view

    page.keyboard.down("Control")
    page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    expect(seatmap).not_to_have_attribute("viewBox", view)

    skip = page.get_by_role("link", name="Skip the seat map")
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#picker-side")).to_be_focused()
