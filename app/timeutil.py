"""Times are stored in UTC and shown in the event's IANA timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@lru_cache(maxsize=1)
def all_timezones() -> list[str]:
    return sorted(tz for tz in available_timezones() if "/" in tz and not tz.startswith(("Etc/", "SystemV/")))


def is_valid_timezone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory, long names too long
        return False
    return True


def local_to_utc(naive_local: datetime, timezone: str) -> datetime:
    """A wall-clock time in `timezone` (as typed in a form) to an aware UTC datetime."""
    return naive_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def to_local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def format_local(moment: datetime | None, timezone: str, pattern: str = "%a %d %b %Y, %H:%M") -> str:
    if moment is None:
        return ""
    local = to_local(moment, timezone)
    return f"{local.strftime(pattern)} {local.tzname()}"


def input_value(moment: datetime | None, timezone: str) -> str:
    """The value a datetime-local input shows for a stored UTC time."""
    return to_local(moment, timezone).strftime("%Y-%m-%dT%H:%M") if moment else ""
