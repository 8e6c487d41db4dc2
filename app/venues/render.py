"""Server-side rendering of a seat map as SVG plus the compact seat index the picker script uses.

The drawing of a published event never changes (its layout version is frozen), so it is built once per layout
version and process; only seat states travel per request.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.venues.models import SeatLayoutVersion
from app.venues.seatmap import SeatMap

FLAG_BITS = {"wheelchair": 1, "companion": 2, "restricted_view": 4}
SEAT_RADIUS = 6
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
DEFAULT_FILL = "#e5e7eb"


OVERVIEW_SEATS = 1000  # maps with more seats open on sections as shapes; their seats appear once one is opened
_HULL_PADDING = SEAT_RADIUS + 6


@dataclass(frozen=True)
class SectionOutline:
    index: int
    key: str
    name: str
    css: str  # the category class most of its seats have: the section's colour on the overview
    seats: int


@dataclass(frozen=True)
class _SeatSlot:
    """Where a seat's state class goes in the drawing."""

    key: str


@dataclass(frozen=True)
class _LeftSlot:
    """Where a section's "87 left" goes."""

    section: int


@dataclass(frozen=True)
class _SeatsOf:
    """Where a section's seats begin (`opening`) or end in the drawing."""

    section: int
    opening: bool


_Piece = str | _SeatSlot | _LeftSlot | _SeatsOf


@dataclass(frozen=True)
class RenderedMap:
    pieces: tuple[_Piece, ...]  # the <svg>, with slots for what changes per request
    index_json: str  # [[section name, row label, [[key, number, flag bits], ...]], ...] in drawing order
    categories: list[dict]  # key, name, color, css class
    seated_categories: frozenset[str]  # categories that have seats (not only standing areas)
    sections: list[SectionOutline]
    section_of: dict[str, int]  # seat key -> section index
    # A big map opens on its sections; the picker then sends each section's seats as JSON, drawn when it opens
    # (10,000 seats of SVG markup cost a phone most of a second to parse): [[row label, [[key, number, x, y,
    # category index, flag bits], ...]], ...] per section.
    opens_on_sections: bool
    section_seats: list[str]

    @property
    def svg(self) -> str:
        """The drawing without seat states (organizer pages paint them themselves)."""
        return self.drawn(None)

    def drawn(self, states: Mapping[str, str] | None, *, seats_as_json: bool = False) -> str:
        """The drawing with every seat's state as buyers see it (`states`: key -> available, mine, held, sold or
        blocked; absent keys are available), so the page is true before any script runs. `seats_as_json`: a
        map that opens on its sections is drawn without its seats (see `section_seats`)."""
        if states is None:
            left = {s.index: f"{s.seats} seats" for s in self.sections}
        else:
            taken = Counter(self.section_of[key] for key, status in states.items() if status != "available")
            left = {s.index: _left_text(s.seats - taken[s.index]) for s in self.sections}
        out = []
        skipping = False
        for piece in self.pieces:
            if isinstance(piece, _SeatsOf):
                skipping = seats_as_json and self.opens_on_sections and piece.opening
            elif skipping:
                continue
            elif isinstance(piece, str):
                out.append(piece)
            elif isinstance(piece, _SeatSlot):
                if states is not None:
                    out.append(f" s-{states.get(piece.key, 'available')}")
            else:
                out.append(left[piece.section])
        return "".join(out)


def _left_text(left: int) -> str:
    return f"{left} left" if left > 0 else "Sold out"


