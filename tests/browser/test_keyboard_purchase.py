"""A purchase with the keyboard alone, from the home page to the paid ticket, through "Choose from a list": Tab,
Enter and Space only, and the list's accessible names read from the accessibility tree."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import seated_event

MOST_TABS = 80  # a control further than this from the last one is itself a finding


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until the target has focus, as a keyboard user would."""
    expect(target).to_have_count(1)
    for _ in range(MOST_TABS):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{MOST_TABS} Tabs did not reach {target}")


def test_a_keyboard_user_buys_seats_from_the_list_from_the_home_page_to_the_paid_ticket(page: Page, database_url):
    slug = seated_event(database_url)
    page.goto("/")
    tab_to(page, page.get_by_role("link", name=re.compile("The Play")))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Choose seats"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/events/{slug}/seats$"))

    tab_to(page, page.get_by_test_id("seat-list-open"))  # the list is the seat page's first stop
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Stalls left, 72 left"))
    page.keyboard.press("Enter")
    # The step swaps in place and focus moves to its heading, so the next Tab goes on from there.
    expect(page.get_by_role("heading", name="Stalls left: choose a row")).to_be_focused()
    tab_to(page, page.get_by_role("link", name="Row K, 9 seats"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Stalls left, row K")).to_be_focused()
    # What a screen reader hears: the row as a named group, each seat a checkbox named with price and attributes.
    expect(page.locator("#seat-list fieldset").last).to_match_aria_snapshot(
        """
        - group "Stalls left, row K":
          - heading "Stalls left, row K" [level=3]
          - list:
            - listitem:
              - checkbox "Row K, seat 1, £42.00, wheelchair space"
            - listitem:
              - checkbox "Row K, seat 2, £42.00, companion seat"
            - listitem:
              - checkbox "Row K, seat 3, £42.00"
        """
    )

    wheelchair = page.get_by_role("checkbox", name="Row K, seat 1, £42.00, wheelchair space")
    companion = page.get_by_role("checkbox", name="Row K, seat 2, £42.00, companion seat")
    tab_to(page, wheelchair)
    page.keyboard.press("Space")
    tab_to(page, companion)
    page.keyboard.press("Space")
    expect(wheelchair).to_be_checked()
    expect(companion).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Hold selected seats"))
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("cart-seat")).to_have_count(2)
    expect(wheelchair).to_have_count(0)  # the list refreshes: held seats are no longer offered
    tab_to(page, page.get_by_test_id("checkout"))
    page.keyboard.press("Enter")

    tab_to(page, page.get_by_label("E-mail"))
    page.keyboard.type("ada@example.com")
    tab_to(page, page.get_by_label("Name").first)
    page.keyboard.type("Ada Lovelace")
    tab_to(page, page.get_by_role("button", name="Continue to payment"))
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("pay-total")).to_have_text("£84.00")
    tab_to(page, page.get_by_label("Card number"))
    page.keyboard.type("4242 4242 4242 4242")
    tab_to(page, page.get_by_role("button", name="Pay £84.00"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("order-status")).to_have_text("paid")
