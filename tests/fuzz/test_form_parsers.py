"""Hypothesis against the parsers behind every HTML form: whatever is typed (any code point, control characters,
NUL, lone surrogates, huge or empty values) becomes a value or a field message, never another exception; and
values a person would type come back as they meant them."""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.service import _check_password
from app.errors import ValidationFailed
from app.events.forms import event_input, tier_input
from app.events.pages import parse_filter
from app.money import CURRENCIES, InvalidAmount, format_amount, parse_amount
from app.orders.checkout import validate_checkout
from app.seating.choosing import form_int
from app.timeutil import all_timezones, is_valid_timezone, local_to_utc
from app.validation import FieldErrors, has_unstorable_characters, is_valid_slug, slugify
from app.venues.layouts import sample_document, sample_names
from app.venues.seatmap import SeatMapInvalid, parse
from app.venues.service import _validated as validated_venue

# Pure functions: 150 cases each take a fraction of a second.
forms = settings(
    max_examples=150,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),  # CI replays the same cases; local runs keep exploring
    suppress_health_check=[HealthCheck.too_slow],
)

# What people and scripts manage to send: every code point (lone surrogates too), bare control characters,
# values that trip number and date parsers, and sizes far beyond any field.
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "NaN",
        "sNaN",
        "Infinity",
        "-0",
        "1e999999999",
        "0001-01-01T00:00",
        "9999-12-31T23:59",
        "2026-06-01T20:00+14:00",
        "Europe",
        "Europe/",
        "../../etc/passwd",
        "١٢٣",
        "x" * 300,
    ]
)
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=())),
    st.text(st.characters(categories=["Cc"])),
    TRICKY,
    st.integers(1, 5).map(lambda power: "9" * 10**power),
)
MAYBE_TEXT = st.none() | ANY_TEXT
# Text a person types: letters, digits, punctuation and spaces, no control characters.
TYPED = st.text(st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=80).filter(str.strip)


def field_errors_or(parse_form, *args):
    """The parser's value, or None when it refused with field messages; any other exception fails the test."""
    try:
        return parse_form(*args)
    except ValidationFailed as refusal:
        assert refusal.errors and all(isinstance(m, str) and m for m in refusal.errors.values())
        return None


def form_of(*fields: str) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(fields), ANY_TEXT)


# --- app/validation.py ------------------------------------------------------------------------------------


@forms
@given(MAYBE_TEXT, st.booleans())
def test_any_text_field_is_a_storable_value_or_a_field_message(value, required):
    errors = FieldErrors()
    cleaned = errors.text("name", value, max_length=200, required=required)
    field_errors_or(errors.raise_if_any)
    if not errors.errors:
        assert len(cleaned) <= 200 and not has_unstorable_characters(cleaned)


@forms
@given(MAYBE_TEXT)
def test_any_email_field_is_a_normalized_address_or_a_field_message(value):
    errors = FieldErrors()
    address = errors.email("email", value)
    if not errors.errors:
        assert address == address.lower() and "@" in address and not has_unstorable_characters(address)


@forms
@given(MAYBE_TEXT, st.booleans())
def test_any_date_field_is_a_datetime_that_converts_to_utc_or_a_field_message(value, required):
    errors = FieldErrors()
    moment = errors.local_datetime("starts_at", value, required=required)
    if moment is not None:
        assert not errors.errors
        for widest_offset in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tokyo", "America/Adak"):
            local_to_utc(moment.replace(tzinfo=None), widest_offset)


@forms
@given(MAYBE_TEXT)
def test_any_number_field_is_a_number_in_range_or_a_field_message(value):
    errors = FieldErrors()
    number = errors.integer("capacity", value, minimum=1, maximum=1_000_000, required=False)
    percent = errors.basis_points("fee_percent", value)
    assert 0 <= percent <= 10_000
    if "capacity" not in errors.errors and number is not None:
        assert 1 <= number <= 1_000_000


@forms
@given(TYPED.map(lambda t: t[:200]))
def test_typed_text_comes_back_trimmed(text):
    errors = FieldErrors()
    assert errors.text("name", f"  {text}  ", max_length=200) == text.strip()
    assert not errors.errors


@forms
@given(st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10})?@[a-z0-9]{1,20}\.(com|org|de|fr)", fullmatch=True))
def test_typed_email_comes_back_lower_cased(address):
    errors = FieldErrors()
    assert errors.email("email", f" {address.upper()} ") == address
    assert not errors.errors


@forms
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(8999, 12, 31)))
def test_typed_date_and_time_comes_back_to_the_minute(moment):
    errors = FieldErrors()
    typed = moment.isoformat(timespec="minutes")
    assert errors.local_datetime("starts_at", typed) == moment.replace(second=0, microsecond=0)
    assert not errors.errors


@forms
@given(st.integers(-1000, 1000), st.integers(0, 10_000))
def test_typed_numbers_come_back_as_numbers(number, points):
    errors = FieldErrors()
    assert errors.integer("sort_order", str(number), minimum=-1000, maximum=1000) == number
    assert errors.basis_points("fee_percent", str(Decimal(points).scaleb(-2))) == points
    assert not errors.errors


@forms
@given(ANY_TEXT)
def test_any_title_makes_a_valid_web_address(title):
    assert is_valid_slug(slugify(title, 100))


# --- app/events/forms.py, app/events/pages.py --------------------------------------------------------------

EVENT_FIELDS = ("title", "description", "category", "tags", "slug", "timezone", "starts_at", "ends_at")
EVENT_FIELDS += ("sales_start_at", "sales_end_at", "online_url", "venue_id", "layout_version_id")
TIER_FIELDS = ("name", "description", "price", "currency", "kind", "capacity", "seat_category", "sort_order")
TIER_FIELDS += ("sales_start_at", "sales_end_at")


