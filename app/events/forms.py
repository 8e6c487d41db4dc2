"""HTML form fields -> the service's inputs; type problems become field errors before the service is asked."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from app.events.service import EventInput, TierInput
from app.money import InvalidAmount, parse_amount
from app.validation import FieldErrors

Form = Mapping[str, str]


def _optional_uuid(errors: FieldErrors, field_name: str, value: str | None) -> uuid.UUID | None:
    if not (value or "").strip():
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        errors.add(field_name, "Choose one of the listed options.")
        return None


def event_input(form: Form) -> EventInput:
    errors = FieldErrors()  # checked in the form's order: the error summary lists them so
    if not (form.get("title") or "").strip():
        errors.add("title", "Enter the event's title.")
    starts_at = errors.local_datetime("starts_at", form.get("starts_at"))
    ends_at = errors.local_datetime("ends_at", form.get("ends_at"))
    sales_start = errors.local_datetime("sales_start_at", form.get("sales_start_at"), required=False)
    sales_end = errors.local_datetime("sales_end_at", form.get("sales_end_at"), required=False)
    venue_id = _optional_uuid(errors, "venue_id", form.get("venue_id"))
    layout_version_id = _optional_uuid(errors, "layout_version_id", form.get("layout_version_id"))
    errors.raise_if_any()
    assert starts_at is not None and ends_at is not None
    return EventInput(
        title=form.get("title", ""),
        description=form.get("description", ""),
        category=form.get("category", "other"),
        tags=[t for t in (form.get("tags") or "").split(",") if t.strip()],
        slug=form.get("slug") or None,
        timezone=form.get("timezone", ""),
        starts_at=starts_at,
        ends_at=ends_at,
        venue_id=venue_id,
        sales_start_at=sales_start,
        sales_end_at=sales_end,
        online_url=form.get("online_url") or None,
        layout_version_id=layout_version_id,
    )


def tier_input(form: Form) -> TierInput:
    errors = FieldErrors()  # checked in the form's order: the error summary lists them so
    if not (form.get("name") or "").strip():
        errors.add("name", "Enter the tier's name.")
    currency = (form.get("currency") or "").strip().upper()
    price_minor = 0
    try:
        price_minor = parse_amount(form.get("price") or "", currency or "EUR")
    except InvalidAmount as exc:
        errors.add("price", str(exc))
    kind = form.get("kind", "ga")
    if kind == "ga" and not (form.get("capacity") or "").strip():
        errors.add("capacity", "Enter how many places this tier sells.")
    capacity = (
        errors.integer("capacity", form.get("capacity"), minimum=1, maximum=1_000_000, required=kind == "ga")
        if kind == "ga"
        else None
    )
    seat_category = (form.get("seat_category") or "").strip() if kind == "seated" else None
    if kind == "seated" and not seat_category:
        errors.add("seat_category", "Name the seat category this tier sells.")
    sort_order = errors.integer("sort_order", form.get("sort_order") or "0", minimum=-1000, maximum=1000)
    sales_start = errors.local_datetime("sales_start_at", form.get("sales_start_at"), required=False)
    sales_end = errors.local_datetime("sales_end_at", form.get("sales_end_at"), required=False)
    quantity_limit = errors.integer(
        "quantity_limit", form.get("quantity_limit"), minimum=1, maximum=1_000_000, required=False
    )
    errors.raise_if_any()
    return TierInput(
        name=form.get("name", ""),
        description=form.get("description", ""),
        price_minor=price_minor,
        currency=currency,
        capacity=capacity,
        seat_category=seat_category or None,
        sort_order=sort_order or 0,
        sales_start_at=sales_start,
        sales_end_at=sales_end,
        price_type=form.get("price_type", ""),
        quantity_limit=quantity_limit,
    )
