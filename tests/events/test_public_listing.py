"""The public listing: search, filters by category and by the event's own calendar date, and event pages."""

from __future__ import annotations

import pytest


@pytest.fixture
async def catalogue(organizer):
    browser, org = organizer
    specs = [
        ("Jazz at Dawn", "music", "2030-05-01T06:00", "Pacific/Auckland", "jazz, early"),
        ("Chess Open", "sports", "2030-05-02T10:00", "Europe/Berlin", "board"),
        ("Late Jazz", "music", "2030-05-03T23:30", "America/Los_Angeles", "jazz"),
    ]
    for title, category, starts, timezone, tags in specs:
        ends = starts[:11] + "23:59" if starts[11:] < "23:59" else starts
        slug = await browser.create_event(
            org,
            title=title,
            category=category,
            starts_at=starts,
            ends_at=ends.replace("23:30", "23:45"),
            timezone=timezone,
            tags=tags,
        )
        await browser.add_tier(slug, price="10")
        await browser.publish(slug)
    await browser.create_event(org, title="Jazz Draft")  # drafts never appear
    return browser


def titles(html: str) -> list[str]:
    import re

    return re.findall(r"<h3>(.*?)</h3>", html)


async def test_listing_shows_published_events_soonest_first(catalogue, client):
    page = await client.get("/")
    assert titles(page.text) == ["Jazz at Dawn", "Chess Open", "Late Jazz"]


async def test_search_matches_title_and_tags_case_insensitively(catalogue, client):
    assert titles((await client.get("/?q=JAZZ")).text) == ["Jazz at Dawn", "Late Jazz"]
    assert titles((await client.get("/?q=board")).text) == ["Chess Open"]
    assert "No events match" in (await client.get("/?q=opera")).text
    assert titles((await client.get("/?q=%25")).text) == []  # LIKE wildcards are literal


async def test_category_and_date_filters_use_the_event_local_date(catalogue, client):
    assert titles((await client.get("/?category=sports")).text) == ["Chess Open"]
    # 06:00 on 1 May in Auckland is 30 April in UTC, yet it is a 1 May event.
    assert titles((await client.get("/?date_from=2030-05-01&date_to=2030-05-01")).text) == ["Jazz at Dawn"]
    # 23:30 on 3 May in Los Angeles is already 4 May in UTC.
    assert titles((await client.get("/?date_from=2030-05-03&date_to=2030-05-03")).text) == ["Late Jazz"]


async def test_unreadable_filters_are_explained_not_500(catalogue, client):
    response = await client.get("/?date_from=yesterday&category=opera")
    assert response.status_code == 422
    assert "Use a date such as 2026-12-31." in response.text
    assert titles(response.text) == ["Jazz at Dawn", "Chess Open", "Late Jazz"]
    api = await client.get("/api/v1/events?date_from=soon")
    assert api.status_code == 422 and "date_from" in api.json()["errors"]


async def test_event_page_shows_prices_in_currency_and_times_in_the_event_timezone(catalogue, client):
    page = await client.get("/events/late-jazz")
    assert "Fri 03 May 2030, 23:30 PDT" in page.text
    assert "€10.00" in page.text
    assert "All times in America/Los_Angeles." in page.text


async def test_unknown_event_is_404(client):
    response = await client.get("/events/never-was")
    assert response.status_code == 404
    assert "Event not found." in response.text


async def test_event_text_is_escaped(organizer, client):
    browser, org = organizer
    slug = await browser.create_event(org, title="<script>alert(1)</script>", description="<b>bold</b>")
    await browser.add_tier(slug)
    await browser.publish(slug)
    page = await client.get(f"/events/{slug}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
