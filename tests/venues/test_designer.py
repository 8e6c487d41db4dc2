"""Saving drawn layouts: every save a new version, problems named per element, never over a newer save, and
only for the layout's own organization. Plus property-based tests of the seat-map validator."""

from __future__ import annotations

import json
import uuid

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.venues.designer import blank_document
from app.venues.models import SeatLayout, SeatLayoutVersion
from app.venues.seatmap import SeatMapInvalid, parse
from tests.seating.conftest import make_seated_event


async def log_in_as(browser, db, actor) -> None:
    await db.execute(update(User).where(User.id == actor.user_id).values(password_hash=hash_password("pw-123456789")))
    await db.commit()
    assert (await browser.post_form("/login", {"email": actor.email, "password": "pw-123456789"})).status_code in (
        302,
        303,
    )


def small_hall(seats: int = 3) -> dict:
    document = blank_document("Small hall")
    document["sections"] = [
        {
            "key": "S1",
            "name": "Stalls",
            "rows": [
                {
                    "label": "A",
                    "seats": [
                        {"key": f"S1-A-{n}", "number": str(n), "x": 100 + 20 * n, "y": 300, "category": "standard"}
                        for n in range(1, seats + 1)
                    ],
                }
            ],
        }
    ]
    return document


async def save(browser, layout_id, document, base_version):
    token = await browser.csrf_token()
    return await browser.client.post(
        f"/manage/layouts/{layout_id}/versions",
        json={"base_version": base_version, "document": document},
        headers={"X-CSRFToken": token},
    )


async def new_layout(browser, db, actor, *, start: str = "") -> uuid.UUID:
    venue_id = await db.scalar(select(SeatLayout.venue_id))
    response = await browser.post_form(f"/manage/venues/{venue_id}/layouts/new", {"name": "Drawn", "start": start})
    assert response.status_code == 303
    return uuid.UUID(response.headers["location"].split("/")[3])


async def test_saves_are_versions_and_a_stale_save_is_refused_losing_nothing(db, browser, other_browser):
    event = await make_seated_event(db)
    await log_in_as(browser, db, event.actor)
    layout_id = await new_layout(browser, db, event.actor)
    editor = await browser.get(f"/manage/layouts/{layout_id}/edit")
    assert editor.status_code == 200 and "not saved yet" in editor.text
    first = await save(browser, layout_id, small_hall(3), 0)
    assert first.status_code == 201 and first.json() == {"version": 1, "seats": 3, "standing": 0}
    second = await save(browser, layout_id, small_hall(4), 1)
    assert second.json()["version"] == 2
    stale = await save(browser, layout_id, small_hall(5), 1)  # someone else saved version 2 meanwhile
    assert stale.status_code == 409 and stale.json()["latest_version"] == 2
    assert "still here" in stale.json()["detail"]
    assert (await save(browser, layout_id, small_hall(5), 2)).json()["version"] == 3
    counts = (
        await db.execute(
            select(SeatLayoutVersion.version, SeatLayoutVersion.seat_count)
            .order_by(SeatLayoutVersion.version)
            .where(SeatLayoutVersion.layout_id == layout_id)
        )
    ).all()
    assert counts == [(1, 3), (2, 4), (3, 5)]
    exported = await browser.get(f"/manage/layouts/{layout_id}/export.json")
    assert exported.headers["content-disposition"].endswith('-v3.json"')
    assert len(exported.json()["sections"][0]["rows"][0]["seats"]) == 5


