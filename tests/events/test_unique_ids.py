"""Every organizer page, also in its form-error states, has unique ids, and every label, hint and error it ties to
a field names an element that exists (a duplicate id made tier labels focus the event's own fields)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from app.events.models import Event, EventSeries
from app.orders.models import Order, OrderStatus
from app.seed import DEMO_PASSWORD, seed
from app.venues.models import SeatLayout, Venue

ORG = "harbour-live"
EVENTS = ("demo-arena", "demo-stadium", "demo-comedy-night", "demo-online-talk", "demo-tonight")
IDS = re.compile(r'\sid="([^"]+)"')
REFERENCES = re.compile(r'\s(?:for|aria-describedby|aria-labelledby)="([^"]+)"|\shref="#([^"]+)"')


def id_problems(html: str) -> list[str]:
    ids = Counter(IDS.findall(html))
    problems = [f"duplicate id {name!r}" for name, n in ids.items() if n > 1]
    for attribute, link in REFERENCES.findall(html):
        problems += [f"{name!r} names no element" for name in (attribute or link).split() if name not in ids]
    return problems


async def test_every_organizer_page_has_unique_ids_and_its_labels_name_real_fields(settings, db, browser):
    await seed(settings)
    login = await browser.post_form("/login", {"email": "organizer@usher.test", "password": DEMO_PASSWORD})
    assert login.status_code in (302, 303)
    tier = (await db.scalar(select(Event).where(Event.slug == "demo-comedy-night"))).tiers[0]
    order = await db.scalar(select(Order).where(Order.status == OrderStatus.PAID))
    venue = await db.scalar(select(Venue))
    layout = await db.scalar(select(SeatLayout))
    series = await db.scalar(select(EventSeries))
    pages = [
        "/manage",
        f"/manage/{ORG}",
        f"/manage/{ORG}/events/new",
        f"/manage/{ORG}/series",
        f"/manage/{ORG}/series/new",
        f"/manage/{ORG}/members",
        f"/manage/{ORG}/tokens",
        f"/manage/{ORG}/venues",
        f"/manage/venues/{venue.id}",
        f"/manage/layouts/{layout.id}/edit",
        f"/manage/series/{series.slug}",
        f"/manage/orders/{order.number}",
        f"/manage/events/demo-comedy-night/tiers/{tier.id}/edit",  # without JavaScript: the page, one row editing
    ]
    for slug in EVENTS:
        pages += [f"/manage/events/{slug}", f"/manage/events/{slug}/orders", f"/manage/events/{slug}/checkout"]
    responses = {url: await browser.get(url) for url in pages}
    refused = {  # form-error states, sent as a browser without JavaScript sends them
        "event details": ("/manage/events/demo-comedy-night", {"title": "", "starts_at": "soon"}),
        "new tier": ("/manage/events/demo-comedy-night/tiers", {"name": "", "price": "x", "kind": "seated"}),
        "tier edit": (f"/manage/events/demo-comedy-night/tiers/{tier.id}", {"name": "", "price": "-1"}),
        "new event": (f"/manage/{ORG}/events/new", {"title": ""}),
        "new series": (f"/manage/{ORG}/series/new", {"title": ""}),
        "refund": (f"/manage/orders/{order.number}/refund", {"reason": ""}),
        "venue": (f"/manage/{ORG}/venues", {"name": ""}),
        "invitation": (f"/manage/{ORG}/members/invite", {"email": "nobody"}),
        "token": (f"/manage/{ORG}/tokens", {"name": ""}),
        "fees": ("/manage/events/demo-comedy-night/checkout/fees", {"fee_percent": "x"}),
        "promo code": ("/manage/events/demo-comedy-night/checkout/promos", {"code": ""}),
    }
    for state, (url, form) in refused.items():
        responses[state] = await browser.post_form(url, form)
        assert responses[state].status_code == 422, state
        assert "There is a problem" in responses[state].text, state
    problems = {
        url: id_problems(r.text) for url, r in responses.items() if r.status_code == 200 or r.status_code == 422
    }
    assert {url: p for url, p in problems.items() if p} == {}
    assert all(r.status_code in (200, 422) for r in responses.values()), {
        u: r.status_code for u, r in responses.items()
    }
