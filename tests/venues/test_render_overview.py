"""The server-drawn seat map: seat states and what is left drawn into the SVG (true without a script), section
outlines around their seats, and big maps sending their seats as JSON per section."""

from __future__ import annotations

import json
import re

from app.venues.layouts import SAMPLES_DIR
from app.venues.render import OVERVIEW_SEATS, render_layout
from app.venues.seatmap import parse


def layout(name: str):
    return render_layout(parse((SAMPLES_DIR / f"{name}.json").read_bytes()))


def point_in_polygon(x: float, y: float, polygon: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_seats_are_drawn_in_the_state_buyers_see_with_what_is_left_per_section():
    theatre = layout("theatre")
    svg = theatre.drawn({"SC-G-5": "sold", "SC-G-6": "mine", "SL-A-1": "held", "BAL-A-1": "blocked"})
    assert 'class="seat c1 s-sold" data-k="SC-G-5"' in svg
    assert 'class="seat c1 s-mine" data-k="SC-G-6"' in svg
    assert 'class="seat c1 s-available" data-k="SC-G-7"' in svg
    assert 'class="seat c1 s-held" data-k="SL-A-1"' in svg
    centre = next(s for s in theatre.sections if s.name == "Stalls centre")
    assert f'data-sec="{centre.index}"' in svg and f"{centre.seats - 2} left" in svg


def test_a_sold_out_section_says_so_and_the_organizer_drawing_has_no_states():
    theatre = layout("theatre")
    balcony = next(s for s in theatre.sections if s.name == "Balcony")
    everything = {key: "sold" for key, index in theatre.section_of.items() if index == balcony.index}
    assert "Sold out" in theatre.drawn(everything)
    assert " s-available" not in theatre.svg and f"{balcony.seats} seats" in theatre.svg


def test_each_section_outline_surrounds_its_seats_and_takes_its_most_common_price_level():
    arena = layout("arena")
    svg = arena.svg
    for section in arena.sections:
        outline = re.search(rf'<g class="sec-shape (c\d+)" data-sec="{section.index}"><polygon points="([^"]+)"', svg)
        assert outline.group(1) == section.css
        polygon = [tuple(map(float, point.split(","))) for point in outline.group(2).split()]
        seats = re.findall(
            r'<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*data-k="([^"]+)"',
            svg[svg.index(f'<g class="sec" data-sec="{section.index}"') :],
        )[: section.seats]
        assert all(point_in_polygon(float(x), float(y), polygon) for x, y, _ in seats), section.name


def test_a_big_map_sends_its_seats_as_json_per_section_and_a_small_one_draws_them():
    stadium, theatre = layout("stadium"), layout("theatre")
    assert stadium.opens_on_sections and sum(s.seats for s in stadium.sections) > OVERVIEW_SEATS
    page = stadium.drawn({"N1-A-1": "sold"}, seats_as_json=True)
    assert "<circle" not in page and 'class="seatmap overview"' in page
    rows = json.loads(stadium.section_seats[0])
    first = rows[0][1][0]  # [key, number, x, y, category index, flag bits]
    assert first[:2] == ["N1-A-1", "1"] and len(first) == 6 and stadium.section_of["N1-A-1"] == 0
    assert sum(len(seats) for _, seats in rows) == stadium.sections[0].seats
    assert f"{stadium.sections[0].seats - 1} left" in page
    assert not theatre.opens_on_sections and theatre.section_seats == []
    assert "<circle" in theatre.drawn({}, seats_as_json=True)
