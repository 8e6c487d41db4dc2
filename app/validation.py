"""Parsing of user-typed values into typed ones, collecting one message per field."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal, DecimalException

from email_validator import EmailNotValidError, validate_email

from app.errors import ValidationFailed

_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Far enough from datetime's limits that a wall-clock time converts to UTC in every timezone.
_YEARS = range(1900, 9000)
_MAX_EMAIL_LENGTH = 320
_STORABLE_CONTROLS = "\t\n\r"


def has_unstorable_characters(text: str) -> bool:
    """NUL, other control characters and lone surrogates: PostgreSQL or UTF-8 refuse them, and no one types them."""
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in _STORABLE_CONTROLS for c in text)


class FieldErrors:
    """Collects field errors so a form reports every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def text(self, field_name: str, value: str | None, *, max_length: int, required: bool = True) -> str:
        cleaned = (value or "").strip()
        if required and not cleaned:
            self.add(field_name, "This field is required.")
        elif len(cleaned) > max_length:
            self.add(field_name, f"At most {max_length} characters.")
        elif has_unstorable_characters(cleaned):
            self.add(field_name, "Remove the control characters (such as NUL) from this text.")
        return cleaned

    def email(self, field_name: str, value: str | None) -> str:
        cleaned = (value or "").strip()
        if not cleaned:
            self.add(field_name, "Enter your e-mail address.")
            return ""
        if len(cleaned) > _MAX_EMAIL_LENGTH:
            self.add(field_name, f"An e-mail address has at most {_MAX_EMAIL_LENGTH} characters.")
            return cleaned
        try:
            return normalize_email(cleaned)
        except EmailNotValidError as exc:
            self.add(field_name, f"That e-mail address is not valid: {exc}")
            return cleaned

    def local_datetime(self, field_name: str, value: str | None, *, required: bool = True) -> datetime | None:
        cleaned = (value or "").strip()
        if not cleaned:
            if required:
                self.add(field_name, "Enter a date and time.")
            return None
        try:
            parsed = datetime.fromisoformat(cleaned)
        except ValueError:
            self.add(field_name, "Enter a date and time such as 2026-12-31T19:30.")
            return None
        return self.moment(field_name, parsed)

    def moment(self, field_name: str, value: datetime | None) -> datetime | None:
        """A date and time (typed, or sent as JSON) whose year converts to UTC in every timezone; else a message."""
        if value is not None and value.year not in _YEARS:
            self.add(field_name, f"Enter a date between the years {_YEARS.start} and {_YEARS.stop - 1}.")
            return None
        return value

    def integer(
        self, field_name: str, value: str | None, *, minimum: int, maximum: int, required: bool = True
    ) -> int | None:
        cleaned = (value or "").strip()
        if not cleaned:
            if required:
                self.add(field_name, "Enter a whole number.")
            return None
        try:
            number = int(cleaned)
        except ValueError:
            self.add(field_name, "Enter a whole number.")
            return None
        if not minimum <= number <= maximum:
            self.add(field_name, f"Enter a number from {minimum} to {maximum}.")
        return number

    def basis_points(self, field_name: str, value: str | None) -> int:
        """A percentage typed as "2.5" in basis points (250): 0 to 100 with at most two decimals; empty is 0."""
        try:
            points = Decimal((value or "").strip() or "0").scaleb(2)
            valid = points.is_finite() and 0 <= points <= 10_000 and points == points.to_integral_value()
        except DecimalException:  # not a number, or beyond Decimal's exponent range
            valid = False
        if not valid:
            self.add(field_name, "Enter a percentage from 0 to 100 with at most two decimals, such as 2.5.")
            return 0
        return int(points)


def normalize_email(value: str) -> str:
    """Validated and lower-cased, so one address is one account."""
    return validate_email(value, check_deliverability=False).normalized.lower()


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "event"


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= 120 and _SLUG_RE.fullmatch(slug) is not None
