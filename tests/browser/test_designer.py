"""The venue designer in Chromium, driven with real mouse and keyboard events, from a blank canvas to seats
on sale."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.venues.models import SeatLayout, SeatLayoutVersion
from app.venues.seatmap import parse
from tests.browser.conftest import PASSWORD, log_in, run_in_database
from tests.seating.conftest import make_seated_event


@pytest.fixture
def owner(database_url):
    """An organizer with a venue and a blank layout; returns (e-mail, layout id, actor)."""
    slug = f"venue-{uuid.uuid4().hex[:6]}"

    async def work(session):
        event = await make_seated_event(session, slug=slug)
        await session.execute(
            update(User).where(User.id == event.actor.user_id).values(password_hash=hash_password(PASSWORD))
        )
        venue_id = await session.scalar(
            select(SeatLayout.venue_id).where(SeatLayout.organization_id == event.actor.organizations[0].id)
        )
        layout = SeatLayout(
            id=uuid.uuid4(), organization_id=event.actor.organizations[0].id, venue_id=venue_id, name="Drawn hall"
        )
        session.add(layout)
        await session.commit()
        return event.actor.email, layout.id, event.actor

    return run_in_database(database_url, work)


def map_point(page: Page, x: float, y: float) -> tuple[float, float]:
    """Screen coordinates of a point of the drawing."""
    return tuple(
        page.evaluate(
            """([x, y]) => { const svg = document.getElementById('design');
                const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM()); return [p.x, p.y]; }""",
            [x, y],
        )
    )


def drag(page: Page, start: tuple[float, float], end: tuple[float, float], modifiers: list[str] | None = None):
    for key in modifiers or []:
        page.keyboard.down(key)
    page.mouse.move(*map_point(page, *start))
    page.mouse.down()
    page.mouse.move(*map_point(page, *end), steps=8)
    page.mouse.up()
    for key in modifiers or []:
        page.keyboard.up(key)


def test_an_organizer_draws_a_hall_saves_it_and_sells_it(page: Page, owner, database_url, live_server):
    email, layout_id, actor = owner
    log_in(page, email)
    page.goto(f"/manage/layouts/{layout_id}/edit")
    expect(page.get_by_test_id("design-version")).to_have_text("not saved yet")

    # a block of 5 rows x 20 seats, dragged out with the Section tool
    page.get_by_role("button", name="Section", exact=True).click()
    drag(page, (600, 300), (1000, 420))
    expect(page.get_by_label("Rows")).to_have_value("5")
    expect(page.get_by_label("Seats per row")).to_have_value("20")
    expect(page.locator("circle.seat")).to_have_count(100)

    # curve it, number right to left
    page.get_by_label("Curve").fill("40")
    page.get_by_label("Curve").press("Enter")
    page.get_by_label("Seat numbers").select_option("rtl")
    first_row_left = page.locator("circle.seat").first
    expect(first_row_left).to_have_attribute("data-key", "S1-A-20")

    # two wheelchair places: click one seat, shift-click another
    page.get_by_role("button", name="Select", exact=True).click()
    page.locator('circle[data-key="S1-E-20"]').click()
    page.locator('circle[data-key="S1-E-19"]').click(modifiers=["Shift"])
    expect(page.get_by_role("heading", name="2 seats selected")).to_be_visible()
    page.get_by_role("button", name="Wheelchair").click()

    # an aisle: rubber-band the middle column of every row, then Delete
    xs = page.evaluate(
        """() => [...document.querySelectorAll('circle.seat')].filter(c => c.dataset.key.endsWith('-11'))
               .map(c => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])"""
    )
    left = min(x for x, _ in xs) - 5
    right = max(x for x, _ in xs) + 5
    top = min(y for _, y in xs) - 8
    bottom = max(y for _, y in xs) + 8
    page.get_by_role("button", name="Select", exact=True).click()
    drag(page, (left, top), (right, bottom))
    expect(page.get_by_role("heading", name="5 seats selected")).to_be_visible()
    page.keyboard.press("Delete")
    expect(page.locator("circle.seat")).to_have_count(95)
    page.keyboard.press("Control+z")
    expect(page.locator("circle.seat")).to_have_count(100)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator("circle.seat")).to_have_count(95)

    # a standing area for 200
    page.get_by_role("button", name="Standing area").click()
    drag(page, (200, 600), (500, 800))
    page.get_by_label("Capacity").fill("200")
    page.get_by_label("Capacity").press("Enter")
    expect(page.get_by_test_id("capacity")).to_have_text("295")  # 95 seats and 200 standing

    # a five-cornered standing area clicked out corner by corner, and a decorative shape (the bar)
    page.get_by_role("button", name="Polygon area").click()
    for corner in [(1100, 600), (1300, 600), (1350, 700), (1250, 800), (1100, 750)]:
        page.mouse.click(*map_point(page, *corner))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Standing area")).to_be_visible()
    page.get_by_role("button", name="Shape").click()
    drag(page, (50, 50), (250, 120))
    expect(page.get_by_role("heading", name="Shape")).to_be_visible()
    page.get_by_label("Label").fill("Bar")
    page.get_by_label("Label").press("Enter")

    # a text label, typed in the panel
    page.get_by_role("button", name="Text", exact=True).click()
    page.mouse.click(*map_point(page, 800, 900))
    page.get_by_label("Text", exact=True).fill("Main entrance")
    page.get_by_label("Text", exact=True).press("Enter")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("saved as version 1")

    async def saved(session):
        return await session.scalar(select(SeatLayoutVersion).where(SeatLayoutVersion.layout_id == layout_id))

    version = run_in_database(database_url, saved)
    seatmap = parse(version.document)
    [section] = seatmap.sections
    assert [row.label for row in section.rows] == ["A", "B", "C", "D", "E"]
    for row in section.rows:
        # 19 seats numbered 19..1 from left to right: the aisle gap is not numbered
        assert [seat.number for seat in row.seats] == [str(n) for n in range(19, 0, -1)]
        assert row.seats[0].y != row.seats[9].y  # curved: the ends sit lower than the middle
    wheelchair = [seat.key for _, _, seat in seatmap.seats() if "wheelchair" in seat.flags]
    assert len(wheelchair) == 2 and all(key.startswith("S1-E-") for key in wheelchair)
    assert [(a.capacity, len(a.polygon)) for a in seatmap.ga_areas] == [(200, 4), (100, 5)]
    assert [(shape.kind, shape.label, shape.points) for shape in seatmap.shapes] == [
        ("rect", "Bar", [(50, 50), (250, 120)])
    ]
    assert [(t.text, t.x, t.y) for t in seatmap.texts] == [("Main entrance", 800, 900)]

    # an event on this version shows exactly these seats to buyers
    async def publish(session):
        from app.events import service as events
        from app.events.models import EventStatus

        venue_id = await session.scalar(select(SeatLayout.venue_id).where(SeatLayout.id == layout_id))
        event = await events.create_event(
            session,
            actor,
            actor.organizations[0].id,
            events.EventInput(
                title="Drawn",
                slug=f"drawn-{uuid.uuid4().hex[:6]}",
                timezone="Europe/London",
                venue_id=venue_id,
                starts_at=datetime(2030, 1, 1, 20),
                ends_at=datetime(2030, 1, 1, 23),
                layout_version_id=version.id,
            ),
        )
        await events.add_tier(
            session,
            actor,
            event.slug,
            events.TierInput(name="Standard", price_minor=1000, currency="GBP", seat_category="standard"),
        )
        await events.set_status(session, actor, event.slug, EventStatus.PUBLISHED)
        return event.slug

    slug = run_in_database(database_url, publish)
    page.goto(f"/events/{slug}/seats")
    expect(page.locator("#seatmap circle.seat")).to_have_count(95)
    keys = sorted(page.evaluate("() => [...document.querySelectorAll('#seatmap circle.seat')].map(c => c.dataset.k)"))
    assert keys == sorted(seat.key for _, _, seat in seatmap.seats())


def test_problems_are_shown_next_to_their_element_and_a_stale_save_loses_nothing(page: Page, owner, database_url):
    email, layout_id, _ = owner
    log_in(page, email)
    page.goto(f"/manage/layouts/{layout_id}/edit")
    page.get_by_role("button", name="Standing area").click()
    drag(page, (200, 600), (500, 800))
    page.get_by_label("Capacity").fill("0")
    page.get_by_label("Capacity").press("Enter")
    page.get_by_role("button", name="Save").click()
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("ga_areas[0] (GA1)")
    expect(problems).to_contain_text("capacity of at least 1")
    page.keyboard.press("Escape")
    problems.get_by_role("button", name="ga_areas[0] (GA1)").click()
    expect(page.get_by_role("heading", name="Standing area")).to_be_visible()  # the problem's element, selected
    page.get_by_label("Capacity").fill("150")
    page.get_by_label("Capacity").press("Enter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("saved as version 1")

    # meanwhile a colleague saves version 2 from another browser
    other = page.context.browser.new_context(base_url=page.url.split("/manage")[0]).new_page()
    log_in(other, email)
    other.goto(f"/manage/layouts/{layout_id}/edit")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_test_id("save-state")).to_have_text("saved as version 2")
    other.context.close()

    page.get_by_label("Capacity").fill("180")
    page.get_by_label("Capacity").press("Enter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("problems")).to_contain_text("Someone saved version 2")
    page.get_by_role("button", name="Save mine as version 3").click()
    expect(page.get_by_test_id("save-state")).to_have_text("saved as version 3")

    async def latest(session):
        return await session.scalar(
            select(SeatLayoutVersion.document)
            .where(SeatLayoutVersion.layout_id == layout_id)
            .order_by(SeatLayoutVersion.version.desc())
            .limit(1)
        )

    assert run_in_database(database_url, latest)["ga_areas"][0]["capacity"] == 180
