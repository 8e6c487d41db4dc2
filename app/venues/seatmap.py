"""The seat-map document (format `usher.seatmap/1`, see docs/seatmap-format.md) and its validation.

Decoding checks types (msgspec); `validate` checks what types cannot: unique keys, known categories, seats on
the canvas, non-empty sections and rows, GA areas with a capacity. Every problem names its element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import msgspec

FORMAT = "usher.seatmap/1"
FLAGS = ("wheelchair", "companion", "restricted_view")
MAX_BYTES = 8 * 1024 * 1024
MAX_SEATS = 100_000
# Longest names the inventory stores (event_seats, event_areas): longer ones are refused here, not at publishing.
MAX_NAME, MAX_LABEL = 120, 20
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")

Flag = Literal["wheelchair", "companion", "restricted_view"]


class Category(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    name: str
    color: str


class Seat(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    number: str
    x: float
    y: float
    category: str
    flags: list[Flag] = msgspec.field(default_factory=list)


class Row(msgspec.Struct, forbid_unknown_fields=True):
    label: str
    seats: list[Seat]


class Section(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    name: str
    rows: list[Row]


class GAArea(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    name: str
    polygon: list[tuple[float, float]]
    capacity: int
    category: str


class Shape(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["rect", "ellipse", "polygon"]
    points: list[tuple[float, float]]  # rect/ellipse: [top-left, bottom-right]; polygon: its corners
    fill: str = "#e5e7eb"
    label: str = ""


class Text(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    x: float
    y: float
    size: float = 14


class Stage(msgspec.Struct, forbid_unknown_fields=True):
    x: float
    y: float
    width: float
    height: float
    label: str = "STAGE"


class SeatMap(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    name: str
    width: float
    height: float
    categories: list[Category]
    sections: list[Section] = msgspec.field(default_factory=list)
    ga_areas: list[GAArea] = msgspec.field(default_factory=list)
    stage: Stage | None = None
    shapes: list[Shape] = msgspec.field(default_factory=list)
    texts: list[Text] = msgspec.field(default_factory=list)

    def seats(self):
        """(section, row, seat) for every seat, in document order."""
        for section in self.sections:
            for row in section.rows:
                for seat in row.seats:
                    yield section, row, seat

    @property
    def seat_count(self) -> int:
        return sum(len(row.seats) for section in self.sections for row in section.rows)


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "sections[2].rows[0].seats[14]" — where the editor shows it
    element: str  # the key or label a person recognises
    message: str

    def __str__(self) -> str:
        return f"{self.path} ({self.element}): {self.message}" if self.element else f"{self.path}: {self.message}"


class SeatMapInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


def parse(document: bytes | str | dict) -> SeatMap:
    """Decode and validate; raises SeatMapInvalid listing every problem found."""
    if isinstance(document, (bytes, str)):
        raw = document.encode() if isinstance(document, str) else document
        if len(raw) > MAX_BYTES:
            raise SeatMapInvalid([Problem("$", "", f"the document is larger than {MAX_BYTES // 1024 // 1024} MB")])
        try:
            seatmap = msgspec.json.decode(raw, type=SeatMap)
        except msgspec.DecodeError as exc:
            raise SeatMapInvalid([Problem(_path_of(exc), "", str(exc))]) from None
    else:
        try:
            seatmap = msgspec.convert(document, type=SeatMap)
        except msgspec.ValidationError as exc:
            raise SeatMapInvalid([Problem(_path_of(exc), "", str(exc))]) from None
    problems = validate(seatmap)
    if problems:
        raise SeatMapInvalid(problems)
    return seatmap


def _path_of(exc: Exception) -> str:
    match = re.search(r"at `\$(.*?)`", str(exc))
    return "$" + match.group(1) if match else "$"


def validate(seatmap: SeatMap) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.append
    if seatmap.format != FORMAT:
        add(Problem("format", seatmap.format, f"must be {FORMAT!r}"))
    if not (0 < seatmap.width <= 100_000 and 0 < seatmap.height <= 100_000):
        add(Problem("width/height", "", "the canvas must be between 1 and 100000 units each way"))
    if not seatmap.name.strip():
        add(Problem("name", "", "the map needs a name"))
    categories: set[str] = set()
    for i, category in enumerate(seatmap.categories):
        path = f"categories[{i}]"
        if category.key in categories:
            add(Problem(path, category.key, "duplicate category key"))
        categories.add(category.key)
        if not _KEY.match(category.key):
            add(Problem(path, category.key, "keys use letters, digits and _ . : - (64 at most)"))
        if not _COLOR.match(category.color):
            add(Problem(path, category.key, f"colour {category.color!r} is not #rrggbb"))
        if not category.name.strip():
            add(Problem(path, category.key, "the category needs a name"))
    if not seatmap.sections and not seatmap.ga_areas:
        add(Problem("sections", "", "the map has no seats and no general-admission areas"))
    if seatmap.seat_count > MAX_SEATS:
        add(Problem("sections", "", f"{seatmap.seat_count} seats; at most {MAX_SEATS}"))
        return problems
    keys: dict[str, str] = {}
    section_keys: set[str] = set()
    for s, section in enumerate(seatmap.sections):
        spath = f"sections[{s}]"
        if section.key in section_keys:
            add(Problem(spath, section.key, "duplicate section key"))
        section_keys.add(section.key)
        if len(section.name) > MAX_NAME:
            add(Problem(spath, section.key, f"the section name is longer than {MAX_NAME} characters"))
        if not section.rows or not any(row.seats for row in section.rows):
            add(Problem(spath, section.key, "empty section: it has no seats"))
        row_labels: set[str] = set()
        for r, row in enumerate(section.rows):
            rpath = f"{spath}.rows[{r}]"
            if not row.label.strip():
                add(Problem(rpath, section.key, "the row needs a label"))
            elif len(row.label) > MAX_LABEL:
                add(Problem(rpath, section.key, f"the row label is longer than {MAX_LABEL} characters"))
            elif row.label in row_labels:
                add(Problem(rpath, f"{section.key} row {row.label}", "duplicate row label in this section"))
            row_labels.add(row.label)
            if not row.seats:
                add(Problem(rpath, f"{section.key} row {row.label}", "empty row"))
            numbers: set[str] = set()
            for n, seat in enumerate(row.seats):
                path = f"{rpath}.seats[{n}]"
                if not _KEY.match(seat.key):
                    add(Problem(path, seat.key, "seat keys use letters, digits and _ . : - (64 at most)"))
                if seat.key in keys:
                    add(Problem(path, seat.key, f"duplicate seat key (also at {keys[seat.key]})"))
                else:
                    keys[seat.key] = path
                if len(seat.number) > MAX_LABEL:
                    add(Problem(path, seat.key, f"the seat number is longer than {MAX_LABEL} characters"))
                if seat.number in numbers:
                    add(Problem(path, seat.key, f"seat number {seat.number} appears twice in row {row.label}"))
                numbers.add(seat.number)
                if seat.category not in categories:
                    add(Problem(path, seat.key, f"unknown category {seat.category!r}"))
                if not (0 <= seat.x <= seatmap.width and 0 <= seat.y <= seatmap.height):
                    add(Problem(path, seat.key, f"seat off canvas at ({seat.x:g}, {seat.y:g})"))
                if len(set(seat.flags)) != len(seat.flags):
                    add(Problem(path, seat.key, "a flag is repeated"))
    for a, area in enumerate(seatmap.ga_areas):
        path = f"ga_areas[{a}]"
        if area.key in keys or area.key in section_keys:
            add(Problem(path, area.key, "this key is already used by a seat or section"))
        keys[area.key] = path
        if len(area.name) > MAX_NAME:
            add(Problem(path, area.key, f"the area name is longer than {MAX_NAME} characters"))
        if area.capacity < 1:
            add(Problem(path, area.key, "a general-admission area needs a capacity of at least 1"))
        if area.category not in categories:
            add(Problem(path, area.key, f"unknown category {area.category!r}"))
        if len(area.polygon) < 3:
            add(Problem(path, area.key, "the area's polygon needs at least 3 points"))
        elif any(not (0 <= x <= seatmap.width and 0 <= y <= seatmap.height) for x, y in area.polygon):
            add(Problem(path, area.key, "the area reaches off the canvas"))
    return problems


def encode(seatmap: SeatMap) -> bytes:
    return msgspec.json.encode(seatmap)
