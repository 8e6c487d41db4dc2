"""Generates the sample layouts in this folder: `python seatmaps/generate.py`.

theatre.json  ~300 seats, stalls in three blocks and a balcony
arena.json    ~2,500 seats in two rings around a standing general-admission floor
stadium.json  10,400 seats in four stands around a pitch
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.venues.seatmap import FORMAT, encode, parse

HERE = Path(__file__).resolve().parent
ROW_LETTERS = [c for c in "ABCDEFGHJKLMNPQRSTUVWXYZ"]  # I and O are skipped: they read as 1 and 0


def row_label(index: int) -> str:
    return (
        ROW_LETTERS[index] if index < len(ROW_LETTERS) else f"{ROW_LETTERS[index // 24 - 1]}{ROW_LETTERS[index % 24]}"
    )


def arc_section(
    key, name, category, focus, radius, rows, seats, start_deg, end_deg, spacing=1.0, flags=None, category_by_row=None
):
    """Rows on arcs around `focus` (the stage), between two angles, seats numbered left to right."""
    fx, fy = focus
    section_rows = []
    for r in range(rows):
        ring = radius + r * 26 * spacing
        count = seats + r // 3
        seat_list = []
        for n in range(count):
            t = (n + 0.5) / count
            angle = math.radians(start_deg + (end_deg - start_deg) * t)
            x, y = fx + ring * math.cos(angle), fy + ring * math.sin(angle)
            seat_key = f"{key}-{row_label(r)}-{n + 1}"
            seat = {
                "key": seat_key,
                "number": str(n + 1),
                "x": round(x, 1),
                "y": round(y, 1),
                "category": category_by_row(r) if category_by_row else category,
            }
            if flags and (r, n) in flags:
                seat["flags"] = flags[(r, n)]
            seat_list.append(seat)
        section_rows.append({"label": row_label(r), "seats": seat_list})
    return {"key": key, "name": name, "rows": section_rows}


def straight_section(key, name, category, origin, rows, seats, row_step, seat_step, flags=None):
    """Straight rows: seat n of row r sits at origin + r*row_step + n*seat_step."""
    ox, oy = origin
    section_rows = []
    for r in range(rows):
        seat_list = []
        for n in range(seats):
            x = ox + r * row_step[0] + n * seat_step[0]
            y = oy + r * row_step[1] + n * seat_step[1]
            seat = {
                "key": f"{key}-{row_label(r)}-{n + 1}",
                "number": str(n + 1),
                "x": round(x, 1),
                "y": round(y, 1),
                "category": category,
            }
            if flags and (r, n) in flags:
                seat["flags"] = flags[(r, n)]
            seat_list.append(seat)
        section_rows.append({"label": row_label(r), "seats": seat_list})
    return {"key": key, "name": name, "rows": section_rows}


def wheelchair_ends(last: int) -> dict:
    """A front row with a wheelchair space and a companion seat beside it at either end (seats 0..last)."""
    return {(0, 0): ["wheelchair"], (0, 1): ["companion"], (0, last - 1): ["companion"], (0, last): ["wheelchair"]}


def theatre() -> dict:
    focus = (500, 80)
    wheelchair = {(9, 0): ["wheelchair"], (9, 1): ["companion"]}
    stalls = [
        arc_section("SL", "Stalls left", "stalls", focus, 140, 10, 6, 150, 128, flags=wheelchair),
        arc_section(
            "SC",
            "Stalls centre",
            "premium",
            focus,
            140,
            10,
            12,
            123,
            57,
            category_by_row=lambda r: "premium" if r < 5 else "stalls",
        ),
        arc_section("SR", "Stalls right", "stalls", focus, 140, 10, 6, 52, 30),
    ]
    balcony = arc_section(
        "BAL",
        "Balcony",
        "balcony",
        focus,
        480,
        3,
        20,
        140,
        40,
        flags={(0, 3): ["restricted_view"], (0, 16): ["restricted_view"]},
    )
    return {
        "format": FORMAT,
        "name": "Playhouse Theatre",
        "width": 1000,
        "height": 700,
        "stage": {"x": 350, "y": 20, "width": 300, "height": 70, "label": "STAGE"},
        "categories": [
            {"key": "premium", "name": "Premium", "color": "#7c3aed"},
            {"key": "stalls", "name": "Stalls", "color": "#2563eb"},
            {"key": "balcony", "name": "Balcony", "color": "#059669"},
        ],
        "sections": [*stalls, balcony],
        "texts": [{"text": "BALCONY", "x": 500, "y": 690, "size": 16}],
    }


def arena() -> dict:
    focus = (1300, 200)
    lower = [
        arc_section(
            f"L{i + 1}",
            f"Lower {101 + i}",
            "lower",
            focus,
            560,
            15,
            12,
            172 - i * 20,
            155 - i * 20,
            flags=wheelchair_ends(11) if i in (3, 4) else None,
        )
        for i in range(8)
    ]
    upper = [
        arc_section(f"U{i + 1}", f"Upper {201 + i}", "upper", focus, 990, 8, 19, 165 - i * 25, 143 - i * 25)
        for i in range(6)
    ]
    return {
        "format": FORMAT,
        "name": "Harbour Arena",
        "width": 2600,
        "height": 1450,
        "stage": {"x": 1100, "y": 60, "width": 400, "height": 110, "label": "STAGE"},
        "categories": [
            {"key": "floor", "name": "Floor (standing)", "color": "#f97316"},
            {"key": "lower", "name": "Lower tier", "color": "#2563eb"},
            {"key": "upper", "name": "Upper tier", "color": "#059669"},
        ],
        "ga_areas": [
            {
                "key": "FLOOR",
                "name": "Standing floor",
                "category": "floor",
                "capacity": 2000,
                "polygon": [(1000, 220), (1600, 220), (1680, 600), (920, 600)],
            }
        ],
        "sections": [*lower, *upper],
    }


def stadium() -> dict:
    sections = []
    # Four stands of four blocks, 25 rows of 26 seats each: 10,400 seats around a 1400x900 pitch.
    for b in range(4):
        sections.append(
            straight_section(
                f"N{b + 1}",
                f"North {b + 1}",
                "cat1" if b in (1, 2) else "cat2",
                (380 + b * 440, 560),
                25,
                26,
                row_step=(0, -20),
                seat_step=(16, 0),
                flags=wheelchair_ends(25),
            )
        )
        sections.append(
            straight_section(
                f"S{b + 1}",
                f"South {b + 1}",
                "cat1" if b in (1, 2) else "cat2",
                (380 + b * 440, 1540),
                25,
                26,
                row_step=(0, 20),
                seat_step=(16, 0),
                flags=wheelchair_ends(25),
            )
        )
    for b in range(4):
        sections.append(
            straight_section(
                f"W{b + 1}",
                f"West {b + 1}",
                "cat3",
                (290, 600 + b * 235),
                25,
                26,
                row_step=(-10, 0),
                seat_step=(0, 8.6),
            )
        )
        sections.append(
            straight_section(
                f"E{b + 1}",
                f"East {b + 1}",
                "cat3",
                (2210, 600 + b * 235),
                25,
                26,
                row_step=(10, 0),
                seat_step=(0, 8.6),
            )
        )
    return {
        "format": FORMAT,
        "name": "City Stadium",
        "width": 2500,
        "height": 2100,
        "stage": {"x": 350, "y": 600, "width": 1800, "height": 900, "label": "PITCH"},
        "categories": [
            {"key": "cat1", "name": "Category 1", "color": "#dc2626"},
            {"key": "cat2", "name": "Category 2", "color": "#2563eb"},
            {"key": "cat3", "name": "Category 3", "color": "#059669"},
        ],
        "sections": sections,
    }


def main() -> None:
    for name, build in (("theatre", theatre), ("arena", arena), ("stadium", stadium)):
        document = build()
        seatmap = parse(document)  # never write a sample that does not validate
        (HERE / f"{name}.json").write_bytes(encode(seatmap))
        print(f"{name}.json: {seatmap.seat_count} seats, {sum(a.capacity for a in seatmap.ga_areas)} standing")


if __name__ == "__main__":
    main()
