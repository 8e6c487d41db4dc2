"""A big map opens on its sections: what is left per section follows other buyers live, and a section opened
later draws its seats as they stand by then."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import seated_event
from tests.browser.test_seat_map_phone import STADIUM_TIERS


def test_a_section_not_yet_opened_counts_down_live_and_draws_the_seat_taken_meanwhile(
    page: Page, chromium: Browser, live_server: str, database_url: str
):
    slug = seated_event(database_url, "stadium", STADIUM_TIERS)
    other = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}).new_page()
    for viewer in (page, other):
        viewer.goto(f"/events/{slug}/seats")
        expect(viewer.get_by_test_id("live-state")).to_have_text("live")
    north_2 = page.locator('g.sec-shape[data-sec="2"]')
    expect(north_2.locator(".sec-left")).to_have_text("650 left")
    expect(page.locator("#seatmap circle.seat")).to_have_count(0)  # seats are drawn when a section opens

    other.get_by_label("Go to section").select_option(label="North 2")  # the keyboard is on its first free seat
    other.keyboard.press("ArrowRight")
    other.keyboard.press("Enter")
    expect(other.locator('circle[data-k="N2-A-2"]')).to_have_attribute("aria-pressed", "true")

    expect(north_2.locator(".sec-left")).to_have_text("649 left", timeout=2000)
    expect(north_2).to_have_attribute("aria-label", re.compile(r"^North 2, Category 1, £95\.00, 649 left$"))
    page.get_by_label("Go to section").select_option(label="North 2")
    expect(page.locator('circle[data-k="N2-A-2"]')).to_have_class("seat c0 s-held")
    held_name = "North 2, row A, seat 2, £95.00, held by someone else, companion seat"
    held = page.get_by_role("button", name=held_name, exact=True)
    expect(held).to_have_attribute("aria-pressed", "false")
    other.context.close()
