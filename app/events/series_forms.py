"""The series forms (which work without JavaScript) -> the series service's inputs; type problems become field
errors before the service is asked."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from litestar.datastructures import FormMultiDict

from app.events.series import DateInput, SeriesInput, TemplateInput, TemplateTier, WeeklyRule, weekly_dates
from app.money import InvalidAmount, format_amount, parse_amount
from app.validation import FieldErrors

TIER_ROWS = 3  # empty tier rows a new series form shows
MAX_TIERS = 20


def _uuid(errors: FieldErrors, name: str, value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if (value or "").strip() else None
    except ValueError:
        errors.add(name, "Choose one of the listed options.")
        return None


def chosen_seat_map(form: FormMultiDict | dict) -> uuid.UUID | None:
    """The seat map (layout version) the series form has chosen, if any."""
    return _uuid(FieldErrors(), "layout_version_id", (form or {}).get("layout_version_id"))


def _parsed(errors: FieldErrors, name: str, value: str | None, kind: type[date] | type[time]) -> date | time | None:
    cleaned = (value or "").strip()
    try:
        return kind.fromisoformat(cleaned)
    except ValueError:
        errors.add(name, "Enter a date such as 2026-12-31." if kind is date else "Enter a time such as 19:30.")
        return None


def _custom_dates(errors: FieldErrors, text: str, shared: dict) -> list[DateInput]:
    """One date a line: `2026-12-31 19:30 22:00` (day, start, end)."""
    dates = []
    for number, line in enumerate(text.strip().splitlines()[:1000], start=1):
        if not line.strip():
            continue
        try:
            day, start, end = line.split()
            starts = datetime.combine(date.fromisoformat(day), time.fromisoformat(start))
            ends = datetime.combine(starts.date(), time.fromisoformat(end))
        except ValueError:
            errors.add("dates", f"Line {number}: write a date as 2026-12-31 19:30 22:00.")
            continue
        dates.append(DateInput(starts_at=starts, ends_at=ends, **shared))
    return dates


def template_tiers(errors: FieldErrors, form: FormMultiDict) -> list[TemplateTier]:
    currency = (form.get("currency") or "EUR").strip().upper()
    tiers = []
    for n in range(MAX_TIERS):
        name = (form.get(f"tier_name_{n}") or "").strip()
        if not name:
            continue
        try:
            price = parse_amount(form.get(f"tier_price_{n}") or "", currency)
        except InvalidAmount as exc:
            errors.add("tiers", f"{name}: {exc}")
            continue
        capacity = errors.integer("tiers", form.get(f"tier_capacity_{n}"), minimum=1, maximum=1_000_000, required=False)
        category = (form.get(f"tier_seat_category_{n}") or "").strip() or None
        tiers.append(
            TemplateTier(
                name=name, price_minor=price, currency=currency, capacity=capacity, seat_category=category, sort_order=n
            )
        )
    return tiers


def _fees(errors: FieldErrors, form: FormMultiDict) -> tuple[int, int]:
    try:
        percent_bp = int(Decimal((form.get("fee_percent") or "0").strip()) * 100)
    except (InvalidOperation, ValueError):
        errors.add("fees", "Enter a fee percentage such as 2.5.")
        percent_bp = 0
    try:
        fixed = parse_amount(form.get("fee_fixed") or "0", (form.get("currency") or "EUR").strip().upper())
    except InvalidAmount as exc:
        errors.add("fees", str(exc))
        fixed = 0
    return percent_bp, fixed


def template_input(form: FormMultiDict, errors: FieldErrors | None = None) -> TemplateInput:
    errors = errors or FieldErrors()
    fee_percent_bp, fee_fixed_minor = _fees(errors, form)
    tiers = template_tiers(errors, form)
    if not tiers and "tiers" not in errors.errors:
        errors.add("tiers", "Add at least one price tier.")
    errors.raise_if_any()
    return TemplateInput(
        title=form.get("title", ""),
        description=form.get("description", ""),
        tiers=tiers,
        fee_percent_bp=fee_percent_bp,
        fee_fixed_minor=fee_fixed_minor,
    )


def date_input(form: FormMultiDict, errors: FieldErrors | None = None) -> DateInput:
    """One date with its own venue, seat map and capacity."""
    errors = errors or FieldErrors()
    starts = errors.local_datetime("starts_at", form.get("starts_at"))
    ends = errors.local_datetime("ends_at", form.get("ends_at"))
    shared = _shared(errors, form)
    errors.raise_if_any()
    assert starts is not None and ends is not None
    return DateInput(starts_at=starts, ends_at=ends, **shared)


def _shared(errors: FieldErrors, form: FormMultiDict) -> dict:
    return {
        "venue_id": _uuid(errors, "venue_id", form.get("venue_id")),
        "layout_version_id": _uuid(errors, "layout_version_id", form.get("layout_version_id")),
        "capacity": errors.integer("capacity", form.get("capacity"), minimum=1, maximum=1_000_000, required=False),
    }


def series_input(form: FormMultiDict) -> SeriesInput:
    errors = FieldErrors()
    shared = _shared(errors, form)
    dates: list[DateInput] = []
    if form.get("kind", "weekly") == "custom":
        dates = _custom_dates(errors, form.get("dates") or "", shared)
    else:
        first = _parsed(errors, "first_day", form.get("first_day"), date)
        last = _parsed(errors, "last_day", form.get("last_day"), date)
        start = _parsed(errors, "start_time", form.get("start_time"), time)
        end = _parsed(errors, "end_time", form.get("end_time"), time)
        if first and last and start and end:
            rule = WeeklyRule(first, last, form.getall("weekdays", []), start, end, **shared)  # type: ignore[arg-type]
            dates = weekly_dates(rule, errors)
    template = template_input(form, errors)
    return SeriesInput(
        title=template.title,
        description=template.description,
        tiers=template.tiers,
        fee_percent_bp=template.fee_percent_bp,
        fee_fixed_minor=template.fee_fixed_minor,
        timezone=form.get("timezone", ""),
        category=form.get("category", "other"),
        slug=form.get("slug") or None,
        online_url=form.get("online_url") or None,
        dates=dates,
    )


def template_values(template: TemplateInput) -> dict[str, str]:
    """The template as the form shows it."""
    currency = template.tiers[0].currency if template.tiers else "EUR"
    values = {
        "title": template.title,
        "description": template.description,
        "currency": currency,
        "fee_percent": str(Decimal(template.fee_percent_bp) / 100),
        "fee_fixed": format_amount(template.fee_fixed_minor, currency),
    }
    for n, tier in enumerate(template.tiers):
        values |= {
            f"tier_name_{n}": tier.name,
            f"tier_price_{n}": format_amount(tier.price_minor, tier.currency),
            f"tier_capacity_{n}": str(tier.capacity or ""),
            f"tier_seat_category_{n}": tier.seat_category or "",
        }
    return values
