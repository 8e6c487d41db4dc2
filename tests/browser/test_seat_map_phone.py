"""The seat map on a phone, driven by touch as a thumb would (CDP touch events, so the browser's own gesture
handling decides what scrolls): sections first, seats big enough to hit, the page still scrolls, and a stadium
pinch without a long task."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect

from tests.browser.conftest import pay_with_the_test_card, seated_event

STADIUM_TIERS = {"cat1": 9500, "cat2": 6500, "cat3": 4000}


@pytest.fixture
def phone_390(chromium: Browser, live_server: str) -> Iterator[Page]:
    context = chromium.new_context(
        base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def touch(cdp: CDPSession, kind: str, *points: tuple[float, float]) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
    )


def map_centre(page: Page) -> tuple[float, float]:
    box = page.locator("#seatmap").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def pinch(cdp: CDPSession, centre: tuple[float, float], start: float = 40, end: float = 90, steps: int = 12) -> None:
    """Two fingers moving apart around `centre` (zooming in)."""
    x, y = centre
    touch(cdp, "touchStart", (x - start, y), (x + start, y))
    for step in range(1, steps + 1):
        gap = start + (end - start) * step / steps
        touch(cdp, "touchMove", (x - gap, y + step), (x + gap, y + step))
    touch(cdp, "touchEnd")


def test_a_phone_buyer_taps_a_section_pinches_taps_a_big_enough_seat_and_pays(phone_390: Page, database_url: str):
    page = phone_390
    slug = seated_event(database_url)
    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live")
    cdp = page.context.new_cdp_session(page)

    # a one-finger swipe over the map, not zoomed in, scrolls the page
    page.locator("#seatmap").scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    x, y = map_centre(page)
    touch(cdp, "touchStart", (x, y + 100))
    for step in range(1, 11):
        touch(cdp, "touchMove", (x, y + 100 - step * 20))
    touch(cdp, "touchEnd")
    page.wait_for_function("before => window.scrollY > before", arg=before)

    page.evaluate("document.getElementById('seatmap').scrollIntoView({block: 'center'})")
    page.get_by_role("button", name=re.compile(r"^Stalls centre, ")).tap()  # the overview: one shape per section
    expect(page.locator("#minimap")).to_be_visible()
    pinch(cdp, map_centre(page))
    page.wait_for_function("() => !document.getElementById('seatmap').style.transform")  # the final view is drawn
    key = page.evaluate(
        """() => {
        const map = document.getElementById('seatmap').getBoundingClientRect();
        const seats = document.querySelectorAll('#seatmap .sec.open circle.seat.s-available');
        const inside = [...seats].find((el) => { const b = el.getBoundingClientRect();
          return b.left > map.left + 20 && b.right < map.right - 20 && b.top > Math.max(map.top, 0) + 20
            && b.bottom < Math.min(map.bottom, innerHeight) - 20; });
        return inside.dataset.k;
    }"""
    )
    seat = page.locator(f'circle[data-k="{key}"]')
    box = seat.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, f"a seat is {box['width']:.1f} px where it is picked"
    seat.tap()
    expect(seat).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("cart-seat")).to_have_count(1)

    page.get_by_test_id("checkout").click()
    page.get_by_label("E-mail").fill("thumb@example.com")
    page.get_by_label("Name").fill("Tess Thumb")
    pay_with_the_test_card(page, page.get_by_test_id("order-total").inner_text())


def test_pinching_the_stadium_on_a_phone_has_no_long_task(phone_390: Page, database_url: str):
    page = phone_390
    slug = seated_event(database_url, "stadium", STADIUM_TIERS)
    cdp = page.context.new_cdp_session(page)
    page.add_init_script(
        """window.__longTasks = [];
        new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTasks.push(
          [entry.startTime, entry.duration]); }).observe({type: 'longtask', buffered: true});"""
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})  # as Lighthouse's mobile profile
    page.goto(f"/events/{slug}/seats")
    expect(page.get_by_test_id("live-state")).to_have_text("live", timeout=20_000)
    loading = [round(duration) for _, duration in page.evaluate("window.__longTasks")]
    page.get_by_role("button", name=re.compile(r"^North 2, ")).tap()
    expect(page.locator("#minimap")).to_be_visible()

    def pinch_in_and_out() -> tuple[list[int], list[int]]:
        """Long tasks while fingers are down, and while the map is redrawn once they lift."""
        started = page.evaluate("performance.now()")
        pinch(cdp, map_centre(page), start=30, end=120, steps=20)
        pinch(cdp, map_centre(page), start=120, end=40, steps=20)
        lifted = page.evaluate("performance.now()")
        page.wait_for_function("() => !document.getElementById('seatmap').style.transform")
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        tasks = [(start, round(duration)) for start, duration in page.evaluate("window.__longTasks")]
        return [d for t, d in tasks if started <= t < lifted], [d for t, d in tasks if t >= lifted]

    slow, slow_redraw = pinch_in_and_out()
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    during, redraw = pinch_in_and_out()
    print(
        f"\nstadium seat page, loading at 4x CPU: long tasks {loading} ms, "
        f"blocking {sum(d - 50 for d in loading):.0f} ms; pinching at 4x CPU: {slow} ms, redraw after {slow_redraw} ms;"
        f" pinching: longest {max(during, default=0)} ms, redraw after {redraw} ms"
    )
    assert not during, f"tasks over 50 ms during the pinch: {during}"
    assert page.locator("#seatmap .sec.open circle.seat").first.bounding_box() is not None
