"""Every page of the demo in the states that matter, for the sweeps that must hold on all of them (axe-core,
duplicate ids, narrow screens). One app server per test module, on a database of its own seeded with the demo
(app/seed.py, as `make run` shows it), plus a basket, an unpaid order and the door's tickets.

A stop is a page and how to reach its states: `visit(page, world)` goes there and yields the name of each state
once the page shows it ("empty", "form errors", "a focused seat", each scanner verdict...)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from redis import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, OrgRef
from app.accounts.models import Membership, Organization, Role
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.events import service as events
from app.events.models import Event
from app.mail.service import deliver_due_mail
from app.mail.transport import FileTransport
from app.orders.access import order_token
from app.orders.checkout import CheckoutForm, place_order
from app.seating.carts import CART_COOKIE, holder_tag, sign_cart
from app.seating.holds import hold_seats
from app.seed import DEMO_PASSWORD, seed
from app.venues.models import SeatLayout, Venue
from tests.conftest import app_server, migrated_database, run_blocking

DRAFT = "walker-draft"
SECRET = "test-secret-" + "x" * 32  # app_server's key: the signed basket and order links below must match it
ORGANIZATION = "harbour-live"
BASKET_SEATS = 10  # MAX_SEATS_PER_CART's default: a full basket
# Every visit comes from 127.0.0.1 and logs in again per viewport: the per-client limits would only get in the way.
UNLIMITED = {"LOGIN_RATE_LIMIT": "1000", "HOLD_RATE_PER_IP": "0", "SEAT_LIST_RATE_LIMIT": "0"}

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class World:
    """What the demo holds that the walker needs to name: URLs with ids and keys, and the door's tickets."""

    base_url: str
    basket_cookie: str
    series_slug: str
    venue_id: str
    layout_id: str
    tier_id: str
    paid_order: str
    paid_order_key: str
    unpaid_order: str
    unpaid_order_key: str
    ticket_codes: list[str] = field(default_factory=list)

    def unscanned_ticket(self) -> str:
        """A ticket not yet checked in (each run of the scanner's states uses one up)."""
        return self.ticket_codes.pop()


