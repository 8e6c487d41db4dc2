"""Forms that help, in Chromium: an invalid submit moves focus to an error summary whose links go to the fields
(with htmx and without JavaScript); a tier change refreshes the publish card without a reload; cancelling,
deleting and revoking are confirmed steps that work without JavaScript."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.events import service as events
from app.events.models import EventStatus
from tests.browser.conftest import PASSWORD, log_in, run_in_database
from tests.seating.conftest import make_seated_event


def draft_without_balcony_prices(database_url: str) -> tuple[str, str]:
    """A draft on the theatre map whose balcony has no price yet (publishing is blocked); (slug, owner e-mail)."""
    slug = f"draft-{uuid.uuid4().hex[:6]}"

    async def create(session) -> str:
        event = await make_seated_event(session, slug=slug)
        await events.set_status(session, event.actor, slug, EventStatus.DRAFT)
        balcony = next(t for t in (await events.get_event_for(session, event.actor, slug)).tiers if t.name == "Balcony")
        await events.delete_tier(session, event.actor, slug, balcony.id)
        await session.execute(
            update(User).where(User.id == event.actor.user_id).values(password_hash=hash_password(PASSWORD))
        )
        await session.commit()
        return event.actor.email

    return slug, run_in_database(database_url, create)


def test_a_tier_change_refreshes_the_publish_card_without_a_reload(page: Page, database_url):
    slug, owner = draft_without_balcony_prices(database_url)
    log_in(page, owner)
    page.goto(f"/manage/events/{slug}")
    status = page.locator("#status")
    expect(status.get_by_test_id("publish-problems")).to_contain_text(
        "Add price tiers for the seat categories: Balcony"
    )
    expect(status.get_by_role("button", name="Publish")).to_be_disabled()
    page.evaluate("window.stayedOnThePage = true")

    tiers = page.locator("#tiers")
    tiers.get_by_label("Name").fill("Balcony")
    tiers.get_by_role("textbox", name="Price", exact=True).fill("25.00")
    tiers.get_by_label("Currency").select_option("GBP")
    tiers.get_by_label("Seats of a category").check()
    tiers.get_by_label("Seat category (seated)").select_option(label="Balcony")  # the designer's name
    tiers.get_by_role("button", name="Add tier").click()
    expect(tiers.get_by_role("row", name="Balcony Seats: Balcony £25.00")).to_be_visible()
    expect(status.get_by_test_id("publish-problems")).to_have_count(0)
    expect(status.get_by_role("button", name="Publish")).to_be_enabled()

    tiers.locator(
        "summary", has_text="Delete Balcony"
    ).click()  # a disclosure: the consequences, then the button that acts
    tiers.get_by_role("button", name="Yes, delete Balcony").click()
    expect(status.get_by_test_id("publish-problems")).to_contain_text("Balcony")
    expect(status.get_by_role("button", name="Publish")).to_be_disabled()
    assert page.evaluate("window.stayedOnThePage") is True


def test_an_invalid_htmx_submit_focuses_the_summary_whose_links_focus_the_fields(page: Page, database_url):
    slug, owner = draft_without_balcony_prices(database_url)
    log_in(page, owner)
    page.goto(f"/manage/events/{slug}")
    tiers = page.locator("#tiers")
    tiers.get_by_role("textbox", name="Price", exact=True).fill("twelve")
    tiers.get_by_role("button", name="Add tier").click()
    summary = tiers.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter the tier's name.", "Enter a price such as 25 or 25.00.", "Enter how many places this tier sells."]
    )
    summary.get_by_role("link", name="Enter the tier's name.").click()
    expect(tiers.get_by_label("Name")).to_be_focused()
    summary.get_by_role("link", name="such as 25").click()
    price = tiers.get_by_role("textbox", name="Price", exact=True)
    expect(price).to_be_focused()
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_have_accessible_description("Enter a price such as 25 or 25.00.")


def test_without_javascript_an_invalid_submit_focuses_the_summary_and_its_links_lead_to_the_fields(
    no_script: Page, database_url
):
    slug, owner = draft_without_balcony_prices(database_url)
    log_in(no_script, owner)
    no_script.goto(f"/manage/events/{slug}")
    no_script.get_by_label("Title").fill("")
    no_script.get_by_role("button", name="Save changes").click()
    summary = no_script.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter the event's title.").click()
    expect(no_script.get_by_label("Title")).to_be_focused()


def test_without_javascript_cancelling_and_deleting_are_confirmed_steps(no_script: Page, database_url):
    slug, owner = draft_without_balcony_prices(database_url)
    log_in(no_script, owner)
    no_script.goto(f"/manage/events/{slug}")
    tiers = no_script.locator("#tiers")
    delete = tiers.get_by_role("button", name="Yes, delete Stalls")
    expect(delete).to_be_hidden()  # nothing acts on the first click
    tiers.locator("summary", has_text="Delete Stalls").click()
    expect(tiers).to_contain_text("tickets already sold stay valid")
    delete.click()
    expect(tiers.get_by_role("row", name="Stalls")).to_have_count(0)
    expect(tiers.get_by_role("row", name="Premium")).to_have_count(1)

    no_script.locator("summary", has_text="Cancel event").click()
    expect(no_script.locator("#status")).to_contain_text("Paid orders are not refunded by themselves")
    no_script.get_by_role("button", name="Yes, cancel The Play").click()
    expect(no_script.get_by_test_id("event-status")).to_have_text("cancelled")

    organization = f"org-{slug}"
    no_script.goto(f"/manage/{organization}/tokens")
    no_script.get_by_label("What is it for?").fill("Box office")
    no_script.get_by_role("button", name="Create token").click()
    no_script.locator("summary", has_text="Revoke Box office").click()
    no_script.get_by_role("button", name="Yes, revoke Box office").click()
    expect(no_script.get_by_text("Token revoked.")).to_be_visible()
