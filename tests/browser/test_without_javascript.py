"""With JavaScript switched off, the seat page still sells: through "Choose from a list" and through best available,
from the seat page to a paid ticket, every step a plain link or form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import update

from app.seating.models import EventSeat
from tests.browser.conftest import pay_with_the_test_card, run_in_database, seated_event


def check_out_and_pay(page: Page, total: str) -> None:
    page.get_by_test_id("checkout").click()
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Name").first.fill("Ada Lovelace")
    pay_with_the_test_card(page, total)


def test_without_javascript_a_buyer_chooses_seats_from_the_list_and_pays(no_script: Page, database_url: str):
    page = no_script
    slug = seated_event(database_url)
    page.goto(f"/events/{slug}/seats")
    page.get_by_test_id("seat-list-open").click()
    page.get_by_role("link", name="Stalls centre, 132 left").click()
    page.get_by_role("link", name="Row C, 12 seats").click()
    page.get_by_role("checkbox", name="Row C, seat 5, £65.00").check()
    page.get_by_role("checkbox", name="Row C, seat 6, £65.00").check()
    page.get_by_role("button", name="Hold selected seats").click()

    expect(page).to_have_url(re.compile(rf"/events/{slug}/seats#cart$"))  # back on the seat page, basket shown
    expect(page.get_by_test_id("cart-seat")).to_have_count(2)
    # The list no longer offers what the buyer holds.
    page.goto(f"/events/{slug}/seats?section=SC&row=2")
    expect(page.get_by_role("checkbox", name="Row C, seat 5, £65.00")).to_have_count(0)
    check_out_and_pay(page, "£130.00")


def test_without_javascript_best_available_holds_seats_and_the_buyer_pays(no_script: Page, database_url: str):
    page = no_script
    slug = seated_event(database_url)
    page.goto(f"/events/{slug}/seats")
    page.get_by_label("Seats together", exact=True).last.fill("2")
    page.get_by_label("Category").select_option(label="Balcony (£25.00)")
    page.get_by_role("button", name="Find seats").click()

    expect(page).to_have_url(re.compile(rf"/events/{slug}/seats#cart$"))
    expect(page.get_by_test_id("cart-seat")).to_have_count(2)
    check_out_and_pay(page, "£50.00")


def test_without_javascript_a_refused_hold_shows_the_problem_and_the_forms_again(no_script: Page, database_url: str):
    page = no_script
    slug = seated_event(database_url)

    async def sell_the_balcony(session) -> None:
        await session.execute(update(EventSeat).where(EventSeat.section_key == "BAL").values(status="sold"))
        await session.commit()

    run_in_database(database_url, sell_the_balcony)
    page.goto(f"/events/{slug}/seats")
    page.get_by_label("Category").select_option(label="Balcony (£25.00)")
    page.get_by_role("button", name="Find seats").click()
    expect(page.get_by_test_id("choose-problem")).to_have_text(
        "No 2 adjacent seats are left in this category. Try fewer, or pick on the map."
    )
    expect(page.get_by_test_id("choose-problem")).to_be_focused()
    expect(page.get_by_label("Category")).to_have_value("balcony")  # what was chosen stays chosen
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
