"""The basket in real Chromium: a bar that stays in view after the first hold, on phones and desktops, and the
checkout's countdown that warns before the hold ends and extends it once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from app.seating.models import EventSeat
from tests.browser.conftest import run_in_database
from tests.browser.test_axe_sweep import problems_in

COUNTDOWN = re.compile(r"^\d{1,2}:\d\d$")


def hold(page: Page, slug: str, key: str) -> None:
    """Hold a seat the way the map does (htmx posts the seat, the basket is swapped in)."""
    page.evaluate(
        "([slug, key]) => htmx.ajax('POST', `/events/${slug}/seats/hold`, {target: '#cart', values: {seat: key}})",
        [slug, key],
    )


def in_viewport(page: Page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_after_the_first_hold_the_basket_bar_stays_in_view_and_opens_into_the_list(
    chromium: Browser, live_server: str, seated_slug: str, size: tuple[int, int]
):
    width, height = size
    context = chromium.new_context(  # bypass_csp: axe-core is injected as a script (the CSP test covers basket.js)
        base_url=live_server, viewport={"width": width, "height": height}, has_touch=width < 600, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"/events/{seated_slug}/seats")
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
    expect(page.get_by_test_id("basket-bar")).to_have_count(0)

    hold(page, seated_slug, "SC-G-5")
    bar = page.get_by_test_id("basket-bar")
    expect(bar).to_be_visible()
    expect(bar.get_by_test_id("basket-count")).to_have_text("1 ticket")
    expect(bar.get_by_test_id("basket-total")).to_have_text("£42.00")
    expect(bar.locator(".countdown .remaining")).to_have_text(COUNTDOWN)
    checkout = bar.get_by_role("link", name="Checkout")
    expect(checkout).to_be_visible()
    for scroll in ("0", "document.body.scrollHeight"):  # at the top of the page and at its end
        page.evaluate(f"window.scrollTo(0, {scroll})")
        assert in_viewport(page, bar) and in_viewport(page, checkout)
    # At the end of the page nothing is left under the bar: the page has room for it.
    footer = page.locator("footer").last.bounding_box()
    assert footer["y"] + footer["height"] <= bar.bounding_box()["y"] + 1

    hold(page, seated_slug, "SC-G-6")
    expect(bar.get_by_test_id("basket-count")).to_have_text("2 tickets")
    expect(bar.get_by_test_id("basket-total")).to_have_text("£84.00")
    seats = bar.get_by_test_id("cart-seat")
    expect(seats.first).to_be_hidden()  # closed until asked
    summary = bar.locator("summary")
    summary.click()
    expect(seats).to_have_count(2)
    expect(seats.first).to_be_visible()
    assert problems_in(page) == []  # axe-core: no critical or serious violation, no target under 24 px
    release = bar.get_by_role("button", name="Release Stalls centre row G seat 5")
    box = release.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.5.8 target size
    assert summary.bounding_box()["height"] >= 24
    release.click()
    expect(bar.get_by_test_id("basket-count")).to_have_text("1 ticket")
    expect(seats).to_have_count(1)
    expect(seats.first).to_be_visible()  # the list stays open across the swap
    expect(summary).to_be_focused()  # focus is not dropped on the page
    assert (
        page.evaluate(
            "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
            " return ids.filter((id, i) => ids.indexOf(id) !== i); }"
        )
        == []
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_checkout_warns_before_the_hold_ends_and_extends_it_once(page: Page, seated_slug: str, database_url: str):
    page.goto(f"/events/{seated_slug}/seats")
    hold(page, seated_slug, "SC-E-7")
    page.get_by_test_id("basket-bar").get_by_role("link", name="Checkout").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    countdown = page.locator(".hold-clock .countdown")
    expect(countdown.locator(".remaining")).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))
    expect(countdown).to_have_attribute("aria-live", "off")  # the ticking text is not announced every second
    news = page.get_by_test_id("hold-news")
    expect(news).to_have_text("")

    async def nearly_over(session) -> None:
        until = datetime.now(UTC) + timedelta(seconds=100)
        await session.execute(update(EventSeat).where(EventSeat.key == "SC-E-7").values(held_until=until))
        await session.commit()

    run_in_database(database_url, nearly_over)
    page.reload()
    expect(news).to_have_text(re.compile(r"^Less than 2 minutes left to keep your seats\. Need more time\?"))
    expect(news).to_have_attribute("aria-live", "polite")
    expect(news).to_have_attribute("role", "status")
    assert page.locator("[aria-live=polite] .remaining, [role=status] .remaining").count() == 0

    page.get_by_role("button", name="Give me 5 more minutes").click()
    expect(countdown.locator(".remaining")).to_have_text(re.compile(r"^6:[34]\d$"))  # 100 s + 300 s
    expect(news).to_have_text(re.compile(r"^Done: your seats are held until \d\d:\d\d [A-Z+0-9]+\.$"))
    expect(page.get_by_role("button", name="Give me 5 more minutes")).to_have_count(0)
    expect(page.get_by_test_id("extended-once")).to_be_visible()

    # A second try (a stale tab, a double click) is refused, says why and changes nothing.
    page.evaluate(
        "(slug) => htmx.ajax('POST', `/events/${slug}/checkout/extend`, {target: '#hold-clock', swap: 'outerHTML'})",
        seated_slug,
    )
    expect(news).to_have_text("Your hold was already extended once; it cannot be extended again.")
    expect(countdown.locator(".remaining")).to_have_text(re.compile(r"^6:[234]\d$"))


def test_the_basket_bar_warns_before_the_hold_ends_and_says_when_the_seats_are_back_on_sale(
    page: Page, seated_slug: str, database_url: str
):
    page.goto(f"/events/{seated_slug}/seats")
    hold(page, seated_slug, "SC-F-3")
    expect(page.get_by_test_id("basket-bar")).to_be_visible()

    def hold_ends_in(seconds: int) -> None:
        async def move(session) -> None:
            until = datetime.now(UTC) + timedelta(seconds=seconds)
            await session.execute(update(EventSeat).where(EventSeat.key == "SC-F-3").values(held_until=until))
            await session.commit()

        run_in_database(database_url, move)
        page.reload()

    news = page.get_by_test_id("basket-bar").get_by_test_id("hold-news")
    hold_ends_in(100)
    expect(news).to_have_text("Less than 2 minutes left: check out now to keep your seats.")
    expect(news).to_have_attribute("aria-live", "polite")
    hold_ends_in(6)  # long enough to render the page on a busy machine, short enough to wait for
    expect(news).to_have_text("Your hold has expired; the seats are back on sale.", timeout=15_000)
