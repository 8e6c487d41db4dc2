"""Organizers create, edit, publish and cancel events, manage tiers and covers through the pages."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.events.models import Event, EventCover, PriceTier
from tests.conftest import field_error
from tests.orders.test_organizer_and_api import log_in_as
from tests.seating.conftest import SeatedEvent, make_seated_event


async def test_a_new_event_is_a_draft_stored_in_utc_from_local_wall_clock_time(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(
        org,
        title="New Year Gala",
        starts_at="2030-12-31T21:00",
        ends_at="2031-01-01T02:00",
        timezone="America/New_York",
    )
    assert slug == "new-year-gala"
    event = await db.scalar(select(Event).where(Event.slug == slug))
    assert event.status == "draft"
    assert event.starts_at.isoformat() == "2031-01-01T02:00:00+00:00"
    page = await browser.get(f"/manage/events/{slug}")
    assert 'value="2030-12-31T21:00"' in page.text  # shown back in the event's timezone


async def test_event_form_errors_rerender_with_field_messages_and_nothing_is_saved(organizer, db):
    browser, org = organizer
    response = await browser.post_form(
        f"/manage/{org}/events/new",
        {
            "title": "Backwards",
            "starts_at": "2030-06-01T20:00",
            "ends_at": "2030-06-01T19:00",
            "timezone": "Mars/Olympus",
            "category": "music",
        },
    )
    assert response.status_code == 422
    assert "timezone such as" in field_error(response.text, "timezone")
    assert 'value="Backwards"' in response.text
    bad_date = await browser.post_form(
        f"/manage/{org}/events/new",
        {"title": "No date", "starts_at": "tomorrow", "ends_at": "", "timezone": "Europe/Berlin"},
    )
    assert bad_date.status_code == 422
    assert "such as 2026-12-31T19:30" in field_error(bad_date.text, "starts_at")
    assert field_error(bad_date.text, "ends_at") == "Enter a date and time."
    assert await db.scalar(select(Event)) is None


async def test_ends_before_start_is_reported_on_the_end_field(organizer):
    browser, org = organizer
    response = await browser.post_form(
        f"/manage/{org}/events/new",
        {
            "title": "Backwards",
            "starts_at": "2030-06-01T20:00",
            "ends_at": "2030-06-01T19:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "ends_at") == "Must be after the start."


async def test_slugs_stay_unique(organizer):
    browser, org = organizer
    first = await browser.create_event(org, title="Same Name")
    second = await browser.create_event(org, title="Same Name")
    assert (first, second) == ("same-name", "same-name-2")
    taken = await browser.post_form(
        f"/manage/{org}/events/new",
        {
            "title": "Other",
            "slug": "same-name",
            "starts_at": "2030-06-01T20:00",
            "ends_at": "2030-06-01T22:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert taken.status_code == 422
    assert "taken" in field_error(taken.text, "slug")


async def test_publishing_needs_a_tier_and_is_an_htmx_fragment(organizer):
    browser, org = organizer
    slug = await browser.create_event(org)
    refused = await browser.publish(slug)
    assert refused.status_code == 409
    assert "Add at least one price tier." in refused.text
    assert refused.headers["hx-retarget"] == "#flash"
    added = await browser.add_tier(slug, "Early bird", "19.99")
    assert added.status_code == 200
    assert "Early bird" in added.text and "€19.99" in added.text
    published = await browser.publish(slug)
    assert published.status_code == 200
    assert 'data-testid="event-status">published<' in published.text
    assert "<html" not in published.text  # a fragment, not a page
    assert (await browser.get(f"/events/{slug}")).status_code == 200


async def test_tier_prices_are_integer_minor_units_and_bad_prices_are_field_errors(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    for price, message in (
        ("-5", "cannot be negative"),
        ("12.345", "2 decimal places"),
        ("abc", "such as 25"),
    ):
        response = await browser.add_tier(slug, price=price)
        assert response.status_code == 422
        assert message in field_error(response.text, "tier-price")
    assert (await browser.add_tier(slug, "Yen seat", "1500", currency="JPY")).status_code == 200
    tier = await db.scalar(select(PriceTier))
    assert (tier.price_minor, tier.currency) == (1500, "JPY")
    mixed = await browser.add_tier(slug, "Euro seat", "10", currency="EUR")
    assert mixed.status_code == 422
    assert "one currency" in field_error(mixed.text, "tier-currency")


async def test_a_tier_sells_either_capacity_or_a_seat_category(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    missing = await browser.add_tier(slug, kind="ga", capacity="")
    assert missing.status_code == 422
    assert field_error(missing.text, "tier-capacity") == "Enter how many places this tier sells."
    no_map = await browser.add_tier(slug, "Stalls", kind="seated", capacity="", seat_category="stalls")
    assert no_map.status_code == 422
    assert "no seat map" in field_error(no_map.text, "tier-seat_category")
    assert await db.scalar(select(PriceTier)) is None


async def test_editing_and_deleting_a_tier(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    await browser.add_tier(slug, "Standard", "20")
    tier = await db.scalar(select(PriceTier))
    form = await browser.get(f"/manage/events/{slug}/tiers/{tier.id}/edit", headers={"HX-Request": "true"})
    assert 'value="20.00"' in form.text
    updated = await browser.post_form(
        f"/manage/events/{slug}/tiers/{tier.id}",
        {"name": "Standard", "price": "22.50", "currency": "EUR", "kind": "ga", "capacity": "80"},
        htmx=True,
    )
    assert updated.status_code == 200 and "€22.50" in updated.text
    deleted = await browser.post_form(f"/manage/events/{slug}/tiers/{tier.id}/delete", htmx=True)
    assert "No tiers yet" in deleted.text


async def test_the_last_tier_of_a_published_event_cannot_be_removed(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    await browser.add_tier(slug)
    await browser.publish(slug)
    tier = await db.scalar(select(PriceTier))
    response = await browser.post_form(f"/manage/events/{slug}/tiers/{tier.id}/delete", htmx=True)
    assert response.status_code == 409
    assert "at least one price tier" in response.text


async def test_unpublish_and_cancel(organizer):
    browser, org = organizer
    slug = await browser.create_event(org)
    await browser.add_tier(slug)
    await browser.publish(slug)
    draft = await browser.post_form(f"/manage/events/{slug}/status", {"status": "draft"}, htmx=True)
    assert ">draft<" in draft.text
    assert (await browser.get(f"/events/{slug}")).status_code == 404
    await browser.publish(slug)
    cancelled = await browser.post_form(f"/manage/events/{slug}/status", {"status": "cancelled"}, htmx=True)
    assert ">cancelled<" in cancelled.text
    assert cancelled.headers["HX-Trigger"] == "status-changed"  # the tiers card reloads itself: no more editing
    tiers = (await browser.get(f"/manage/events/{slug}/tiers")).text
    assert "<html" not in tiers and "Add a tier" not in tiers and "Delete" not in tiers
    public = await browser.get(f"/events/{slug}")
    assert public.status_code == 200 and "Cancelled" in public.text
    again = await browser.publish(slug)
    assert again.status_code == 409
    edit = await browser.post_form(
        f"/manage/events/{slug}",
        {
            "title": "Revived",
            "starts_at": "2030-06-01T20:00",
            "ends_at": "2030-06-01T23:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert edit.status_code == 409


def _image(fmt: str, size=(800, 450)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format=fmt)
    return buffer.getvalue()


async def test_cover_upload_is_validated_and_reencoded_as_jpeg(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    saved = await browser.post_form(
        f"/manage/events/{slug}/cover",
        htmx=True,
        files={"cover": ("cover.png", _image("PNG", (2400, 1350)), "image/png")},
    )
    assert saved.status_code == 200 and "Cover image saved." in saved.text
    cover = await db.scalar(select(EventCover))
    assert (cover.width, cover.height) == (1600, 900)
    assert cover.data[:3] == b"\xff\xd8\xff"
    served = await browser.get(f"/events/{slug}/cover.jpg")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"

    fake = await browser.post_form(
        f"/manage/events/{slug}/cover",
        htmx=True,
        files={"cover": ("evil.jpg", b"<script>alert(1)</script>", "image/jpeg")},
    )
    assert fake.status_code == 422 and "not an image we can read" in fake.text
    tiny = await browser.post_form(
        f"/manage/events/{slug}/cover",
        htmx=True,
        files={"cover": ("tiny.png", _image("PNG", (50, 50)), "image/png")},
    )
    assert tiny.status_code == 422 and "at least 200 pixels" in tiny.text
    bmp = await browser.post_form(
        f"/manage/events/{slug}/cover", htmx=True, files={"cover": ("old.bmp", _image("BMP"), "image/bmp")}
    )
    assert bmp.status_code == 422 and "JPEG, PNG, WebP or GIF" in bmp.text


async def test_oversized_cover_is_refused_with_a_message(organizer, settings, app):
    browser, org = organizer
    slug = await browser.create_event(org)
    big = b"\xff\xd8\xff" + b"0" * (settings.cover_max_bytes + 1)
    response = await browser.post_form(
        f"/manage/events/{slug}/cover", htmx=True, files={"cover": ("big.jpg", big, "image/jpeg")}
    )
    assert response.status_code == 422
    assert "larger than" in response.text


async def test_the_add_tier_form_starts_empty_on_the_event_page(organizer):
    browser, org = organizer
    slug = await browser.create_event(org, description="Long event description")
    page = await browser.get(f"/manage/events/{slug}")
    tier_form = page.text.split('class="tier-form"', 1)[1]
    assert "Long event description" not in tier_form


@pytest.fixture
async def theatre(db) -> SeatedEvent:
    return await make_seated_event(db)


async def test_the_seat_category_is_chosen_by_name_among_the_seat_maps_and_an_unknown_one_is_refused(
    theatre, browser, db
):
    await log_in_as(browser, db, theatre.actor)
    page = (await browser.get("/manage/events/the-play")).text
    choice = page[page.index('<select id="f-tier-seat_category"') :]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', choice[: choice.index("</select>")])
    assert options == [
        ("", "— choose a category —"),
        ("premium", "Premium"),
        ("stalls", "Stalls"),
        ("balcony", "Balcony"),
    ]
    assert '<td data-label="Sells">Seats: Stalls</td>' in page  # the table names categories too, never keys
    tiers_before = await db.scalar(select(func.count()).select_from(PriceTier))
    form = {"name": "Boxes", "price": "30.00", "currency": "GBP", "kind": "seated", "capacity": ""}
    for typed in ("boxes", "Stalls"):  # unknown, and the display name where the key is meant
        refused = await browser.post_form("/manage/events/the-play/tiers", {**form, "seat_category": typed}, htmx=True)
        assert refused.status_code == 422
        assert "Premium (premium), Stalls (stalls), Balcony (balcony)" in field_error(
            refused.text, "tier-seat_category"
        )
    token = re.search(
        r'data-testid="new-token">([^<]+)<',
        (await browser.post_form("/manage/org-the-play/tokens", {"name": "ci"})).text,
    ).group(1)
    api = await browser.client.post(
        "/api/v1/events/the-play/tiers",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "Boxes", "price_minor": 3000, "currency": "GBP", "seat_category": "boxes"},
    )
    assert api.status_code == 422 and "seat map's categories" in api.json()["errors"]["seat_category"]
    assert await db.scalar(select(func.count()).select_from(PriceTier)) == tiers_before
    added = await browser.post_form("/manage/events/the-play/tiers", {**form, "seat_category": "premium"}, htmx=True)
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "tiers-changed"


async def test_tiers_are_added_edited_and_deleted_without_javascript(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    tier_form = {"name": "Standard", "price": "20", "currency": "EUR", "kind": "ga", "capacity": "80"}
    added = await browser.post_form(f"/manage/events/{slug}/tiers", tier_form)
    assert added.status_code == 303 and added.headers["location"] == f"/manage/events/{slug}#tiers"
    tier = await db.scalar(select(PriceTier))
    page = (await browser.get(f"/manage/events/{slug}/tiers/{tier.id}/edit")).text
    assert "<html" in page and f'<form method="post" action="/manage/events/{slug}/tiers/{tier.id}"' in page
    refused = await browser.post_form(f"/manage/events/{slug}/tiers/{tier.id}", {**tier_form, "price": "lots"})
    assert refused.status_code == 422 and "<html" in refused.text  # the page again, the row still editing
    assert "such as 25" in field_error(refused.text, f"tier-{tier.id}-price")
    saved = await browser.post_form(f"/manage/events/{slug}/tiers/{tier.id}", {**tier_form, "price": "22.50"})
    assert saved.status_code == 303 and (await db.scalar(select(PriceTier.price_minor))) == 2250
    deleted = await browser.post_form(f"/manage/events/{slug}/tiers/{tier.id}/delete")
    assert deleted.status_code == 303 and await db.scalar(select(PriceTier)) is None