async def test_problems_are_named_per_element_and_nothing_is_saved(db, browser):
    event = await make_seated_event(db)
    await log_in_as(browser, db, event.actor)
    layout_id = await new_layout(browser, db, event.actor)
    document = small_hall(3)
    seats = document["sections"][0]["rows"][0]["seats"]
    seats[1]["key"] = "S1-A-1"  # duplicate key
    seats[2]["category"] = "nope"
    seats[2]["x"] = 99999  # off the canvas
    document["ga_areas"] = [
        {"key": "GA1", "name": "Floor", "polygon": [[0, 0], [10, 0], [10, 10]], "capacity": 0, "category": "standard"}
    ]
    response = await save(browser, layout_id, document, 0)
    assert response.status_code == 422
    problems = {(p["path"], p["message"]) for p in response.json()["problems"]}
    assert ("sections[0].rows[0].seats[1]", "duplicate seat key (also at sections[0].rows[0].seats[0])") in problems
    assert ("sections[0].rows[0].seats[2]", "unknown category 'nope'") in problems
    assert any(path == "sections[0].rows[0].seats[2]" and "off canvas" in message for path, message in problems)
    assert any(path == "ga_areas[0]" and "capacity" in message for path, message in problems)
    assert (
        await db.scalar(
            select(func.count()).select_from(SeatLayoutVersion).where(SeatLayoutVersion.layout_id == layout_id)
        )
        == 0
    )
    malformed = await browser.client.post(
        f"/manage/layouts/{layout_id}/versions",
        content=b"{not json",
        headers={"X-CSRFToken": await browser.csrf_token(), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400


async def test_samples_duplicates_and_previews(db, browser):
    event = await make_seated_event(db)
    await log_in_as(browser, db, event.actor)
    layout_id = await new_layout(browser, db, event.actor, start="theatre")
    editor = await browser.get(f"/manage/layouts/{layout_id}/edit")
    assert "version 1" in editor.text and "SC-A-1" in editor.text
    copy = await browser.post_form(f"/manage/layouts/{layout_id}/duplicate", {})
    copy_id = uuid.UUID(copy.headers["location"].split("/")[3])
    assert copy_id != layout_id
    assert await db.scalar(select(SeatLayoutVersion.seat_count).where(SeatLayoutVersion.layout_id == copy_id)) == 336
    preview = await browser.client.post(
        f"/manage/layouts/{layout_id}/preview",
        content=json.dumps(small_hall(2)),
        headers={"X-CSRFToken": await browser.csrf_token(), "HX-Request": "true"},
    )
    assert preview.status_code == 200 and 'data-k="S1-A-2"' in preview.text  # the picker's own renderer


async def test_another_organization_cannot_open_or_save_the_layout(db, browser, other_browser):
    event = await make_seated_event(db)
    await log_in_as(browser, db, event.actor)
    layout_id = await new_layout(browser, db, event.actor)
    stranger = await make_seated_event(db, slug="stranger")
    await log_in_as(other_browser, db, stranger.actor)
    assert (await other_browser.get(f"/manage/layouts/{layout_id}/edit")).status_code == 404
    assert (await save(other_browser, layout_id, small_hall(), 0)).status_code == 404
    assert (await other_browser.get(f"/manage/layouts/{layout_id}/export.json")).status_code == 404


# --- the validator under random input -----------------------------------------------------------------------

keys = st.text(alphabet="ABCS-1234", min_size=1, max_size=6)
numbers = st.floats(min_value=-50, max_value=2000, allow_nan=False, allow_infinity=False)
seat = st.fixed_dictionaries(
    {
        "key": keys,
        "number": st.text(max_size=3),
        "x": numbers,
        "y": numbers,
        "category": st.sampled_from(["standard", "vip", "?"]),
    },
    optional={"flags": st.lists(st.sampled_from(["wheelchair", "companion", "restricted_view", "bogus"]), max_size=3)},
)
row = st.fixed_dictionaries({"label": st.text(max_size=3), "seats": st.lists(seat, max_size=5)})
section = st.fixed_dictionaries({"key": keys, "name": st.text(max_size=8), "rows": st.lists(row, max_size=3)})
document = st.fixed_dictionaries(
    {
        "format": st.sampled_from(["usher.seatmap/1", "other"]),
        "name": st.text(max_size=10),
        "width": numbers,
        "height": numbers,
        "categories": st.lists(
            st.fixed_dictionaries(
                {
                    "key": st.sampled_from(["standard", "vip"]),
                    "name": st.text(max_size=5),
                    "color": st.sampled_from(["#2563eb", "blue"]),
                }
            ),
            max_size=2,
        ),
        "sections": st.lists(section, max_size=3),
    }
)
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_the_validator_never_crashes_and_never_accepts_duplicate_keys(candidate):
    try:
        seatmap = parse(msgspec.json.encode(candidate))
    except SeatMapInvalid as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    all_keys = [s.key for _, _, s in seatmap.seats()] + [a.key for a in seatmap.ga_areas]
    assert len(all_keys) == len(set(all_keys))
    assert seatmap.seat_count > 0 or seatmap.ga_areas


@settings(max_examples=200, deadline=None)
@given(junk)
def test_arbitrary_json_is_rejected_with_problems_not_exceptions(candidate):
    try:
        parse(msgspec.json.encode(candidate))
    except SeatMapInvalid as exc:
        assert exc.problems
