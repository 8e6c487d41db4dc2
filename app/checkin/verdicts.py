"""The one list of check-in verdicts, and the doors rule. The server judges online scans and synced offline scans
with them; the offline bundle carries the list and the doors window to static/js/scanner.js, which judges with
the same codes, words and times and knows no message of its own."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from enum import StrEnum

from app.events.models import Event
from app.timeutil import format_local

DOORS_OPEN_BEFORE = timedelta(hours=12)
DOORS_CLOSE_AFTER = timedelta(hours=6)


class ScanResult(StrEnum):
    """What door staff see first (the colour), and what the scan log's `result` column holds."""

    VALID = "valid"
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    UNDONE = "undone"  # a manager took a check-in back: a log row, never a verdict


class VerdictCode(StrEnum):
    """Why a scan got its result: code, result, message (`{starts}` is the event's local start time)."""

    result: ScanResult
    template: str

    def __new__(cls, code: str, result: ScanResult, template: str) -> VerdictCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.result = result
        member.template = template
        return member

    VALID = "valid", ScanResult.VALID, "Valid."
    DUPLICATE = "duplicate", ScanResult.DUPLICATE, "Already checked in."
    SUPERSEDED = "superseded", ScanResult.DUPLICATE, "Already checked in: an earlier offline scan came in later."
    NOTHING_READ = "nothing_read", ScanResult.INVALID, "Nothing was read."
    UNREADABLE = "unreadable", ScanResult.INVALID, "Unreadable code."
    FORGED = "forged", ScanResult.INVALID, "Forged or altered code."
    OTHER_ORGANIZER = "other_organizer", ScanResult.INVALID, "This ticket belongs to another organizer."
    NOT_SIGNED = "not_signed", ScanResult.INVALID, "This code was not signed by this organizer."
    OTHER_EVENT = "other_event", ScanResult.INVALID, "This ticket is for another event."
    UNKNOWN_TICKET = "unknown_ticket", ScanResult.INVALID, "Unknown ticket."
    VOID = "void", ScanResult.INVALID, "This ticket was refunded or cancelled."
    NOT_TODAY = "not_today", ScanResult.INVALID, "This event is not today (it starts {starts})."
    # Only a scanner says this (it has no ticket list to judge by); the page it runs in carries the words.
    NO_TICKET_LIST = (
        "no_ticket_list",
        ScanResult.INVALID,
        "No ticket list on this device yet: connect once before the doors open.",
    )

    def message(self, event: Event) -> str:
        if "{" not in self.template:
            return self.template
        return self.template.format(starts=format_local(event.starts_at, event.timezone))


def messages(event: Event) -> dict[str, str]:
    """Every code with its words for this event: what the offline bundle and the scanner page carry."""
    return {code.value: code.message(event) for code in VerdictCode}


def doors_window(event: Event) -> tuple[datetime, datetime]:
    """When tickets of the event are let in: from some hours before it starts to some hours after it ends."""
    return event.starts_at - DOORS_OPEN_BEFORE, event.ends_at + DOORS_CLOSE_AFTER


def doors_open(event: Event, at: datetime) -> bool:
    opens, closes = doors_window(event)
    return opens <= at <= closes


def logged_message(event: Event, reason: str) -> str:
    """The words for a scan-log row's `reason`: a verdict code's message; an undo keeps the manager's words (and
    rows logged before codes existed hold their words already)."""
    with contextlib.suppress(ValueError):
        return VerdictCode(reason).message(event)
    return reason


def logged_code(result: str, reason: str) -> VerdictCode:
    """The verdict a scan-log row records. Rows logged before codes existed hold the message instead (nothing
    when valid or duplicate); messages kept their words, so they map back."""
    with contextlib.suppress(ValueError):
        return VerdictCode(reason)
    if result != ScanResult.INVALID:
        return VerdictCode.DUPLICATE if result == ScanResult.DUPLICATE else VerdictCode.VALID
    words = (code for code in VerdictCode if reason.startswith(code.template.split("{")[0]))
    return next(words, VerdictCode.UNREADABLE)
