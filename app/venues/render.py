"""Server-side rendering of a seat map as SVG plus the compact seat index the picker script uses.

The drawing of a published event never changes (its layout version is frozen), so it is built once per layout
version and process; only seat states travel per request.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import OrderedDict
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


@dataclass(frozen=True)
class RenderedMap:
    svg: str  # the <svg> element: stage, shapes, labels, GA areas and one <circle> per seat
    index_json: str  # [[section name, row label, [[key, number, flag bits], ...]], ...] in drawing order
    categories: list[dict]  # key, name, color, css class
    seated_categories: frozenset[str]  # categories that have seats (not only standing areas)


def _pts(points) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


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


def render_layout(seatmap: SeatMap) -> RenderedMap:
    category_class = {c.key: f"c{i}" for i, c in enumerate(seatmap.categories)}
    parts = [
        f'<svg id="seatmap" class="seatmap" viewBox="0 0 {seatmap.width:g} {seatmap.height:g}" '
        f'role="application" aria-label="Seat map of {escape(seatmap.name)}" preserveAspectRatio="xMidYMid meet">',
        '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="4" height="4" fill="#d1d5db"/><line x1="0" y1="0" x2="0" y2="4" stroke="#4b5563" '
        'stroke-width="2"/></pattern></defs>',
        '<g class="map-backdrop">',
    ]
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
    parts.append('</g><g class="seats">')
    index = []
    first = True
    for section in seatmap.sections:
        for row in section.rows:
            row_index = []
            for seat in row.seats:
                key = escape(seat.key)
                focus = ' tabindex="0"' if first else ' tabindex="-1"'
                first = False
                parts.append(
                    f'<circle cx="{seat.x:g}" cy="{seat.y:g}" r="{SEAT_RADIUS}" '
                    f'class="seat {category_class[seat.category]}" data-k="{key}"{focus}/>'
                )
                row_index.append([seat.key, seat.number, sum(FLAG_BITS[f] for f in seat.flags)])
            index.append([section.name, row.label, row_index])
    parts.append("</g></svg>")
    categories = [
        {"key": c.key, "name": c.name, "color": c.color, "css": category_class[c.key]} for c in seatmap.categories
    ]
    seated = frozenset(seat.category for _, _, seat in seatmap.seats())
    return RenderedMap(
        svg="".join(parts), index_json=script_json(index), categories=categories, seated_categories=seated
    )


def script_json(value: object) -> str:
    """JSON safe to place inside a <script type="application/json"> element: < > & are escaped as \\u003c \\u003e
    \\u0026, so no '</script>' or '<!--' in a name can end or change the element early; JSON.parse reads them
    back unchanged."""
    return (
        json.dumps(value, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
