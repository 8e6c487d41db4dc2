"""The frame of every page in Chromium: the skip link is the first Tab stop and lands on the main content; an open
event page sees places left drop while someone else buys, without a reload; the buyer's order page says they are
going and what happens next; public pages fit a 320 px phone."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.db import create_engine, create_sessionmaker
from tests.browser.conftest import pay_with_the_test_card
from tests.conftest import app_server, run_blocking
from tests.seating.conftest import make_general_admission_event


@pytest.fixture(scope="module")
def quick_server(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with open event pages refreshing their places left every second (ten by default)."""
    mail = tmp_path_factory.mktemp("mail")
    with app_server(database_url, redis_url, mail, AVAILABILITY_REFRESH_SECONDS="1") as base_url:
        yield base_url


def general_admission_event(database_url: str, capacity: int = 40) -> str:
    slug = f"gig-{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            await make_general_admission_event(session, slug=slug, capacity=capacity)
        await engine.dispose()

    run_blocking(asyncio.run, create())
    return slug


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(page: Page, database_url):
    slug = general_admission_event(database_url)
    for path in ("/", f"/events/{slug}"):
        page.goto(path)
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box and box["y"] >= 0 and box["height"] >= 24, "the focused skip link is on screen"
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
        page.keyboard.press("Tab")  # the next stop is inside the main content, not back in the header
        assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_an_open_event_page_sees_places_left_drop_while_another_buyer_pays_and_the_buyer_is_told_what_next(
    chromium: Browser, quick_server: str, database_url
):
    slug = general_admission_event(database_url)
    watcher = chromium.new_context(base_url=quick_server)
    buyer = chromium.new_context(base_url=quick_server)
    try:
        watching = watcher.new_page()
        watching.goto(f"/events/{slug}")
        left = watching.get_by_test_id("tier").filter(has_text="General").get_by_test_id("tier-left")
        expect(left).to_have_text("40 left")
        watching.evaluate("window.notReloaded = true")

        buying = buyer.new_page()
        buying.goto(f"/events/{slug}")
        buying.get_by_test_id("places-form").get_by_label("General").fill("2")
        buying.get_by_role("button", name="Get tickets").click()
        buying.get_by_test_id("checkout").click()
        buying.get_by_label("E-mail").fill("grace@example.com")
        buying.get_by_label("Name").fill("Grace Hopper")
        pay_with_the_test_card(buying, "£30.00")

        expect(left).to_have_text("38 left")
        assert watching.evaluate("window.notReloaded") is True
        expect(buying.get_by_role("heading", level=1)).to_have_text("You're going to The Comedy Night")
        steps = buying.get_by_test_id("next-steps")
        expect(steps).to_contain_text("We e-mailed your tickets to grace@example.com")
        expect(steps).to_contain_text("show each ticket's QR code")
        expect(steps.get_by_role("link", name="Add The Comedy Night to your calendar")).to_have_attribute(
            "href", re.compile(r"^/tickets/[^/]+/event\.ics$")
        )
        expect(steps.get_by_role("link", name="how to get help")).to_have_attribute("href", "/accessibility#help")
    finally:
        watcher.close()
        buyer.close()


def test_public_pages_fit_a_320_px_phone(chromium: Browser, live_server: str, database_url):
    slug = general_admission_event(database_url)
    context = chromium.new_context(base_url=live_server, viewport={"width": 320, "height": 640}, is_mobile=True)
    try:
        phone = context.new_page()
        for path in ("/", f"/events/{slug}", "/accessibility", "/login"):
            phone.goto(path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{path} is {width} px wide on a 320 px screen"
        phone.goto(f"/events/{slug}")
        left = phone.get_by_test_id("tier").first.get_by_test_id("tier-left")
        label = left.evaluate("cell => [getComputedStyle(cell).display, getComputedStyle(cell, '::before').content]")
        assert label == ["block", '"Left"'], "each row is a card that labels its values"
        expect(phone.get_by_role("cell", name="Left 40 left")).to_be_visible()  # and stays a table cell
    finally:
        context.close()


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed colours ('rgb(r, g, b)')."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Each marker of state as the organizer pages show it, over the surface it sits on.
SAMPLES = """<div class="card">
  <span class="badge status-published">published</span><span class="badge status-draft">draft</span>
  <span class="badge status-cancelled">cancelled</span><span class="badge status-paid">paid</span>
  <span class="badge status-pending">waiting for payment</span><span class="badge danger">Sold out</span>
  <ul class="problems"><li>Add a price tier.</li></ul><p class="muted">All times in Europe/Berlin.</p>
</div><ul class="problems"><li>On the page itself.</li></ul><p class="muted">Muted on the page.</p>"""


def test_focus_badges_and_problem_lists_pass_contrast_on_their_backgrounds(page: Page):
    page.goto("/accessibility")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the first link past the skip link, on the page's background
    focus = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineColor, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert focus[1] == "solid" and focus[2] >= 2
    for surface in ("rgb(255, 255, 255)", page.evaluate("getComputedStyle(document.body).backgroundColor")):
        assert _contrast(focus[0], surface) >= 3, f"focus outline {focus[0]} on {surface}"

    page.evaluate("html => document.querySelector('main').insertAdjacentHTML('beforeend', html)", SAMPLES)
    found = page.evaluate(
        """() => [...document.querySelectorAll('main .badge, main .problems li, main p.muted')].map((element) => {
          let up = element;
          while (getComputedStyle(up).backgroundColor === 'rgba(0, 0, 0, 0)') up = up.parentElement;
          return [element.textContent, getComputedStyle(element).color, getComputedStyle(up).backgroundColor];
        })"""
    )
    assert len(found) >= 10
    for text, colour, background in found:
        assert _contrast(colour, background) >= 4.5, f"{text!r}: {colour} on {background}"
