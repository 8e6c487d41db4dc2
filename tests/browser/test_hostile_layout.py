"""A seat-map file written to attack: names, labels and numbers that are markup, script-closing tags and javascript:
URLs, and (in the designer's own import) values of the wrong type. Imported through the venue page, opened in the
designer, previewed, published and shown to buyers, it runs no script: the text shows literally, no element or
event handler appears, no dialog opens."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.venues.models import SeatLayout, SeatLayoutVersion
from tests.browser.conftest import PASSWORD, log_in, run_in_database
from tests.seating.conftest import make_seated_event

IMG = '<img src=x onerror="window.__pwned=1">'
CLOSE = "</script><script>window.__pwned=1</script>"
URL = "javascript:window.__pwned=1//"
ATTR = '" onmouseover="window.__pwned=1" x="'
SVG = "<svg onload=alert(document.domain)>"
HOSTILE = {
    "layout": f"Hall {IMG}",
    "section": f"Stalls {ATTR}",
    "row": "</script><i id=pwn>",  # 20 characters at most
    "seat": "<i id=pwn>1",
    "category": f"Best {CLOSE}",
    "category_2": URL,
    "area": f"Pit {SVG}",
    "stage": f"Stage {IMG}",
    "text": f"Exit {URL}",
    "shape": f"Bar {CLOSE}",
}
# Whatever a page does with a name, none of this may exist afterwards.
BREACHES = """() => ({
  pwned: window.__pwned ?? null,
  handlers: [...document.querySelectorAll("*")].flatMap((el) =>
    [...el.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${el.tagName} ${a.name}`)),
  inline_scripts: [...document.scripts].filter((s) => !s.src && s.type !== "application/json").length,
  images: document.images.length,
  nested_svgs: document.querySelectorAll("svg svg").length,
  planted: document.querySelectorAll("#pwn").length,
})"""
CLEAN = {"pwned": None, "handlers": [], "inline_scripts": 0, "images": 0, "nested_svgs": 0, "planted": 0}


def hostile_document() -> dict:
    seats = [
        {"key": f"S1-A-{n}", "number": HOSTILE["seat"] if n == 1 else str(n), "x": 100 + 30 * n, "y": 300}
        | {"category": "best", "flags": []}
        for n in range(1, 4)
    ]
    return {
        "format": "usher.seatmap/1",
        "name": HOSTILE["layout"],
        "width": 800,
        "height": 600,
        "categories": [
            {"key": "best", "name": HOSTILE["category"], "color": "#2563eb"},
            {"key": "pit", "name": HOSTILE["category_2"], "color": "#f97316"},
        ],
        "sections": [{"key": "S1", "name": HOSTILE["section"], "rows": [{"label": HOSTILE["row"], "seats": seats}]}],
        "ga_areas": [
            {
                "key": "PIT",
                "name": HOSTILE["area"],
                "polygon": [[400, 400], [700, 400], [700, 550], [400, 550]],
                "capacity": 50,
                "category": "pit",
            }
        ],
        "stage": {"x": 250, "y": 30, "width": 300, "height": 80, "label": HOSTILE["stage"]},
        "shapes": [
            {"kind": "rect", "points": [[20, 20], [120, 60]], "fill": "url(javascript:1)", "label": HOSTILE["shape"]}
        ],
        "texts": [{"text": HOSTILE["text"], "x": 50, "y": 580, "size": 14}],
    }


@pytest.fixture
def organizer(database_url):
    """An owner of an organization with a venue; returns (e-mail, venue id, actor)."""

    async def work(session):
        event = await make_seated_event(session, slug=f"old-{uuid.uuid4().hex[:6]}")
        await session.execute(
            update(User).where(User.id == event.actor.user_id).values(password_hash=hash_password(PASSWORD))
        )
        await session.commit()
        venue_id = await session.scalar(
            select(SeatLayout.venue_id).where(SeatLayout.organization_id == event.actor.organizations[0].id)
        )
        return event.actor.email, venue_id, event.actor

    return run_in_database(database_url, work)


@pytest.fixture
def watched(page: Page) -> Page:
    """The page, with every dialog recorded (and dismissed) so that one cannot go unnoticed."""
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    return page


def assert_nothing_ran(page: Page) -> None:
    assert page.evaluate(BREACHES) == CLEAN
    assert page.dialogs == []


def test_a_hostile_layout_runs_no_script_from_import_to_the_buyers_map(
    watched: Page, organizer, database_url, tmp_path: Path
):
    page = watched
    email, venue_id, actor = organizer
    log_in(page, email)
    upload = tmp_path / "hall.json"
    upload.write_text(json.dumps(hostile_document()))

    # imported through the venue page's form (validated by the server: names are free text)
    page.goto(f"/manage/venues/{venue_id}")
    page.locator("#f-layout-name").fill(HOSTILE["layout"])
    page.locator("#f-layout-document").set_input_files(upload)
    page.get_by_role("button", name="Import", exact=True).click()
    layouts = page.get_by_test_id("layouts")
    expect(layouts).to_contain_text(HOSTILE["layout"])
    assert_nothing_ran(page)
    too_long = hostile_document()
    too_long["sections"][0]["rows"][0]["label"] = "R" * 21
    upload.write_text(json.dumps(too_long))
    page.locator("#f-layout-name").fill("Too long")
    page.locator("#f-layout-document").set_input_files(upload)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#e-layout-document")).to_contain_text("the row label is longer than 20 characters")

    # opened in the designer: every name is text, in the drawing and in the panel
    layouts.locator("li", has_text=HOSTILE["layout"]).get_by_role("link", name="Edit").click()
    expect(page.locator("#design circle.seat")).to_have_count(3)
    stored = page.evaluate("JSON.parse(document.getElementById('design-document').textContent)")
    assert stored["name"] == HOSTILE["layout"] and stored["categories"][0]["name"] == HOSTILE["category"]
    expect(page.locator("#design text.section-label[data-section]")).to_have_text(HOSTILE["section"])
    expect(page.locator("#design .stage-label")).to_have_text(HOSTILE["stage"])
    expect(page.locator("#design .map-text")).to_have_text(HOSTILE["text"])
    expect(page.locator("#design circle.seat title").first).to_have_text(
        f"{HOSTILE['section']} {HOSTILE['row']}-{HOSTILE['seat']}"
    )
    expect(page.get_by_label("Layout name")).to_have_value(HOSTILE["layout"])
    expect(page.get_by_label("Category 1 name")).to_have_value(HOSTILE["category"])
    expect(page.get_by_label("Category 2 name")).to_have_value(HOSTILE["category_2"])
    expect(page.get_by_test_id("totals")).to_contain_text(HOSTILE["category"])
    page.locator("#design circle.seat").first.hover()
    page.locator("#design text.section-label[data-section]").click()  # the section's panel: its name in a field
    expect(page.get_by_label("Section name")).to_have_value(HOSTILE["section"])
    page.locator("#design polygon.ga").click()
    expect(page.get_by_label("Area name")).to_have_value(HOSTILE["area"])
    assert_nothing_ran(page)

    # previewed with the attendee renderer
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    expect(preview.locator(".ga-label")).to_have_text(HOSTILE["area"])
    expect(preview.locator(".stage-label")).to_have_text(HOSTILE["stage"])
    assert preview.locator("rect[fill^='url']").count() == 0  # a fill is a colour, never a link
    assert_nothing_ran(page)
    page.get_by_role("button", name="Close").click()

    # published, and shown on the buyers' seat map
    slug = publish(database_url, actor, venue_id)
    page.goto(f"/events/{slug}/seats")
    expect(page.locator("#seatmap circle.seat")).to_have_count(3)
    first = page.locator("#seatmap circle.seat").first
    assert first.evaluate("el => [el.closest('.sec').dataset.name, el.parentNode.dataset.row, el.dataset.n]") == [
        HOSTILE["section"],
        HOSTILE["row"],
        HOSTILE["seat"],
    ]
    expect(page.locator(".legend")).to_contain_text(HOSTILE["category"])
    expect(page.locator(".legend")).to_contain_text(HOSTILE["category_2"])
    expect(page.get_by_text(HOSTILE["area"]).first).to_be_visible()
    page.locator("#seatmap circle.seat").first.hover()
    expect(page.locator("#seat-info")).to_contain_text(
        f"{HOSTILE['section']}, row {HOSTILE['row']}, seat {HOSTILE['seat']}"
    )
    page.locator("#seatmap circle.seat").first.click()  # hold it: the cart names the seat too
    expect(page.locator("#cart")).to_contain_text(
        f"{HOSTILE['section']} · row {HOSTILE['row']} · seat {HOSTILE['seat']}"
    )
    assert_nothing_ran(page)


def test_the_designers_own_import_takes_only_typed_values(watched: Page, organizer, database_url, tmp_path: Path):
    page = watched
    email, venue_id, actor = organizer

    async def blank_layout(session):
        layout = SeatLayout(id=uuid.uuid4(), organization_id=actor.organizations[0].id, venue_id=venue_id, name="Blank")
        session.add(layout)
        await session.commit()
        return layout.id

    layout_id = run_in_database(database_url, blank_layout)
    # Never seen by the server: colours, numbers and flags that are markup, and text where numbers belong.
    document = hostile_document()
    document["categories"][0]["color"] = f'#fff" onmouseover="window.__pwned=1" x="{IMG}'
    seat = document["sections"][0]["rows"][0]["seats"][1]
    seat |= {"x": f'1" onmouseover="window.__pwned=1" y="{IMG}', "flags": [IMG, "wheelchair"], "key": ATTR}
    document["ga_areas"][0]["capacity"] = IMG
    document["stage"]["width"] = CLOSE
    document["texts"][0]["size"] = SVG
    upload = tmp_path / "typed.json"
    upload.write_text(json.dumps(document))

    log_in(page, email)
    page.goto(f"/manage/layouts/{layout_id}/edit")
    page.locator("#import-file").set_input_files(upload)
    expect(page.locator("#design circle.seat")).to_have_count(3)
    expect(page.get_by_test_id("save-state")).to_have_text("unsaved changes")
    for circle in page.locator("#design circle.seat").all():
        circle.hover()
    expect(page.get_by_test_id("capacity")).to_have_text("3")  # three seats; the capacity that was markup is 0
    assert page.locator("#design circle.seat[data-key]").nth(1).get_attribute("data-key") == ATTR
    assert_nothing_ran(page)

    page.get_by_role("button", name="Save").click()  # the server names what is wrong, as text
    expect(page.get_by_test_id("problems")).to_contain_text("keys use letters, digits")
    expect(page.get_by_test_id("problems")).to_contain_text(ATTR)
    assert_nothing_ran(page)


def publish(database_url: str, actor, venue_id) -> str:
    async def work(session):
        from app.events import service as events
        from app.events.models import EventStatus

        version_id = await session.scalar(
            select(SeatLayoutVersion.id)
            .join(SeatLayout, SeatLayout.id == SeatLayoutVersion.layout_id)
            .where(SeatLayout.venue_id == venue_id, SeatLayout.name == HOSTILE["layout"])
        )
        slug = f"hostile-{uuid.uuid4().hex[:6]}"
        await events.create_event(
            session,
            actor,
            actor.organizations[0].id,
            events.EventInput(
                title="Hostile night",
                slug=slug,
                timezone="Europe/London",
                venue_id=venue_id,
                starts_at=datetime(2031, 1, 1, 20),
                ends_at=datetime(2031, 1, 1, 23),
                layout_version_id=version_id,
            ),
        )
        for key in ("best", "pit"):
            tier = events.TierInput(name=f"Tier {IMG}", price_minor=1000, currency="GBP", seat_category=key)
            await events.add_tier(session, actor, slug, tier)
        await events.set_status(session, actor, slug, EventStatus.PUBLISHED)
        return slug

    return run_in_database(database_url, work)
