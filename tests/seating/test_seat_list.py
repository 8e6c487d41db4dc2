"""'Choose from a list': section, then row, then seats; only seats that can be picked now; adjacent groups for a
party; a wheelchair space with companion seats; holds all or nothing, with and without JavaScript."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.seating.models import EventSeat


def offered_seats(html: str) -> list[str]:
    return re.findall(r'type="checkbox" name="seat" value="([^"]+)"', html)


def offered_groups(html: str) -> list[list[str]]:
    forms = re.findall(r"<form method=\"post\" action=\"/events/the-play/seats/hold\".*?</form>", html, re.S)
    return [re.findall(r'name="seat" value="([^"]+)"', form) for form in forms]


async def set_status(db, keys: list[str], status: str) -> None:
    await db.execute(update(EventSeat).where(EventSeat.key.in_(keys)).values(status=status))
    await db.commit()


async def held(db) -> dict[str, str]:
    rows = await db.execute(
        select(EventSeat.key, EventSeat.cart_id)
        .where(EventSeat.status == "held")
        .execution_options(populate_existing=True)
    )
    return {r.key: r.cart_id for r in rows}


async def test_the_list_offers_only_seats_that_can_be_picked_now(theatre, browser, other_browser, db):
    await set_status(db, ["SC-A-1"], "sold")
    await set_status(db, ["SC-A-2"], "blocked")
    taken = await other_browser.post_form("/events/the-play/seats/hold", {"seat": ["SC-A-3", "SC-A-4"]}, htmx=True)
    assert taken.status_code == 200
    # A lapsed hold is free again at once, sweeper or not.
    await db.execute(
        update(EventSeat).where(EventSeat.key == "SC-A-4").values(held_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    await db.commit()
    page = await browser.get("/events/the-play/seats/list?section=SC&row=0", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert offered_seats(page.text) == ["SC-A-4", *(f"SC-A-{n}" for n in range(5, 13))]
    assert "Row A, seat 4, £65.00</label>" in page.text
    assert 'action="/events/the-play/seats/hold"' in page.text and "Hold selected seats" in page.text


async def test_sections_and_rows_count_what_is_left_and_sold_out_ones_are_not_links(theatre, browser, db):
    balcony = (await db.scalars(select(EventSeat.key).where(EventSeat.section_key == "BAL"))).all()
    await set_status(db, list(balcony), "sold")
    await set_status(db, ["SL-A-1", "SL-A-2"], "sold")
    page = (await browser.get("/events/the-play/seats")).text
    assert 'Balcony <span class="muted">sold out</span>' in page
    assert 'href="/events/the-play/seats?section=SL#seat-list"' in page and "Stalls left, 70 left" in page
    rows = (await browser.get("/events/the-play/seats?section=SL")).text
    assert "Row A, 4 seats" in rows and "Row K, 9 seats" in rows
    assert 'href="/events/the-play/seats?section=SL&amp;row=0#seat-list"' in rows


async def test_a_party_is_offered_only_adjacent_groups(theatre, browser, db):
    await set_status(db, ["SC-A-4", "SC-A-9"], "sold")
    page = await browser.get("/events/the-play/seats/list?section=SC&row=0&party=3", headers={"HX-Request": "true"})
    groups = offered_groups(page.text)
    assert groups == [
        ["SC-A-1", "SC-A-2", "SC-A-3"],
        ["SC-A-5", "SC-A-6", "SC-A-7"],
        ["SC-A-6", "SC-A-7", "SC-A-8"],
        ["SC-A-10", "SC-A-11", "SC-A-12"],
    ]
    assert "Hold row A, seats 5, 6, 7, £195.00" in page.text
    rows = await browser.get("/events/the-play/seats/list?section=SC&party=10", headers={"HX-Request": "true"})
    assert "Row A" not in rows.text and "Row B, 3 groups of 10" in rows.text


async def test_a_wheelchair_space_comes_with_its_companion_seats_in_the_list_and_best_available(theatre, browser, db):
    rows = await browser.get(
        "/events/the-play/seats/list?section=SL&party=2&wheelchair=1", headers={"HX-Request": "true"}
    )
    assert re.findall(r">Row (\w+), ", rows.text) == ["K"]
    page = await browser.get(
        "/events/the-play/seats/list?section=SL&row=9&party=2&wheelchair=1", headers={"HX-Request": "true"}
    )
    assert offered_groups(page.text) == [["SL-K-1", "SL-K-2"]]
    assert "seats 1 (wheelchair space), 2 (companion seat), £84.00" in page.text
    seat_page = (await browser.get("/events/the-play/seats")).text
    assert "Stalls (£42.00), wheelchair spaces" in seat_page and 'name="wheelchair"' in seat_page

    response = await browser.post_form(
        "/events/the-play/seats/best", {"category": "stalls", "quantity": "2", "wheelchair": "1"}, htmx=True
    )
    assert response.status_code == 200
    assert sorted(await held(db)) == ["SL-K-1", "SL-K-2"]
    again = await browser.post_form(
        "/events/the-play/seats/best", {"category": "stalls", "quantity": "2", "wheelchair": "1"}, htmx=True
    )
    assert again.status_code == 409 and "No wheelchair space and 1 companion seat left" in again.text
    assert len(await held(db)) == 2


async def test_ordinary_best_available_leaves_wheelchair_spaces_free():
    from app.seating.best_available import RowSeat, choose_block

    row = [RowSeat("w", "a", True, 0, 10, ("wheelchair",)), *(RowSeat(f"s{i}", "a", True, i, 10) for i in (1, 2))]
    assert choose_block([row], "a", 2, (0, 0), set()) == ["s1", "s2"]
    assert choose_block([row], "a", 2, (0, 0), set(), wheelchair=True) == ["w", "s1"]


async def test_without_javascript_a_hold_redirects_to_the_seat_page_which_shows_the_basket(theatre, browser, db):
    response = await browser.post_form(
        "/events/the-play/seats/hold", {"seat": ["SC-B-3", "SC-B-4"], "section": "SC", "row": "1"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/events/the-play/seats#cart"
    page = (await browser.get("/events/the-play/seats")).text
    assert page.count('data-testid="cart-seat"') == 2
    best = await browser.post_form("/events/the-play/seats/best", {"category": "balcony", "quantity": "2"})
    assert best.status_code == 303
    assert len(await held(db)) == 4


async def test_seats_taken_meanwhile_are_named_and_nothing_of_the_submission_is_held(
    theatre, browser, other_browser, db
):
    """Two buyers submit overlapping choices at the same moment: one wins everything, the other nothing."""
    start = asyncio.Event()

    async def submit(buyer, seats):
        await start.wait()
        return await buyer.post_form(
            "/events/the-play/seats/hold", {"seat": seats, "section": "SC", "row": "2", "party": "1"}
        )

    first = asyncio.create_task(submit(browser, ["SC-C-5", "SC-C-6"]))
    second = asyncio.create_task(submit(other_browser, ["SC-C-6", "SC-C-7"]))
    start.set()
    responses = await asyncio.gather(first, second)
    assert sorted(r.status_code for r in responses) == [303, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "Someone else has just taken Stalls centre, row C, seat 6. Nothing was held" in loser.text
    assert "<h1>Choose your seats</h1>" in loser.text and "Hold selected seats" in loser.text  # the same step again
    holds = await held(db)
    assert len(holds) == 2 and len(set(holds.values())) == 1  # the winner's two seats, nothing of the loser's
    assert "SC-C-6" in holds


async def test_bad_list_input_gets_a_clear_refusal_and_holds_nothing(theatre, browser, db):
    unknown = await browser.post_form("/events/the-play/seats/hold", {"seat": ["SC-A-1", "NOPE-1"]})
    assert unknown.status_code == 422 and "Unknown seats: NOPE-1" in unknown.text and "<html" in unknown.text
    none = await browser.post_form("/events/the-play/seats/hold", {"section": "SC", "row": "0"})
    assert none.status_code == 422 and "Choose at least one seat." in none.text
    too_many = await browser.post_form("/events/the-play/seats/hold", {"seat": [f"SC-D-{n}" for n in range(1, 13)]})
    assert too_many.status_code == 422 and "At most 10 seats per order." in too_many.text
    for quantity in ("0", "11", "lots"):
        best = await browser.post_form("/events/the-play/seats/best", {"category": "stalls", "quantity": quantity})
        assert best.status_code == 422 and "Choose between 1 and 10 seats." in best.text
        assert 'id="best-quantity"' in best.text
    assert (await browser.get("/events/the-play/seats?party=0")).status_code == 422
    assert (await browser.get("/events/the-play/seats/list?section=NOWHERE")).status_code == 404
    assert await held(db) == {}


async def test_published_inventory_keeps_the_layouts_three_seat_flags(theatre, db):
    rows = await db.execute(select(EventSeat.key, EventSeat.flags).where(EventSeat.flags != []).order_by(EventSeat.key))
    assert [(key, list(flags)) for key, flags in rows] == [
        ("BAL-A-17", ["restricted_view"]),
        ("BAL-A-4", ["restricted_view"]),
        ("SL-K-1", ["wheelchair"]),
        ("SL-K-2", ["companion"]),
    ]


async def test_standing_places_posted_without_javascript_come_back_to_the_seat_page(browser, db):
    from tests.seating.conftest import make_seated_event

    await make_seated_event(db, slug="the-gig", layout="arena", tiers={"floor": 3900, "lower": 5900, "upper": 2900})
    page = (await browser.get("/events/the-gig/seats")).text
    assert 'method="post" action="/events/the-gig/areas/hold"' in page
    assert 'method="post" action="/events/the-gig/seats/best"' in page
    response = await browser.post_form("/events/the-gig/areas/hold", {"area": "FLOOR", "quantity": "3"})
    assert response.status_code == 303 and response.headers["location"] == "/events/the-gig/seats#cart"
    assert 'data-area="FLOOR"' in (await browser.get("/events/the-gig/seats")).text


async def test_a_stadium_lists_one_sections_rows_at_a_time_never_every_seat(browser, db):
    from tests.seating.conftest import make_seated_event

    await make_seated_event(db, slug="the-cup", layout="stadium", tiers={"cat1": 9000, "cat2": 6000, "cat3": 4000})
    sections = await browser.get("/events/the-cup/seats/list", headers={"HX-Request": "true"})
    assert sections.text.count('hx-get="/events/the-cup/seats/list?section=') == 16
    rows = await browser.get("/events/the-cup/seats/list?section=N2", headers={"HX-Request": "true"})
    assert rows.text.count("seats/list?section=N2&amp;row=") == 25 and "Row A, 26 seats" in rows.text
    seats = await browser.get("/events/the-cup/seats/list?section=N2&row=0", headers={"HX-Request": "true"})
    assert len(offered_seats(seats.text)) == 26 and len(seats.text) < 20_000
    assert "Row A, seat 1, £90.00, wheelchair space" in seats.text  # the demo stadium has wheelchair spaces


async def test_seats_no_tier_sells_now_are_not_offered_and_say_so(theatre, browser, db):
    from app.events.models import PriceTier

    await db.execute(
        update(PriceTier)
        .where(PriceTier.seat_category == "balcony")
        .values(sales_start_at=datetime.now(UTC) + timedelta(days=1))
    )
    await db.commit()
    page = await browser.get("/events/the-play/seats/list", headers={"HX-Request": "true"})
    assert 'Balcony <span class="muted">not on sale now</span>' in page.text
    row = await browser.get("/events/the-play/seats/list?section=BAL&row=0", headers={"HX-Request": "true"})
    assert offered_seats(row.text) == []


async def test_with_htmx_a_seat_taken_meanwhile_is_named_in_the_basket_and_the_list_refreshes(
    theatre, browser, other_browser, db
):
    await other_browser.post_form("/events/the-play/seats/hold", {"seat": ["SC-D-2"]}, htmx=True)
    response = await browser.post_form("/events/the-play/seats/hold", {"seat": ["SC-D-1", "SC-D-2"]}, htmx=True)
    assert response.status_code == 409
    assert "Someone else has just taken Stalls centre, row D, seat 2. Nothing was held" in response.text
    assert "cart-changed" in response.headers["hx-trigger"]  # the list listens for it and refreshes
    assert list(await held(db)) == ["SC-D-2"]