async def _furnish(database_url: str, redis_url: str, mail_dir: Path) -> dict:
    """The demo, a full basket on the arena map, an unpaid order for the pay page, the demo's e-mail delivered to
    the dev mailbox; returns what the walker names."""
    settings = Settings(database_url=database_url, redis_url=redis_url, secret_key=SECRET, environment="test")
    await seed(settings)
    engine = create_engine(database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:

        async def free_seats(slug: str, count: int) -> list[str]:
            rows = await session.scalars(
                text(
                    "SELECT s.key FROM event_seats s JOIN events e ON e.id = s.event_id "
                    "WHERE e.slug = :slug AND s.status = 'available' ORDER BY s.key LIMIT :count"
                ),
                {"slug": slug, "count": count},
            )
            return list(rows)

        async def hold(slug: str, cart: uuid.UUID, count: int) -> None:
            seats = await free_seats(slug, count)
            tag = holder_tag(SECRET, cart)
            await hold_seats(session, slug, cart, seats, ttl_seconds=1800, max_seats=BASKET_SEATS, holder_tag=tag)

        basket, unpaid = uuid.uuid4(), uuid.uuid4()
        await hold("demo-arena", basket, BASKET_SEATS)
        await hold("demo-family-concert", unpaid, 2)
        await _draft_with_problems(session)
        await deliver_due_mail(create_sessionmaker(engine), FileTransport(mail_dir, "tickets@usher.test"))
        event = await session.scalar(select(Event).where(Event.slug == "demo-family-concert"))
        placed = await place_order(
            session, event, unpaid, CheckoutForm("ada@usher.test", "Ada Lovelace"), settings=settings, user_id=None
        )
        await session.commit()
        paid = (
            await session.execute(
                text("SELECT id, number FROM orders WHERE status = 'paid' AND buyer_name = 'Grace Guest'")
            )
        ).one()
        venue = await session.scalar(select(Venue).where(Venue.name == "Harbour Arena"))
        world = {
            "basket_cookie": sign_cart(SECRET, basket),
            "series_slug": await session.scalar(text("SELECT slug FROM event_series LIMIT 1")),
            "venue_id": str(venue.id),
            "layout_id": str(await session.scalar(select(SeatLayout.id).where(SeatLayout.venue_id == venue.id))),
            "tier_id": str(
                await session.scalar(
                    text("SELECT t.id FROM price_tiers t JOIN events e ON e.id = t.event_id WHERE e.slug = :slug"),
                    {"slug": "demo-arena"},
                )
            ),
            "paid_order": paid.number,
            "paid_order_key": order_token(SECRET, paid.id),
            "unpaid_order": placed.order.number,
            "unpaid_order_key": order_token(SECRET, placed.order.id),
            "ticket_codes": list(
                await session.scalars(text("SELECT code FROM tickets WHERE order_id = :id"), {"id": paid.id})
            ),
        }
    await engine.dispose()
    return world


async def _draft_with_problems(session: AsyncSession) -> None:
    """A draft at the arena without tiers: its page lists what blocks publishing."""
    organization = await session.scalar(select(Organization).where(Organization.slug == ORGANIZATION))
    owner = await session.scalar(
        select(Membership.user_id).where(Membership.organization_id == organization.id, Membership.role == Role.OWNER)
    )
    membership = OrgRef(organization.id, organization.slug, organization.name, Role.OWNER)
    actor = Actor(user_id=owner, organizations=(membership,), name="walker")
    venue = await session.scalar(select(Venue).where(Venue.name == "Harbour Arena"))
    starts = datetime(2030, 6, 1, 20)
    await events.create_event(
        session,
        actor,
        organization.id,
        events.EventInput(
            title="A draft", slug=DRAFT, timezone=venue.timezone, venue_id=venue.id, starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        ),
    )  # fmt: skip
    await session.commit()


@pytest.fixture(scope="module")
def demo(server_urls: tuple[str, str], redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The demo on a server of this module's own (its own database: other tests' cleanup never empties it)."""
    Redis.from_url(redis_url).flushdb()
    mail_dir = tmp_path_factory.mktemp("mail")
    with migrated_database(server_urls[0]) as database_url:
        furnished = run_blocking(asyncio.run, _furnish(database_url, redis_url, mail_dir))
        with app_server(database_url, redis_url, mail_dir, **UNLIMITED) as base_url:
            yield World(base_url=base_url, **furnished)
    Redis.from_url(redis_url).flushdb()


class Visitors:
    """One browser context per (viewport, who), made on first use: a visitor, a buyer with the full basket, the
    organizer and the door staff (both logged in once, their session shared by every viewport)."""

    def __init__(self, browser: Browser, world: World) -> None:
        self.browser, self.world = browser, world
        self.contexts: dict[tuple[str, str], BrowserContext] = {}
        self.sessions: dict[str, dict] = {}

    def page(self, viewport: dict, who: str) -> Page:
        key = (f"{viewport['width']}x{viewport['height']}", who)
        if key not in self.contexts:
            self.contexts[key] = self._context(viewport, who)
        return self.contexts[key].new_page()

    def _context(self, viewport: dict, who: str) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.world.base_url,
            viewport=viewport,
            is_mobile=viewport["width"] < 500,
            has_touch=viewport["width"] < 500,
            bypass_csp=True,  # axe-core is injected as a script; the app's CSP rightly refuses it
            storage_state=self._session(who) if who in ("organizer", "door") else None,
        )
        context.set_default_timeout(10_000)
        if who == "buyer":
            host = re.sub(r"^https?://", "", self.world.base_url).split(":")[0]
            context.add_cookies([{"name": CART_COOKIE, "value": self.world.basket_cookie, "domain": host, "path": "/"}])
        return context

    def _session(self, who: str) -> dict:
        if who not in self.sessions:
            context = self.browser.new_context(base_url=self.world.base_url)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("E-mail").fill(f"{who}@usher.test")
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/login" not in url)
            self.sessions[who] = context.storage_state()
            context.close()
        return self.sessions[who]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def visitors(chromium: Browser, demo: World) -> Iterator[Visitors]:
    visitors = Visitors(chromium, demo)
    yield visitors
    visitors.close()


def go(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path} answered {response and response.status}"


def submit_empty(page: Page, form_selector: str) -> None:
    """Send the form as it stands (browser validation off, as for a user whose browser has none) and wait for the
    server's answer: field errors in place (htmx) or the re-rendered page."""
    form = page.locator(form_selector).first
    send = "form => { form.noValidate = true; form.requestSubmit(); }"
    if form.get_attribute("hx-post"):
        form.evaluate(send)
        expect(page.locator('[aria-invalid="true"]').first).to_be_attached()
    else:
        with page.expect_navigation():
            form.evaluate(send)
    expect(page.locator('[aria-invalid="true"], [role="alert"]').first).to_be_attached()


def page_with_form(
    path: str, form_selector: str | None = None, *, clear: tuple[str, ...] = ()
) -> Callable[[Page, World], Iterator]:
    """A page empty, then after an invalid submit of its form (by default the one posting to the page itself;
    the named fields emptied first)."""
    form_selector = form_selector or f'form[action="{path}"]'

    def visit(page: Page, world: World) -> Iterator[str]:
        go(page, path.format(w=world))
        yield "empty"
        for name in clear:
            page.locator(f'{form_selector} [name="{name}"]').fill("")
        submit_empty(page, form_selector)
        yield "form errors"

    return visit


def plain(path: str, status: int = 200) -> Callable[[Page, World], Iterator]:
    def visit(page: Page, world: World) -> Iterator[str]:
        go(page, path.format(w=world), status)
        yield "loaded"

    return visit


def seat_map(slug: str) -> Callable[[Page, World], Iterator]:
    """The live map; keyboard focus on it; on a large venue's overview, a section opened with Enter, which takes
    the focus to its first seat."""

    def visit(page: Page, world: World) -> Iterator[str]:
        go(page, f"/events/{slug}/seats")
        expect(page.get_by_test_id("live-state")).to_have_text("live")
        yield "live"
        place = page.locator('svg [tabindex="0"]').first
        place.focus()
        expect(place).to_be_focused()
        if place.get_attribute("data-k") is None:
            yield "a focused section"
            page.keyboard.press("Enter")
            page.wait_for_function("document.activeElement && document.activeElement.matches('[data-k]')")
        yield "a focused seat"

    return visit


def seat_list(page: Page, world: World) -> Iterator[str]:
    """ "Choose from a list" on a page of its own: the stadium's sections, one section's rows, one row's seats."""
    go(page, "/events/demo-stadium/seats/list")
    yield "sections"
    page.locator('#seat-list a[href*="section="]').first.click()
    expect(page.locator('#seat-list a[href*="row="]').first).to_be_visible()
    yield "rows"
    page.locator('#seat-list a[href*="row="]').first.click()
    expect(page.locator('#seat-list input[name="seat"]').first).to_be_attached()
    yield "seats"


def event_management(page: Page, world: World) -> Iterator[str]:
    """The event's page with its tiers, a tier form sent empty, then a tier opened for editing (htmx)."""
    yield from page_with_form("/manage/events/demo-arena", ".tier-form", clear=("name", "price"))(page, world)
    page.locator(f'a[href*="/tiers/{world.tier_id}/edit"]').first.click()
    expect(page.locator(f'form[hx-post$="/tiers/{world.tier_id}"]')).to_be_visible()
    yield "editing a tier"


def order_detail(page: Page, world: World) -> Iterator[str]:
    """The organizer's view of a paid order, its refund step opened, then sent without the reason it asks for."""
    go(page, f"/manage/orders/{world.paid_order}")
    yield "loaded"
    page.locator("summary", has_text="Refund").click()
    expect(page.get_by_test_id("refund-form")).to_be_visible()
    yield "refund asks to confirm"
    submit_empty(page, '[data-testid="refund-form"]')
    yield "refund without a reason"


def mailbox(page: Page, world: World) -> Iterator[str]:
    """The dev mailbox with the demo's e-mail, then the tickets e-mail opened in it."""
    go(page, "/dev/mail")
    yield "with mail"
    page.locator('a[href^="/dev/mail/"]').first.click()
    expect(page.locator("iframe.mail-html")).to_be_attached()
    yield "a message"


def accessibility_statement(page: Page, world: World) -> Iterator[str]:
    go(page, "/")
    link = page.locator("footer").get_by_role("link", name=re.compile("accessibility", re.I))
    expect(link, "the footer links to the accessibility statement").to_have_count(1)
    go(page, link.get_attribute("href"))
    yield "loaded"


def scanner_verdicts(page: Page, world: World) -> Iterator[str]:
    """Each verdict the door sees, in the order that once left a stale green one on screen."""
    go(page, "/scan/demo-tonight")
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    yield "ready"
    code = world.unscanned_ticket()
    shown = "() => document.querySelector('#verdict').innerText + document.querySelector('#results').innerText"
    for query, state in (
        (code, "valid"),
        (code, "already checked in"),
        ("Nobody Of That Name", "no match"),
        ("U1.garbage", "garbage"),
    ):
        before = page.evaluate(shown)
        page.get_by_label("Ticket code, name, e-mail or order number").fill(query)
        page.get_by_role("button", name="Find").click()
        page.wait_for_function(f"before => ({shown})() !== before", arg=before)
        yield state


@dataclass(frozen=True)
class Stop:
    name: str
    visit: Callable[[Page, World], Iterator[str]]
    who: str = "visitor"  # visitor, buyer (the full basket), organizer or door

    def problems(self, visitors: Visitors, world: World, viewport: dict, check: Callable[[Page], list[str]]) -> list:
        """`check`'s findings in every state of this stop, each named by stop, state and width."""
        page = visitors.page(viewport, self.who)
        try:
            return [
                f"{self.name} [{state}] at {viewport['width']} px: {problem}"
                for state in self.visit(page, world)
                for problem in check(page)
            ]
        finally:
            page.close()


ORG = ORGANIZATION
STOPS = [
    # The public site
    Stop("home", plain("/")),
    Stop("home, nothing found", plain("/?q=zzzz-nothing-matches")),
    Stop("event: seated arena", plain("/events/demo-arena")),
    Stop("event: general admission", plain("/events/demo-comedy-night")),
    Stop("event: online", plain("/events/demo-online-talk")),
    Stop("event: adult and child prices", plain("/events/demo-family-concert")),
    Stop("series", plain("/series/{w.series_slug}")),
    Stop("arena map", seat_map("demo-arena")),
    Stop("stadium map", seat_map("demo-stadium")),
    Stop("seat list", seat_list),
    Stop("arena map, full basket", seat_map("demo-arena"), "buyer"),
    Stop("checkout, full basket", page_with_form("/events/demo-arena/checkout", "#checkout-form"), "buyer"),
    Stop("pay", page_with_form("/orders/{w.unpaid_order}/pay?k={w.unpaid_order_key}", 'form[action*="/pay/"]')),
    Stop("order", plain("/orders/{w.paid_order}?k={w.paid_order_key}")),
    Stop("ticket", plain("/tickets/{w.ticket_codes[0]}")),
    Stop("login", page_with_form("/login")),
    Stop("register", page_with_form("/register")),
    Stop("forgot password", page_with_form("/password/forgot")),
    Stop("accessibility statement", accessibility_statement),
    Stop("mailbox", mailbox),
    Stop("not found", plain("/events/no-such-event", 404)),
    # The organizer's pages
    Stop("dashboard", plain("/manage"), "organizer"),
    Stop("events", plain(f"/manage/{ORG}"), "organizer"),
    Stop("new event", page_with_form(f"/manage/{ORG}/events/new"), "organizer"),
    Stop("event management", event_management, "organizer"),
    Stop("draft that cannot be published yet", plain(f"/manage/events/{DRAFT}"), "organizer"),
    Stop("seat blocks", plain("/manage/events/demo-arena/seats"), "organizer"),
    Stop("checkout settings", plain("/manage/events/demo-arena/checkout"), "organizer"),
    Stop("series list", plain(f"/manage/{ORG}/series"), "organizer"),
    Stop("new series", page_with_form(f"/manage/{ORG}/series/new"), "organizer"),
    Stop("series management", plain("/manage/series/{w.series_slug}"), "organizer"),
    Stop("venues", page_with_form(f"/manage/{ORG}/venues"), "organizer"),
    Stop("venue edit", plain("/manage/venues/{w.venue_id}"), "organizer"),
    Stop("designer", plain("/manage/layouts/{w.layout_id}/edit"), "organizer"),
    Stop("orders", plain("/manage/events/demo-tonight/orders"), "organizer"),
    Stop("order detail", order_detail, "organizer"),
    Stop("check-in dashboard", plain("/manage/events/demo-tonight/checkins"), "organizer"),
    Stop("members", page_with_form(f"/manage/{ORG}/members", 'form[action$="/members/invite"]'), "organizer"),
    Stop("tokens", page_with_form(f"/manage/{ORG}/tokens"), "organizer"),
    Stop("password change", page_with_form("/account/password"), "organizer"),
    Stop("my tickets", plain("/my/tickets"), "organizer"),
    # The door
    Stop("scanner home", plain("/scan"), "door"),
    Stop("scanner", scanner_verdicts, "door"),
]
