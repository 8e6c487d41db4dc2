"""What the seat page's "Choose from a list" and "Best available" forms show: the list step a buyer is at, with
live seats (seat_list.py), and the categories best available can fill. Shared by the seat page, the list's own page
and a refused form shown again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import NotFound
from app.events.models import Event
from app.money import format_money
from app.seating import seat_list
from app.seating.rules import InvalidSeats
from app.seating.tiers import tiers_by_category
from app.venues.render import rendered_map_for


def form_int(value: str | None) -> int:
    """A number from a form field; anything else becomes -1, which every range check rejects."""
    try:
        return int(value or "")
    except ValueError:
        return -1


@dataclass(frozen=True)
class ListStep:
    """Where the buyer is in "Choose from a list": the section and row chosen, if any, the party size and whether
    one of the party uses a wheelchair. Carried in query parameters, and in hidden fields of the hold forms so a
    refused hold shows the same step again."""

    section: str | None = None
    row: int | None = None
    party: int = 1
    wheelchair: bool = False

    @classmethod
    def of(cls, values: Mapping[str, str], max_seats: int) -> ListStep:
        party = form_int(values.get("party") or "1")
        if not 1 <= party <= max_seats:
            raise InvalidSeats(f"Choose a party of 1 to {max_seats}.")
        row = values.get("row") or None
        return cls(
            values.get("section") or None, form_int(row) if row else None, party, values.get("wheelchair") == "1"
        )

    def query(self, **change: object) -> str:
        """This step's query string with some parts changed, e.g. `step.query(row=None)` one step back."""
        step = replace(self, **change)
        params = {
            "section": step.section,
            "row": step.row,
            "party": step.party if step.party > 1 else None,
            "wheelchair": "1" if step.wheelchair else None,
        }
        return urlencode({k: v for k, v in params.items() if v is not None})


async def seat_choices(
    db: AsyncSession, settings: Settings, event: Event, values: Mapping[str, str], *, with_best: bool = True
) -> dict:
    """What the seat page's "Choose from a list" and (`with_best`) "Best available" forms show: the step the buyer is
    at (`values`: its query parameters) with live seats, and the categories best available can fill."""
    step = ListStep.of(values, settings.max_seats_per_cart)
    priced = tiers_by_category(event)
    sections = await seat_list.sections(db, event.id, priced)
    section = next((s for s in sections if s.key == step.section), None)
    if step.section is not None and section is None:
        raise NotFound("This event has no such section.")
    rows = []
    if section is not None:
        rows = await seat_list.rows(db, event.id, section.key, priced, party=step.party, wheelchair=step.wheelchair)
    row = next((r for r in rows if r.index == step.row), None)
    choices = {
        "list_step": step,
        "list_sections": sections,
        "list_section": section,
        "list_rows": rows,
        "list_row": row,
        "list_row_gone": step.row is not None and row is None,
        "seats_price": lambda seats: format_money(
            sum(priced[s.category].price_minor for s in seats), priced[seats[0].category].currency
        ),
        "seat_words": seat_list.seat_words,
        "group_names": seat_list.group_names,
    }
    if with_best:
        choices["best_categories"] = await _best_categories(db, event, priced)
    return choices


async def _best_categories(db: AsyncSession, event: Event, priced: dict) -> list[tuple[str, str, str, bool]]:
    """(key, name, price, has wheelchair spaces) of each seated category on sale now, in the map's order."""
    rendered = await rendered_map_for(db, event.layout_version_id)
    accessible = await seat_list.wheelchair_categories(db, event.id)
    return [
        (
            c["key"],
            c["name"],
            format_money(priced[c["key"]].price_minor, priced[c["key"]].currency),
            c["key"] in accessible,
        )
        for c in rendered.categories
        if c["key"] in priced and c["key"] in rendered.seated_categories
    ]
