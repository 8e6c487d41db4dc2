"""The live seat picker in real Chromium: two buyers, one map, the truth within two seconds."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect


def open_picker(page: Page, slug: str) -> None:
    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live")


def seat(page: Page, key: str):
    return page.locator(f'circle[data-k="{key}"]')


def test_a_seat_held_in_one_browser_turns_unavailable_in_another_and_back(
    page: Page, chromium: Browser, live_server: str, seated_slug: str
):
    other = chromium.new_context(base_url=live_server).new_page()
    open_picker(page, seated_slug)
    open_picker(other, seated_slug)

    seat(page, "SC-C-6").click()
    expect(page.get_by_test_id("cart-seat")).to_have_count(1)
    expect(page.get_by_test_id("cart-seat")).to_contain_text("row C · seat 6")
    expect(seat(page, "SC-C-6")).to_have_class("seat c0 s-mine")
    expect(seat(other, "SC-C-6")).to_have_class("seat c0 s-held", timeout=2000)

    seat(other, "SC-C-6").click()  # a taken seat cannot be taken
    expect(other.get_by_test_id("cart-empty")).to_be_visible()

    page.get_by_role("button", name="Stalls centre, row C, seat 6, £65.00, held by you").click()  # released
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
    expect(seat(other, "SC-C-6")).to_have_class("seat c0 s-available", timeout=2000)
    other.context.close()


def test_keyboard_moves_between_seats_and_enter_holds(page: Page, seated_slug: str):
    open_picker(page, seated_slug)
    first = seat(page, "SL-A-1")
    first.focus()
    expect(page.locator("#seat-info")).to_contain_text("Stalls left, row A, seat 1")
    page.keyboard.press("ArrowRight")
    expect(seat(page, "SL-A-2")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#seat-info")).to_contain_text("row B")
    focused_key = page.evaluate("document.activeElement.dataset.k")
    assert focused_key.startswith("SL-B-")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cart-seat")).to_have_count(1)
    expect(seat(page, focused_key)).to_have_class("seat c1 s-mine")
    label = seat(page, focused_key).get_attribute("aria-label")
    assert "held by you" in label and "£42.00" in label


def test_the_picker_works_on_a_phone(phone: Page, seated_slug: str):
    open_picker(phone, seated_slug)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_role("button", name=re.compile(r"^Balcony, ")).tap()  # a phone opens on the sections
    seat(phone, "BAL-A-10").tap()
    expect(phone.get_by_test_id("cart-seat")).to_contain_text("Balcony")
    expect(phone.locator(".countdown .remaining")).to_have_text(re.compile(r"^(10:00|9:5\d)$"))
