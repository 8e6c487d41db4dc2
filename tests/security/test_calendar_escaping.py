"""The .ics file a buyer downloads: whatever an organizer types into a title, venue or description (line
breaks, CR alone, commas, semicolons, backslashes) stays inside its property, escaped per RFC 5545, lines folded at
75 octets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.models import Event
from app.tickets.calendar import event_ics
from app.venues.models import Venue

# Printable text of any script, plus the characters RFC 5545 gives a meaning to.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        st.sampled_from("\r\n,;\\:"),
    ),
    max_size=300,
)


def calendar_file(title: str, venue: str = "Hall", address: str = "1 Quay", detail: str = "") -> bytes:
    starts = datetime(2030, 6, 1, 18, 0, tzinfo=UTC)
    event = Event(id=uuid.uuid4(), title=title, starts_at=starts, ends_at=starts + timedelta(hours=3))
    event.venue = Venue(name=venue, address=address)
    return event_ics(event, url="https://tickets.example/tickets/CODE", detail=detail)


def as_typed(text: str) -> str:
    """What a calendar should show: the text with each line break (CRLF, CR or LF) as one newline."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parsed_event(data: bytes) -> icalendar.Event:
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return event


def assert_well_formed(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    for line in data[:-2].split(b"\r\n"):
        assert b"\r" not in line and b"\n" not in line  # no bare CR or LF: nothing can start a property of its own
        assert len(line) <= 75
        line.decode()  # folding never splits a UTF-8 character


@settings(max_examples=150, deadline=None)
@given(title=TEXT, venue=TEXT, detail=TEXT)
def test_any_title_venue_and_description_stay_inside_their_property_and_parse_back(title, venue, detail):
    data = calendar_file(title, venue=venue, address="", detail=detail)
    assert_well_formed(data)
    event = parsed_event(data)
    assert str(event["SUMMARY"]) == as_typed(title)
    assert str(event["DESCRIPTION"]) == as_typed(detail)
    assert str(event["LOCATION"]) == as_typed(venue)


def test_a_title_trying_to_inject_a_property_with_a_bare_cr_stays_one_summary():
    data = calendar_file("Gig\rATTENDEE:mailto:victim@example.com\r\nEND:VEVENT")
    assert_well_formed(data)
    assert b"SUMMARY:Gig\\nATTENDEE:mailto:victim@example.com\\nEND:VEVENT\r\n" in data
    event = parsed_event(data)
    assert "ATTENDEE" not in event
    assert str(event["SUMMARY"]) == "Gig\nATTENDEE:mailto:victim@example.com\nEND:VEVENT"


def test_commas_semicolons_and_backslashes_are_escaped_and_control_characters_dropped():
    data = calendar_file("Rock, Paper; Scissors \\ Live\x00\x07\u2028tonight", venue="Hall", address="Quay 1")
    assert b"SUMMARY:Rock\\, Paper\\; Scissors \\\\ Live\\ntonight\r\n" in data
    assert b"LOCATION:Hall\\, Quay 1\r\n" in data
    assert str(parsed_event(data)["SUMMARY"]) == "Rock, Paper; Scissors \\ Live\ntonight"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    title = "Konzert für Streichquartett " + "ü€🎻" * 40
    data = calendar_file(title)
    assert_well_formed(data)
    assert b"\r\n " in data
    assert str(parsed_event(data)["SUMMARY"]) == title
