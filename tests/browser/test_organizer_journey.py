"""An organizer signs up, creates an organization, a venue and an event with two tiers, publishes it, and a
visitor finds it in the public listing — all in real Chromium."""

from __future__ import annotations

import asyncio
import re

from playwright.sync_api import Page, expect

from tests.conftest import run_blocking, take_confirmation_link


def test_organizer_publishes_an_event_with_two_tiers_and_visitors_find_it(page: Page, phone: Page, database_url):
    page.goto("/register")
    page.get_by_label("Your name").fill("Bea Browser")
    page.get_by_label("E-mail").fill("bea@example.com")
    page.get_by_label("Password").fill("browser-password-1")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()
    page.goto(run_blocking(asyncio.run, take_confirmation_link(database_url, "bea@example.com")))  # the mailed link
    expect(page.get_by_role("heading", name="Your e-mail address is confirmed")).to_be_visible()
    page.get_by_role("link", name="Go to your dashboard").click()

    page.get_by_label("Organization name").fill("Bea Concerts")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/manage/bea-concerts$"))

    page.get_by_role("link", name="Venues").click()
    page.get_by_label("Name").fill("Lisbon Hall")
    page.get_by_label("Timezone").fill("Europe/Lisbon")
    page.get_by_role("button", name="Add venue").click()
    expect(page.get_by_role("cell", name="Lisbon Hall")).to_be_visible()

    page.locator(".tabs").get_by_role("link", name="Events").click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title").fill("Fado by Night")
    page.get_by_label("Description").fill("An evening of fado.")
    page.get_by_label("Category").select_option("music")
    page.get_by_label("Starts").fill("2031-03-14T21:00")
    page.get_by_label("Ends").fill("2031-03-14T23:30")
    page.get_by_label("Timezone").fill("Europe/Lisbon")
    page.get_by_label("Venue").select_option(label="Lisbon Hall")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_test_id("event-status")).to_have_text("draft")
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()

    tiers = page.locator("#tiers")
    for name, price in (("Standard", "18.50"), ("Front row", "42")):
        tiers.get_by_label("Name").fill(name)
        tiers.get_by_role("textbox", name="Price", exact=True).fill(price)
        tiers.get_by_label("Capacity (general admission)").fill("120")
        tiers.get_by_role("button", name="Add tier").click()
        expect(tiers.get_by_role("cell", name=name, exact=True)).to_be_visible()
    # The tier list and the status card are fragments swapped by htmx: no full reload happened.
    expect(tiers.get_by_role("cell", name="€18.50")).to_be_visible()
    page.reload()  # the publish button re-checks the problems with the tiers in place
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("event-status")).to_have_text("published")

    phone.goto("/")
    phone.get_by_label("Search").fill("fado")
    phone.get_by_role("button", name="Search").click()
    card = phone.locator(".event-card", has_text="Fado by Night")
    expect(card).to_be_visible()
    expect(card).to_contain_text("from €18.50")
    card.click()
    expect(phone.get_by_role("heading", name="Fado by Night")).to_be_visible()
    expect(phone.locator(".when")).to_contain_text("Fri 14 Mar 2031, 21:00 WET")
    expect(phone.locator(".tiers")).to_contain_text("€42.00")
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_form_errors_show_next_to_their_fields_and_keep_what_was_typed(page: Page):
    page.goto("/register")
    page.get_by_label("Your name").fill("Typo Tom")
    page.get_by_label("E-mail").fill("tom@@example")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#e-email")).to_contain_text("not valid")
    expect(page.locator("#e-password")).to_contain_text("at least 10")
    expect(page.get_by_label("Your name")).to_have_value("Typo Tom")