def _pts(points) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull (Andrew's monotone chain), pushed out from its centre so seats sit inside it."""
    unique = sorted(set(points))
    if len(unique) < 3:
        x, y = unique[0]
        return [(x - 1, y - 1), (x + 1, y - 1), (x + 1, y + 1), (x - 1, y + 1)] if len(unique) == 1 else unique

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for point in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    corners = lower[:-1] + upper[:-1]
    cx = sum(x for x, _ in corners) / len(corners)
    cy = sum(y for _, y in corners) / len(corners)
    padded = []
    for x, y in corners:
        distance = math.hypot(x - cx, y - cy) or 1
        push = _HULL_PADDING / distance
        padded.append((round(x + (x - cx) * push, 1), round(y + (y - cy) * push, 1)))
    return padded


_CACHE: OrderedDict[uuid.UUID, RenderedMap] = OrderedDict()
_CACHE_SIZE = 16


async def rendered_map_for(session: AsyncSession, version_id: uuid.UUID) -> RenderedMap:
    """Layout versions never change, so each is drawn once per process."""
    if (hit := _CACHE.get(version_id)) is not None:
        _CACHE.move_to_end(version_id)
        return hit
    document = await session.scalar(select(SeatLayoutVersion.document).where(SeatLayoutVersion.id == version_id))
    rendered = render_layout(msgspec.convert(document, type=SeatMap))
    _CACHE[version_id] = rendered
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return rendered


def _backdrop(seatmap: SeatMap, category_class: dict[str, str]) -> list[str]:
    parts = []
    for shape in seatmap.shapes:
        # A fill is a colour, nothing else (no url() fetching from elsewhere).
        fill = shape.fill if _HEX_COLOR.fullmatch(shape.fill) else DEFAULT_FILL
        if shape.kind == "polygon":
            parts.append(f'<polygon points="{_pts(shape.points)}" fill="{fill}"/>')
        else:
            (x1, y1), (x2, y2) = shape.points[0], shape.points[-1]
            if shape.kind == "rect":
                parts.append(
                    f'<rect x="{min(x1, x2):g}" y="{min(y1, y2):g}" width="{abs(x2 - x1):g}" '
                    f'height="{abs(y2 - y1):g}" fill="{fill}"/>'
                )
            else:
                parts.append(
                    f'<ellipse cx="{(x1 + x2) / 2:g}" cy="{(y1 + y2) / 2:g}" rx="{abs(x2 - x1) / 2:g}" '
                    f'ry="{abs(y2 - y1) / 2:g}" fill="{fill}"/>'
                )
    if stage := seatmap.stage:
        parts.append(
            f'<rect class="stage" x="{stage.x:g}" y="{stage.y:g}" width="{stage.width:g}" '
            f'height="{stage.height:g}" rx="8"/><text class="stage-label" x="{stage.x + stage.width / 2:g}" '
            f'y="{stage.y + stage.height / 2:g}">{escape(stage.label)}</text>'
        )
    for area in seatmap.ga_areas:
        cx = sum(x for x, _ in area.polygon) / len(area.polygon)
        cy = sum(y for _, y in area.polygon) / len(area.polygon)
        parts.append(
            f'<polygon class="ga {category_class[area.category]}" points="{_pts(area.polygon)}" '
            f'data-area="{escape(area.key)}"/><text class="ga-label" x="{cx:g}" y="{cy:g}">'
            f"{escape(area.name)}</text>"
        )
    for text in seatmap.texts:
        parts.append(
            f'<text class="map-text" x="{text.x:g}" y="{text.y:g}" font-size="{text.size:g}">{escape(text.text)}</text>'
        )
    return parts


# Marks drawn at a seat's upper right so a seat's access flags are seen without colour (and named in the legend).
FLAG_MARKS = {"wheelchair": "\u267f", "companion": "C", "restricted_view": "R"}


def render_layout(seatmap: SeatMap) -> RenderedMap:
    category_class = {c.key: f"c{i}" for i, c in enumerate(seatmap.categories)}
    opens_on_sections = seatmap.seat_count > OVERVIEW_SEATS
    overview = " overview" if opens_on_sections else ""
    pieces: list[_Piece] = [
        f'<svg id="seatmap" class="seatmap{overview}" viewBox="0 0 {seatmap.width:g} {seatmap.height:g}" '
        f'role="group" aria-label="Seat map of {escape(seatmap.name)}" preserveAspectRatio="xMidYMid meet">'
        '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="4" height="4" fill="#d1d5db"/><line x1="0" y1="0" x2="0" y2="4" stroke="#4b5563" '
        'stroke-width="2"/></pattern></defs><g class="map-backdrop">',
        *_backdrop(seatmap, category_class),
        '</g><g class="sec-shapes" id="sec-shapes">',
    ]
    sections: list[SectionOutline] = []
    section_of: dict[str, int] = {}
    for i, section in enumerate(seatmap.sections):
        seats = [seat for row in section.rows for seat in row.seats]
        css = category_class[Counter(seat.category for seat in seats).most_common(1)[0][0]]
        sections.append(SectionOutline(i, section.key, section.name, css, len(seats)))
        section_of.update((seat.key, i) for seat in seats)
        hull = _hull([(seat.x, seat.y) for seat in seats])
        xs, ys = [x for x, _ in hull], [y for _, y in hull]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        size = round(max(12.0, min(44.0, min(max(xs) - min(xs), max(ys) - min(ys)) / 4)), 1)
        pieces += [
            f'<g class="sec-shape {css}" data-sec="{i}"><polygon points="{_pts(hull)}"/>'
            f'<text class="sec-name" x="{cx:g}" y="{cy - size * 0.6:g}" font-size="{size:g}">'
            f"{escape(section.name)}</text>"
            f'<text class="sec-left" x="{cx:g}" y="{cy + size * 0.6:g}" font-size="{size * 0.8:g}">',
            _LeftSlot(i),
            "</text></g>",
        ]
    pieces.append('</g><g class="seats">')
    index = []
    category_index = {c.key: i for i, c in enumerate(seatmap.categories)}
    section_seats = []
    for i, section in enumerate(seatmap.sections):
        pieces += [f'<g class="sec" data-sec="{i}" data-name="{escape(section.name)}">', _SeatsOf(i, opening=True)]
        section_seats.append(
            script_json(
                [
                    [
                        row.label,
                        [
                            [s.key, s.number, s.x, s.y, category_index[s.category], sum(FLAG_BITS[f] for f in s.flags)]
                            for s in row.seats
                        ],
                    ]
                    for row in section.rows
                ]
            )
        )
        for row in section.rows:
            pieces.append(f'<g class="row" data-row="{escape(row.label)}">')
            row_index = []
            marks = []
            for seat in row.seats:
                flags = sum(FLAG_BITS[f] for f in seat.flags)
                pieces += [
                    f'<circle cx="{seat.x:g}" cy="{seat.y:g}" r="{SEAT_RADIUS}" '
                    f'class="seat {category_class[seat.category]}',
                    _SeatSlot(seat.key),
                    f'" data-k="{escape(seat.key)}" data-n="{escape(seat.number)}"'
                    + (f' data-f="{flags}"/>' if flags else "/>"),
                ]
                marks += [
                    f'<text class="flag-mark" x="{seat.x + SEAT_RADIUS:g}" y="{seat.y - SEAT_RADIUS:g}">'
                    f"{FLAG_MARKS[flag]}</text>"
                    for flag in seat.flags
                ]
                row_index.append([seat.key, seat.number, flags])
            pieces += [*marks, "</g>"]
            index.append([section.name, row.label, row_index])
        pieces += [_SeatsOf(i, opening=False), "</g>"]
    pieces.append("</g></svg>")
    categories = [
        {"key": c.key, "name": c.name, "color": c.color, "css": category_class[c.key]} for c in seatmap.categories
    ]
    seated = frozenset(seat.category for _, _, seat in seatmap.seats())
    return RenderedMap(
        pieces=_merged(pieces),
        index_json=script_json(index),
        categories=categories,
        seated_categories=seated,
        sections=sections,
        section_of=section_of,
        opens_on_sections=opens_on_sections,
        section_seats=section_seats if opens_on_sections else [],
    )


def _merged(pieces: list[_Piece]) -> tuple[_Piece, ...]:
    """Neighbouring strings joined once, so a request joins slots and few long strings."""
    merged: list[_Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return tuple(merged)


def script_json(value: object) -> str:
    """JSON safe to place inside a <script type="application/json"> element: < > & are escaped as \\u003c \\u003e
    \\u0026, so no '</script>' or '<!--' in a name can end or change the element early; JSON.parse reads them
    back unchanged."""
    return (
        json.dumps(value, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
