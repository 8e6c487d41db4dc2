"""Parsing of user-typed values into typed ones, collecting one message per field."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from app.errors import ValidationFailed

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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
        return cleaned

    def email(self, field_name: str, value: str | None) -> str:
        cleaned = (value or "").strip()
        if not cleaned:
            self.add(field_name, "Enter your e-mail address.")
            return ""
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
        return parsed.replace(tzinfo=None) if parsed.tzinfo is None else parsed

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


def normalize_email(value: str) -> str:
    """Validated and lower-cased, so one address is one account."""
    return validate_email(value, check_deliverability=False).normalized.lower()


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "event"


def is_valid_slug(slug: str) -> bool:
    return bool(_SLUG_RE.match(slug)) and len(slug) <= 120
