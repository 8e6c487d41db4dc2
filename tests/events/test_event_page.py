"""An honest event page: what each price level sells by the seat map's names (never its keys), places left per
level in a fragment open pages poll and caches share, and the site frame around every page (skip link, footer
link to the accessibility statement)."""

from __future__ import annotations

import re

from app.events import service as events
from app.events.models import EventStatus
from tests.events.test_availability import _sell
from tests.seating.conftest import make_general_admission_event, make_seated_event


def tier_rows(page: str) -> dict[str, str]:
    """Each tier's row as text: name -> 'sells | price | left'."""
    rows = re.findall(r'<tr data-testid="tier"><th scope="row">([^<]+).*?</th>(.*?)</tr>', page, re.S)
    return {
        name: " | ".join(
            re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        )
        for name, cells in rows
    }


async def test_price_levels_say_what_they_sell_by_the_maps_names_and_a_standing_floor_says_standing(browser, db):
    await make_seated_event(db, slug="arena-night", layout="arena", tiers={"lower": 6900, "upper": 4500, "floor": 5900})
    page = (await browser.get("/events/arena-night")).text
    rows = tier_rows(page)

    assert rows["Lower"].startswith("Seated · Lower tier | £69.00 |")
    assert rows["Upper"].startswith("Seated · Upper tier | £45.00 |")
    assert rows["Floor"].startswith("Standing | £59.00 |")
    assert not re.search(r"\b(lower|upper|floor) seats\b", page)
    assert all(re.search(r"\| \d+ left$", row) for row in rows.values()), rows


async def test_places_left_per_level_read_in_words_few_left_then_sold_out(browser, db):
    comedy = await make_general_admission_event(db, capacity=100)
    assert (
        tier_rows((await browser.get("/events/the-comedy")).text)["General"] == "General admission | £15.00 | 100 left"
    )
    await _sell(db, comedy.id, 96)
    assert tier_rows((await browser.get("/events/the-comedy")).text)["General"].endswith("| Few left: 4")
    await _sell(db, comedy.id, 100)
    assert tier_rows((await browser.get("/events/the-comedy")).text)["General"].endswith("| Sold out")


async def test_open_pages_poll_one_fragment_that_every_viewer_and_a_shared_cache_can_reuse(browser, other_browser, db):
    comedy = await make_general_admission_event(db, capacity=50)
    page = (await browser.get("/events/the-comedy")).text
    assert 'hx-get="/events/the-comedy/availability" hx-trigger="every 10s" hx-swap="outerHTML"' in page

    await _sell(db, comedy.id, 8)
    fragment = await other_browser.get("/events/the-comedy/availability", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.headers["cache-control"] == "public, max-age=5"
    assert "set-cookie" not in fragment.headers  # a shared cache must never hand one visitor's cookie to another
    assert "<html" not in fragment.text and tier_rows(fragment.text)["General"].endswith("| 42 left")


async def test_a_cancelled_event_stops_polling_and_says_cancelled(browser, db):
    comedy = await make_general_admission_event(db)
    await events.set_status(db, comedy.actor, "the-comedy", EventStatus.CANCELLED)
    page = (await browser.get("/events/the-comedy")).text
    assert "hx-trigger=" not in re.search(r'<div id="tier-availability".*?>', page, re.S)[0]
    assert tier_rows(page)["General"].endswith("| Cancelled")


async def test_every_page_starts_with_a_skip_link_and_ends_with_the_accessibility_statement(browser, db):
    await make_general_admission_event(db)
    for path in ("/", "/events/the-comedy", "/login", "/accessibility", "/events/never-was"):
        page = (await browser.get(path)).text
        body = page[page.index("<body") :]
        first_link = re.search(r"<a [^>]*>[^<]*</a>", body)[0]
        assert first_link == '<a class="skip-link" href="#main">Skip to main content</a>', path
        assert '<main id="main" tabindex="-1">' in body, path
        footer = re.search(r"<footer.*?</footer>", body, re.S)[0]
        assert '<a href="/accessibility">Accessibility statement</a>' in footer, path


async def test_the_accessibility_statement_says_what_works_what_does_not_yet_and_whom_to_ask(browser):
    page = (await browser.get("/accessibility")).text
    for heading in ("What works", "What does not work well yet", "How to get help"):
        assert f">{heading}</h2>" in page
    assert "Choose from a list" in page and "best available" in page  # the ways round the seat map
    assert 'href="mailto:tickets@usher.localhost"' in page  # MAIL_FROM's address unless ACCESSIBILITY_CONTACT is set
    assert "two working days" in page


async def test_a_crowd_polling_within_one_window_shares_one_count(browser, other_browser, db):
    comedy = await make_general_admission_event(db, capacity=50)
    first = await browser.get("/events/the-comedy/availability")
    await _sell(db, comedy.id, 8)
    # Within the window (half the refresh interval) the process answers everyone from the count it just took.
    again = await other_browser.get("/events/the-comedy/availability")
    assert tier_rows(first.text)["General"].endswith("| 50 left") and again.text == first.text
