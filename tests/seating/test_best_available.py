"""Best available N together: one row, closest to the stage, no stranded single seat when avoidable."""

from __future__ import annotations

from app.seating.best_available import RowSeat, choose_block


def row(pattern: str, y: float, category: str = "a") -> list[RowSeat]:
    """'.' free, 'x' taken; seat i sits at x=i."""
    return [RowSeat(f"{y:g}-{i}", category, c == ".", float(i), y) for i, c in enumerate(pattern)]


def test_prefers_the_row_closest_to_the_stage():
    rows = [row("......", 50), row("......", 10)]
    assert choose_block(rows, "a", 2, (2.5, 0), set()) == ["10-2", "10-3"]


def test_never_leaves_a_single_stranded_seat_when_another_choice_exists():
    # Seats 0-1 taken; taking 3-4 would strand seat 2 alone. Taking 2-3 or 4-5 does not.
    choice = choose_block([row("xx....", 10)], "a", 2, (2.5, 0), set())
    assert choice in (["10-2", "10-3"], ["10-4", "10-5"])
    assert choice != ["10-3", "10-4"]


def test_a_farther_row_wins_over_stranding_a_seat_in_the_nearest_row():
    near = row("x...x", 10)  # any pair here strands one seat
    far = row("....", 30)
    assert choose_block([near, far], "a", 2, (2, 0), set()) in (["30-0", "30-1"], ["30-2", "30-3"])


def test_falls_back_to_a_stranding_block_when_nothing_else_fits():
    assert choose_block([row("x...x", 10)], "a", 2, (2, 0), set()) in (["10-1", "10-2"], ["10-2", "10-3"])


def test_only_seats_of_the_category_and_not_excluded_count():
    mixed = [
        RowSeat("m0", "a", True, 0, 10),
        RowSeat("m1", "b", True, 1, 10),
        RowSeat("m2", "a", True, 2, 10),
        RowSeat("m3", "a", True, 3, 10),
    ]
    assert choose_block([mixed], "a", 2, (1.5, 0), set()) == ["m2", "m3"]
    assert choose_block([mixed], "a", 2, (1.5, 0), {"m3"}) is None


async def test_best_available_holds_adjacent_seats_through_the_page(theatre, browser, client, db):
    from sqlalchemy import select

    from app.seating.models import EventSeat

    page = await browser.get("/events/the-play/seats")
    assert page.status_code == 200
    response = await browser.post_form(
        "/events/the-play/seats/best", {"category": "premium", "quantity": "4"}, htmx=True
    )
    assert response.status_code == 200
    assert response.text.count('data-testid="cart-seat"') == 4
    held = (
        await db.execute(
            select(EventSeat.row_label, EventSeat.seat_index, EventSeat.section_key).where(EventSeat.status == "held")
        )
    ).all()
    assert len({(r.section_key, r.row_label) for r in held}) == 1  # one row
    indexes = sorted(r.seat_index for r in held)
    assert indexes == list(range(indexes[0], indexes[0] + 4))  # adjacent
    assert held[0].row_label == "A"  # the front row of the premium block
    assert "cart-changed" in response.headers["hx-trigger"]


def test_a_wheelchair_space_comes_with_companion_seats_beside_it_preferred_over_other_seats():
    row_ = [
        RowSeat("plain", "a", True, 0, 10),
        RowSeat("space", "a", True, 1, 10, ("wheelchair",)),
        RowSeat("companion", "a", True, 2, 10, ("companion",)),
    ]
    assert choose_block([row_], "a", 2, (0, 0), set(), wheelchair=True) == ["space", "companion"]
    assert choose_block([row_], "a", 3, (0, 0), set(), wheelchair=True) == ["plain", "space", "companion"]


def test_a_wheelchair_space_without_free_neighbours_gets_the_nearest_seats_of_its_row():
    row_ = [
        RowSeat("space", "a", True, 0, 10, ("wheelchair",)),
        RowSeat("taken", "a", False, 1, 10, ("companion",)),
        RowSeat("near", "a", True, 2, 10),
        RowSeat("companion", "a", True, 4, 10, ("companion",)),
    ]
    assert choose_block([row_], "a", 2, (0, 0), set(), wheelchair=True) == ["space", "companion"]
    assert choose_block([row_], "a", 3, (0, 0), set(), wheelchair=True) == ["space", "companion", "near"]
    assert choose_block([row_], "a", 4, (0, 0), set(), wheelchair=True) is None