@forms
@given(form_of(*EVENT_FIELDS))
def test_any_event_form_is_an_event_input_or_field_messages(form):
    field_errors_or(event_input, form)


@forms
@given(
    TYPED,
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2999, 1, 1)),
    st.uuids(),
    st.lists(st.from_regex(r"[a-z]{1,10}", fullmatch=True), max_size=5),
)
def test_typed_event_form_comes_back_as_typed(title, starts_at, venue_id, tags):
    typed = {
        "title": title,
        "starts_at": starts_at.isoformat(timespec="minutes"),
        "ends_at": starts_at.replace(microsecond=0).isoformat(),
        "timezone": "Europe/Berlin",
        "venue_id": str(venue_id),
        "tags": ",".join(tags),
        "category": "music",
    }
    parsed = event_input(typed)
    assert (parsed.title, parsed.timezone, parsed.venue_id, parsed.tags) == (title, "Europe/Berlin", venue_id, tags)
    assert parsed.starts_at == starts_at.replace(second=0, microsecond=0)


@forms
@given(form_of(*TIER_FIELDS))
def test_any_tier_form_is_a_tier_input_or_field_messages(form):
    field_errors_or(tier_input, form)


@forms
@given(TYPED, st.sampled_from(CURRENCIES), st.integers(0, 10_000_000), st.integers(1, 1_000_000))
def test_typed_tier_form_comes_back_as_typed(name, currency, price_minor, capacity):
    typed = {"name": name, "currency": currency, "price": format_amount(price_minor, currency)}
    parsed = tier_input({**typed, "kind": "ga", "capacity": str(capacity)})
    assert (parsed.name, parsed.currency, parsed.price_minor, parsed.capacity) == (
        name,
        currency,
        price_minor,
        capacity,
    )


@forms
@given(MAYBE_TEXT, MAYBE_TEXT, MAYBE_TEXT, MAYBE_TEXT, st.integers(-5, 20_000) | st.none())
def test_any_listing_filter_is_read_or_noted_never_fails(q, category, date_from, date_to, page):
    criteria, notes = parse_filter(q, category, date_from, date_to, page)
    assert criteria.page >= 1 and all(isinstance(m, str) for m in notes.values())


# --- app/orders/checkout.py, app/money.py -------------------------------------------------------------------


@forms
@given(MAYBE_TEXT, MAYBE_TEXT, MAYBE_TEXT, st.dictionaries(st.integers(0, 5), st.tuples(ANY_TEXT, ANY_TEXT)))
def test_any_checkout_form_is_a_checkout_or_field_messages(email, name, promo_code, attendees):
    form = field_errors_or(validate_checkout, email, name, promo_code, attendees)
    if form is not None:
        assert not has_unstorable_characters(form.email + form.name + form.promo_code)


@forms
@given(TYPED.map(lambda t: t[:200]), st.from_regex(r"[A-Z0-9]{3,12}", fullmatch=True))
def test_typed_checkout_comes_back_as_typed(name, promo_code):
    form = validate_checkout("Ada@Example.com", name, promo_code, {1: (name, "")})
    assert (form.email, form.name, form.promo_code, form.attendees) == (
        "ada@example.com",
        name.strip(),
        promo_code,
        {1: (name.strip(), "")},
    )


@forms
@given(ANY_TEXT, st.sampled_from(CURRENCIES))
def test_any_price_is_minor_units_or_a_clear_refusal(text, currency):
    try:
        assert 0 <= parse_amount(text, currency) <= 100_000_000_00
    except InvalidAmount as refusal:
        assert str(refusal)


@forms
@given(st.integers(0, 100_000_000_00), st.sampled_from(CURRENCIES))
def test_typed_price_comes_back_in_minor_units(minor, currency):
    assert parse_amount(format_amount(minor, currency), currency) == minor


# --- the seat picker, venues, accounts ------------------------------------------------------------------------


@forms
@given(MAYBE_TEXT)
def test_any_quantity_is_a_number_the_range_checks_can_refuse(value):
    assert isinstance(form_int(value), int)


@forms
@given(st.integers(0, 10**6))
def test_typed_quantity_comes_back(quantity):
    assert form_int(str(quantity)) == quantity


@forms
@given(ANY_TEXT, ANY_TEXT, ANY_TEXT)
def test_any_venue_form_is_a_venue_or_field_messages(name, address, timezone):
    venue = field_errors_or(validated_venue, FieldErrors(), name, address, timezone)
    if venue is not None:
        assert is_valid_timezone(venue[2])


@forms
@given(TYPED, TYPED, st.sampled_from(all_timezones()))
def test_typed_venue_form_comes_back_as_typed(name, address, timezone):
    assert validated_venue(FieldErrors(), name, address, timezone) == (name.strip(), address.strip(), timezone)


@forms
@given(ANY_TEXT, ANY_TEXT)
def test_any_password_is_accepted_or_refused_with_a_message(password, email):
    errors = FieldErrors()
    _check_password(errors, "password", password, email)
    assert all(isinstance(m, str) for m in errors.errors.values())


@forms
@given(st.binary(max_size=2000) | ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_uploaded_seat_map_is_a_seat_map_or_its_problems(document):
    try:
        parse(document)
    except SeatMapInvalid as refusal:
        assert refusal.problems


@pytest.mark.parametrize("sample", sample_names())
def test_a_seat_map_round_trips_through_its_document(sample):
    seatmap = parse(sample_document(sample))
    assert parse(msgspec.json.encode(seatmap)) == seatmap
