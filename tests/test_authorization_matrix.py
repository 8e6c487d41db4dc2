"""Who may use which route, checked for every route of the app against every kind of actor.

The matrix walks the app's route table, so a route added later is covered without editing this file; a route
nobody classified in ACCESS fails the run until someone says who may use it. Each route is requested with the
real objects of organization A (its event, order, ticket, layout, member, token, ...) by anonymous visitors, a
plain buyer, A's door staff, manager, owner and API token, and by B's owner, manager, door staff and API token:
everyone the rule refuses gets a 4xx or a login redirect and changes nothing in the database; the weakest actor
the rule admits (of A on A's objects, of B on B's) gets through; nothing answers 5xx."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, text, update

from app.accounts.models import ApiToken, Invitation, Membership, PasswordResetToken, Role, User
from app.accounts.organizations import create_api_token
from app.accounts.passwords import hash_password, token_digest
from app.config import PROJECT_ROOT, Settings
from app.db import utcnow
from app.events.models import Event, PriceTier
from app.main import create_app
from app.models import Base
from app.orders.access import order_token
from app.orders.models import Order
from app.tickets.models import Ticket
from app.venues.models import SeatLayoutVersion
from tests.conftest import Browser
from tests.orders.conftest import add_promo, check_out, hold_seats, pay, pay_link
from tests.seating.conftest import make_seated_event


@dataclass(frozen=True)
class Public:
    """Anyone, by design (`reason` says why); `absent`: the placeholder the test fills in names nothing (404)."""

    reason: str
    absent: bool = False


@dataclass(frozen=True)
class SignedIn:
    """Any logged-in person, about their own things only."""

    reason: str


@dataclass(frozen=True)
class Addressee:
    """Only the logged-in person a secret link was sent to."""

    reason: str


@dataclass(frozen=True)
class Members:
    """Members of the objects' organization with at least `role`; its API tokens act as managers where the route
    takes them. With `buyer`, also the logged-in person who bought the order."""

    role: Role
    buyer: bool = False


@dataclass(frozen=True)
class Tokens:
    """Any API token, acting in its own organization only (no object of another organization is named)."""

    reason: str


Rule = Public | SignedIn | Addressee | Members | Tokens
DOOR, MANAGER, OWNER = Role.DOOR, Role.MANAGER, Role.OWNER
SECRET_LINK = "the secret in the mailed link is the credential"
BUYING = "buyers act on their own cart (cookie or X-Cart), never on someone else's"

ACCESS: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Public("liveness probe"),
    ("GET", "/readyz"): Public("readiness probe; says only whether the servers answer"),
    ("GET", "/static/{file_path:path}"): Public("stylesheets, scripts, icons"),
    ("HEAD", "/static/{file_path:path}"): Public("stylesheets, scripts, icons"),
    ("GET", "/api/schema"): Public("API documentation"),
    ("GET", "/api/schema/scalar"): Public("API documentation"),
    ("GET", "/api/schema/openapi.json"): Public("API documentation"),
    ("GET", "/api/schema/{path:str}"): Public("API documentation", absent=True),
    ("GET", "/dev/mail"): Public("development mailbox: mounted only in development and test"),
    ("GET", "/dev/mail/{name:str}"): Public("development mailbox: mounted only in development and test", absent=True),
    ("GET", "/register"): Public("signing up"),
    ("POST", "/register"): Public("signing up"),
    ("GET", "/login"): Public("logging in"),
    ("POST", "/login"): Public("logging in"),
    ("POST", "/logout"): Public("logging out ends only the caller's own session"),
    ("GET", "/password/forgot"): Public("asking for a reset link; the answer never says whether the address exists"),
    ("POST", "/password/forgot"): Public("asking for a reset link; the answer never says whether the address exists"),
    ("GET", "/password/reset/{token:str}"): Public(SECRET_LINK),
    ("POST", "/password/reset/{token:str}"): Public(SECRET_LINK),
    ("GET", "/invitations/{token:str}"): Public(SECRET_LINK + "; it shows only who is invited to what"),
    ("POST", "/invitations/{token:str}/accept"): Addressee("only the invited address may join"),
    ("GET", "/account/password"): SignedIn("the person's own password"),
    ("POST", "/account/password"): SignedIn("the person's own password"),
    ("GET", "/account/verify/{token:str}"): Public(SECRET_LINK, absent=True),
    ("POST", "/account/verify/resend"): SignedIn("mails the person's own confirmation link again"),
    ("GET", "/manage"): SignedIn("the person's own dashboard"),
    ("POST", "/manage/organizations"): SignedIn("anyone may found their own organization"),
    ("GET", "/manage/{org_slug:str}/members"): Members(DOOR),
    ("POST", "/manage/{org_slug:str}/members/invite"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/members/{user_id:uuid}/remove"): Members(OWNER),
    ("GET", "/manage/{org_slug:str}/tokens"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/tokens"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/tokens/{token_id:uuid}/revoke"): Members(MANAGER),
    ("GET", "/"): Public("the listing of published events"),
    ("GET", "/events/{slug:str}"): Public("a published event's page"),
    ("GET", "/events/{slug:str}/cover.jpg"): Public("a published event's picture", absent=True),
    ("GET", "/manage/{org_slug:str}"): Members(DOOR),
    ("GET", "/manage/{org_slug:str}/events/new"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/events/new"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}"): Members(DOOR),
    ("POST", "/manage/events/{slug:str}"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/status"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/tiers"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}/tiers/{tier_id:uuid}/edit"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/tiers/{tier_id:uuid}"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/tiers/{tier_id:uuid}/delete"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/cover"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/cover/delete"): Members(MANAGER),
    ("GET", "/manage/{org_slug:str}/venues"): Members(DOOR),
    ("POST", "/manage/{org_slug:str}/venues"): Members(MANAGER),
    ("GET", "/manage/venues/{venue_id:uuid}"): Members(DOOR),
    ("POST", "/manage/venues/{venue_id:uuid}"): Members(MANAGER),
    ("POST", "/manage/venues/{venue_id:uuid}/layouts"): Members(MANAGER),
    ("POST", "/manage/venues/{venue_id:uuid}/layouts/new"): Members(MANAGER),
    ("GET", "/manage/layouts/{layout_id:uuid}/edit"): Members(MANAGER),
    ("POST", "/manage/layouts/{layout_id:uuid}/versions"): Members(MANAGER),
    ("POST", "/manage/layouts/{layout_id:uuid}/preview"): Members(MANAGER),
    ("GET", "/manage/layouts/{layout_id:uuid}/export.json"): Members(MANAGER),
    ("POST", "/manage/layouts/{layout_id:uuid}/duplicate"): Members(MANAGER),
    ("GET", "/api/v1/events"): Public("the listing of published events"),
    ("POST", "/api/v1/events"): Tokens("creates a draft in the token's own organization"),
    ("GET", "/api/v1/events/{slug:str}"): Public("a published event (a token of its organization also sees drafts)"),
    ("PATCH", "/api/v1/events/{slug:str}"): Members(MANAGER),
    ("POST", "/api/v1/events/{slug:str}/status"): Members(MANAGER),
    ("POST", "/api/v1/events/{slug:str}/tiers"): Members(MANAGER),
    ("PATCH", "/api/v1/events/{slug:str}/tiers/{tier_id:uuid}"): Members(MANAGER),
    ("DELETE", "/api/v1/events/{slug:str}/tiers/{tier_id:uuid}"): Members(MANAGER),
    ("GET", "/events/{slug:str}/seats"): Public("the seat picker"),
    ("POST", "/events/{slug:str}/seats/hold"): Public(BUYING),
    ("POST", "/events/{slug:str}/seats/release"): Public(BUYING),
    ("POST", "/events/{slug:str}/seats/best"): Public(BUYING),
    ("POST", "/events/{slug:str}/areas/hold"): Public(BUYING),
    ("GET", "/events/{slug:str}/live"): Public("the picker's live seat states; no buyer data"),
    ("GET", "/api/v1/events/{slug:str}/seats"): Public("the picker's seat states"),
    ("POST", "/api/v1/events/{slug:str}/holds"): Public(BUYING),
    ("DELETE", "/api/v1/events/{slug:str}/holds/{key:str}"): Public(BUYING),
    ("GET", "/api/v1/events/{slug:str}/areas"): Public("standing places left"),
    ("PUT", "/api/v1/events/{slug:str}/areas/{area:str}/hold"): Public(BUYING),
    ("GET", "/manage/events/{slug:str}/seats"): Members(DOOR),
    ("POST", "/manage/events/{slug:str}/seats/blocks"): Members(MANAGER),
    ("POST", "/api/v1/events/{slug:str}/blocks"): Members(MANAGER),
    ("GET", "/events/{slug:str}/checkout"): Public(BUYING),
    ("POST", "/events/{slug:str}/checkout"): Public(BUYING),
    ("POST", "/events/{slug:str}/checkout/summary"): Public(BUYING),
    ("POST", "/api/v1/orders"): Public(BUYING),
    ("GET", "/orders/{number:str}"): Members(DOOR, buyer=True),
    ("GET", "/api/v1/orders/{number:str}"): Members(DOOR, buyer=True),
    ("GET", "/orders/{number:str}/pay"): Members(DOOR, buyer=True),
    ("POST", "/orders/{number:str}/pay/test"): Members(DOOR, buyer=True),
    ("POST", "/webhooks/stripe"): Public("Stripe calls it; the signature is the credential"),
    ("GET", "/tickets/{code:str}"): Public("the ticket's secret code is its link"),
    ("GET", "/tickets/{code:str}/event.ics"): Public("the ticket's secret code is its link"),
    ("GET", "/my/tickets"): SignedIn("the person's own tickets"),
    ("GET", "/api/v1/organizations/{slug:str}/ticket-key"): Public("the public key scanners verify tickets with"),
    ("GET", "/manage/events/{slug:str}/orders"): Members(DOOR),
    ("GET", "/manage/orders/{number:str}"): Members(DOOR),
    ("POST", "/manage/orders/{number:str}/refund"): Members(MANAGER),
    ("POST", "/manage/orders/{number:str}/resend"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}/checkout"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/checkout/fees"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/checkout/promos"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/checkout/promos/{code:str}"): Members(MANAGER),
    ("GET", "/scan"): SignedIn("the scanner's start page lists the person's own events"),
    ("GET", "/scan/sw.js"): Public("the scanner's service worker script"),
    ("GET", "/scan/manifest.webmanifest"): Public("the scanner's web app manifest"),
    ("GET", "/scan/{slug:str}"): Members(DOOR),
    ("GET", "/scan/{slug:str}/bundle"): Members(DOOR),
    ("POST", "/scan/{slug:str}/check-in"): Members(DOOR),
    ("POST", "/scan/{slug:str}/sync"): Members(DOOR),
    ("GET", "/scan/{slug:str}/lookup"): Members(DOOR),
    ("POST", "/scan/{slug:str}/undo"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}/checkins"): Members(DOOR),
    ("GET", "/manage/events/{slug:str}/checkins/live"): Members(DOOR),
}
# Event streams never end for a viewer who is let in, so only their refusals are requested.
STREAMS = {"/events/{slug:str}/live", "/manage/events/{slug:str}/checkins/live"}
# Where a parameter name means different objects, the path decides (first match wins).
PARAMETER_BY_PATH = [
    ("/organizations/{slug", "slug", "org_slug"),
    ("/promos/{code", "code", "promo"),
    ("/api/v1/events/{slug:str}/tiers/{tier_id", "tier_id", "api_tier"),
    ("/invitations/{token", "token", "invitation"),
    ("/password/reset/{token", "token", "reset"),
    ("/account/verify/{token", "token", "unknown"),
]
SAFE = {"GET", "HEAD"}
PASSWORD = "matrix-password-1"
# A token's use is recorded even when what it asked for is refused.
IGNORED_COLUMNS = {"api_tokens": ("last_used_at", "updated_at")}


def _routes(app) -> list[tuple[str, str, Any]]:
    return [
        (method, route.path, handler)
        for route in app.routes
        for handler in route.route_handlers
        for method in sorted(handler.http_methods - {"OPTIONS"})
    ]


def test_every_route_is_classified_in_the_authorization_matrix():
    settings = Settings(
        database_url="postgresql+asyncpg://unused/unused",
        redis_url="redis://unused",
        secret_key="x" * 40,
        environment="test",
    )
    routes = {(method, path): handler for method, path, handler in _routes(create_app(settings))}
    unclassified = [
        f"{method} {path} ({handler.fn.__module__}.{handler.handler_name})"
        for (method, path), handler in routes.items()
        if (method, path) not in ACCESS
    ]
    assert not unclassified, (
        "Classify these routes in ACCESS of tests/test_authorization_matrix.py (Public with a reason, SignedIn, "
        "Addressee, Tokens or Members(role)):\n  " + "\n  ".join(unclassified)
    )
    stale = [f"{method} {path}" for method, path in ACCESS if (method, path) not in routes]
    assert not stale, "ACCESS names routes the app no longer has: " + ", ".join(stale)


# --- the world: organizations A and B with everything a route can name ---------------------------------------

PARAMETER = re.compile(r"\{(\w+):\w+\}")
# Sessions are not read under /api/ (the JSON API authenticates with bearer tokens only).
SESSIONLESS = ("/api/",)
# Run last: they remove or void the objects the other routes are filled with.
DESTRUCTIVE = {
    ("POST", "/manage/events/{slug:str}/tiers/{tier_id:uuid}/delete"),
    ("DELETE", "/api/v1/events/{slug:str}/tiers/{tier_id:uuid}"),
    ("POST", "/manage/{org_slug:str}/members/{user_id:uuid}/remove"),
    ("POST", "/manage/{org_slug:str}/tokens/{token_id:uuid}/revoke"),
    ("POST", "/manage/orders/{number:str}/refund"),
    ("POST", "/invitations/{token:str}/accept"),
}
THEATRE = json.loads((PROJECT_ROOT / "seatmaps" / "theatre.json").read_text())
EVENT_TIMES = {"starts_at": "2031-06-01T20:00:00", "ends_at": "2031-06-01T23:00:00", "timezone": "Europe/London"}
TIER_FORM = {"name": "Matrix", "price": "10.00", "currency": "GBP", "kind": "ga", "capacity": "10"}
VENUE_FORM = {"name": "Matrix Hall", "address": "1 Street", "timezone": "Europe/London"}


def _form(**fields: Any) -> Callable[[dict], dict]:
    return lambda objects: {"data": fields}


def _json(make: Callable[[dict], Any]) -> Callable[[dict], dict]:
    return lambda objects: {"json": make(objects)}


# Minimal valid-looking requests, so a refusal is the rule speaking and not the input's shape.
BODIES: dict[tuple[str, str], Callable[[dict], dict]] = {
    ("POST", "/login"): _form(email="nobody@example.com", password="not-the-password"),
    ("POST", "/password/forgot"): _form(email="nobody@example.com"),
    ("POST", "/manage/organizations"): _form(name="Matrix Org"),
    ("POST", "/manage/{org_slug:str}/members/invite"): _form(email="newcomer@example.com", role="door"),
    ("POST", "/manage/{org_slug:str}/tokens"): _form(name="matrix"),
    ("POST", "/manage/{org_slug:str}/events/new"): lambda o: {"data": o["event_form"]},
    ("POST", "/manage/events/{slug:str}"): lambda o: {"data": o["event_form"]},
    ("POST", "/manage/events/{slug:str}/status"): _form(status="published"),
    ("POST", "/manage/events/{slug:str}/tiers"): _form(**TIER_FORM),
    ("POST", "/manage/events/{slug:str}/tiers/{tier_id:uuid}"): _form(**TIER_FORM),
    ("POST", "/manage/{org_slug:str}/venues"): _form(**VENUE_FORM),
    ("POST", "/manage/venues/{venue_id:uuid}"): _form(**VENUE_FORM),
    ("POST", "/manage/venues/{venue_id:uuid}/layouts"): _form(name="Imported", sample="theatre"),
    ("POST", "/manage/venues/{venue_id:uuid}/layouts/new"): _form(name="Drawn", start=""),
    ("POST", "/manage/layouts/{layout_id:uuid}/versions"): _json(lambda o: {"base_version": 1, "document": THEATRE}),
    ("POST", "/manage/layouts/{layout_id:uuid}/preview"): lambda o: {"content": json.dumps(THEATRE)},
    ("POST", "/api/v1/events"): _json(lambda o: {"title": "Matrix", **EVENT_TIMES}),
    ("PATCH", "/api/v1/events/{slug:str}"): _json(lambda o: {"title": "Renamed by the matrix"}),
    ("POST", "/api/v1/events/{slug:str}/status"): _json(lambda o: {"status": "published"}),
    ("POST", "/api/v1/events/{slug:str}/tiers"): _json(
        lambda o: {"name": "Matrix", "price_minor": 1000, "currency": "GBP", "capacity": 10}
    ),
    ("PATCH", "/api/v1/events/{slug:str}/tiers/{tier_id:uuid}"): _json(lambda o: {"name": "Renamed"}),
    ("POST", "/events/{slug:str}/seats/hold"): _form(seat=["SC-C-1"]),
    ("POST", "/events/{slug:str}/seats/release"): _form(seat="SC-C-1"),
    ("POST", "/events/{slug:str}/seats/best"): _form(category="stalls", quantity="1"),
    ("POST", "/events/{slug:str}/areas/hold"): _form(area="FLOOR", quantity="1"),
    ("POST", "/api/v1/events/{slug:str}/holds"): _json(lambda o: {"seats": ["SC-C-2"]}),
    ("PUT", "/api/v1/events/{slug:str}/areas/{area:str}/hold"): _json(lambda o: {"quantity": 1}),
    ("POST", "/manage/events/{slug:str}/seats/blocks"): _form(seat=["SR-C-1"], action="block"),
    ("POST", "/api/v1/events/{slug:str}/blocks"): _json(lambda o: {"seats": ["SR-C-2"], "blocked": True}),
    ("POST", "/events/{slug:str}/checkout"): _form(email="walkin@example.com", name="Walk In"),
    ("POST", "/events/{slug:str}/checkout/summary"): _form(promo_code="EARLY"),
    ("POST", "/api/v1/orders"): _json(lambda o: {"event": o["slug"], "email": "walkin@example.com", "name": "Walk In"}),
    ("POST", "/orders/{number:str}/pay/test"): _form(card_number="4242 4242 4242 4242"),
    ("POST", "/manage/orders/{number:str}/refund"): _form(reason="matrix"),
    ("POST", "/manage/events/{slug:str}/checkout/fees"): _form(fee_percent="1", fee_fixed="0"),
    ("POST", "/manage/events/{slug:str}/checkout/promos"): _form(code="MATRIX", kind="percent", value="10"),
    ("POST", "/manage/events/{slug:str}/checkout/promos/{code:str}"): _form(active="0"),
    ("POST", "/scan/{slug:str}/check-in"): _json(lambda o: {"code": o["code"], "device": "matrix"}),
    ("POST", "/scan/{slug:str}/sync"): _json(
        lambda o: {"device": "matrix", "scans": [{"local_id": "1", "code": o["code"], "scanned_at": o["now"]}]}
    ),
    ("POST", "/scan/{slug:str}/undo"): _json(lambda o: {"code": o["code"], "reason": "matrix", "device": "matrix"}),
}
QUERIES = {("GET", "/scan/{slug:str}/lookup"): {"q": "Ada"}, ("GET", "/manage/events/{slug:str}/orders"): {"q": "Ada"}}


@dataclass
class Caller:
    name: str
    client: httpx.AsyncClient
    kind: str = "anonymous"  # "session" or "token"
    organization: str | None = None  # "A" or "B"
    role: Role | None = None  # a token acts as a manager
    token: str = ""

    @property
    def rank(self) -> int:
        return {"anonymous": 0, "session": 1, "token": 1}[self.kind] + (self.role.rank * 2 if self.role else 0)


def _client(app, n: int) -> httpx.AsyncClient:
    # One address per caller, so per-client rate limits see one person each.
    transport = httpx.ASGITransport(app=app, client=(f"10.9.0.{n}", 40000 + n))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def _people(db, a, b) -> dict[str, tuple[str, str | None, Role | None]]:
    """Every person of the world with a password to log in with: name -> (e-mail, organization, role)."""
    hashed, verified = hash_password(PASSWORD), utcnow()
    await db.execute(update(User).values(password_hash=hashed, email_verified_at=verified))
    people = {"a_owner": ("a-play@example.com", "A", OWNER), "b_owner": ("b-play@example.com", "B", OWNER)}
    for name, event, role in (
        ("a_manager", a, MANAGER), ("a_door", a, DOOR), ("a_spare", a, DOOR),
        ("b_manager", b, MANAGER), ("b_door", b, DOOR), ("buyer", None, None),
    ):  # fmt: skip
        user = User(email=f"{name}@example.com", name=name, password_hash=hashed, email_verified_at=verified)
        db.add(user)
        await db.flush()
        if event is not None:
            db.add(Membership(organization_id=event.actor.organizations[0].id, user_id=user.id, role=role))
        people[name] = (user.email, "A" if event is a else "B" if event is b else None, role)
    await db.commit()
    return people


async def _callers(app, db, a, b, people) -> list[Caller]:
    callers = [Caller("anonymous", _client(app, 1))]
    await callers[0].client.get("/login")
    for n, (name, (email, organization, role)) in enumerate(people.items(), start=2):
        if name == "a_spare":
            continue
        caller = Caller(name, _client(app, n), "session", organization, role)
        await caller.client.get("/login")
        csrf = caller.client.cookies["usher_csrf"]
        login = await caller.client.post(
            "/login", data={"email": email, "password": PASSWORD}, headers={"x-csrftoken": csrf}
        )
        assert login.status_code in (302, 303), login.text
        callers.append(caller)
    for n, (name, event) in enumerate((("a_token", a), ("b_token", b)), start=20):
        secret = await create_api_token(db, event.actor, event.actor.organizations[0].id, name=name)
        caller = Caller(name, _client(app, n), "token", name[0].upper(), MANAGER, secret)
        await caller.client.get("/login")  # a CSRF cookie, so its form posts meet the rule and not the CSRF check
        callers.append(caller)
    return callers


async def _guest_order(client: httpx.AsyncClient, slug: str, seat: str, email: str) -> str:
    cart = (await client.post(f"/api/v1/events/{slug}/holds", json={"seats": [seat]})).headers["x-cart"]
    placed = await client.post(
        "/api/v1/orders", json={"event": slug, "email": email, "name": "Grace Guest"}, headers={"X-Cart": cart}
    )
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]


async def _objects(db, event, **extra: Any) -> dict[str, Any]:
    """What fills the routes' parameters for one organization."""
    row = await db.get(Event, event.id)
    version = await db.get(SeatLayoutVersion, row.layout_version_id)
    tiers = list(await db.scalars(select(PriceTier.id).where(PriceTier.event_id == event.id).order_by(PriceTier.name)))
    await add_promo(db, event.id, "EARLY")
    local = {
        "venue_id": str(row.venue_id),
        "layout_version_id": str(row.layout_version_id),
        "timezone": row.timezone,
        **{
            field: getattr(row, field).astimezone(ZoneInfo(row.timezone)).strftime("%Y-%m-%dT%H:%M")
            for field in ("starts_at", "ends_at")
        },
    }
    return {
        "org_slug": event.actor.organizations[0].slug,
        "slug": event.slug,
        "promo": "EARLY",
        "tier_id": str(tiers[0]),
        "api_tier": str(tiers[1]),
        "venue_id": str(row.venue_id),
        "layout_id": str(version.layout_id),
        "event_form": {"title": "Matrix Event", "category": "music", **local},  # the event as it is, renamed
        "now": utcnow().isoformat(),
        **extra,
    }


async def _world(app, db) -> tuple[dict[str, dict], list[Caller], list[str]]:
    """(objects of A and of B, the callers, A's secrets that no refusal may show)."""
    a, b = await make_seated_event(db, slug="a-play"), await make_seated_event(db, slug="b-play")
    soon = utcnow() + timedelta(hours=1)  # doors are open, so the door's scans count
    await db.execute(update(Event).where(Event.id == a.id).values(starts_at=soon, ends_at=soon + timedelta(hours=3)))
    people = await _people(db, a, b)
    callers = await _callers(app, db, a, b, people)
    by_name = {c.name: c for c in callers}
    shopper = Browser(by_name["buyer"].client)
    await hold_seats(shopper, ["SL-A-1", "SL-A-2"], slug="a-play")
    bought, key = pay_link(await check_out(shopper, slug="a-play", email="buyer@example.com", name="Ada Lovelace"))
    assert (await pay(shopper, bought, key)).status_code in (200, 303)
    guest = await _guest_order(by_name["anonymous"].client, "a-play", "SL-B-1", "grace@example.com")
    b_guest = await _guest_order(by_name["anonymous"].client, "b-play", "SL-B-1", "gus@example.com")
    order_ids = dict((await db.execute(select(Order.number, Order.id))).all())
    codes = list(await db.scalars(select(Ticket.code).where(Ticket.order_id == order_ids[bought])))

    org_a, owner_a = a.actor.organizations[0].id, a.actor.user_id
    spare = await db.scalar(select(User.id).where(User.email == "a_spare@example.com"))
    await create_api_token(db, a.actor, org_a, name="spare")
    invitation, reset = "matrix-invitation-" + "x" * 20, "matrix-reset-" + "x" * 20
    week, hour = utcnow() + timedelta(days=7), utcnow() + timedelta(hours=1)
    db.add(Invitation(organization_id=org_a, email="buyer@example.com", role="door", invited_by_id=owner_a,
                      token_hash=token_digest(invitation), expires_at=week))  # fmt: skip
    db.add(PasswordResetToken(user_id=spare, token_hash=token_digest(reset), expires_at=hour))
    await db.commit()
    spare_token = await db.scalar(select(ApiToken.id).where(ApiToken.name == "spare"))
    objects_a = await _objects(
        db, a, number=[bought, guest], bought=bought, code=codes[0], user_id=str(spare),
        token_id=str(spare_token), key="SC-C-3", area="FLOOR", invitation=invitation, reset=reset,
        file_path="css/usher.css", path="nothing-here.yaml", name="nothing-here.eml", unknown="matrix-unknown",
    )  # fmt: skip
    objects_b = await _objects(db, b, number=[b_guest])
    secrets = [
        "buyer@example.com", "grace@example.com", "Ada Lovelace", *codes,
        *(order_token("test-secret-" + "x" * 32, order_ids[n]) for n in (bought, guest)),
    ]  # fmt: skip
    return {"A": objects_a, "B": objects_b}, callers, secrets


# --- the matrix ----------------------------------------------------------------------------------------------


def _fingerprint_sql() -> str:
    """One digest per table of every row, so any write a refused request made shows up."""
    parts = []
    for table in Base.metadata.sorted_tables:
        row = "to_jsonb(t)" + "".join(f" - '{column}'" for column in IGNORED_COLUMNS.get(table.name, ()))
        parts.append(
            f"SELECT '{table.name}', md5(coalesce(string_agg(({row})::text, '|' ORDER BY ({row})::text), '')) "
            f'FROM "{table.name}" t'
        )
    return " UNION ALL ".join(parts)


async def _fingerprint(db, sql: str) -> dict[str, str]:
    digests = dict((await db.execute(text(sql))).all())
    await db.rollback()
    return digests


def _as_seen_by(caller: Caller, path: str, handler) -> Caller | None:
    """Who the route sees: a session outside the JSON API, a token where the route asks who is acting (a route
    that needs a logged-in user sends a token to log in); anyone else is anonymous."""
    takes = set(handler.parsed_fn_signature.parameters)
    if caller.kind == "session" and not path.startswith(SESSIONLESS) and takes & {"actor", "user"}:
        return caller
    if caller.kind == "token" and "actor" in takes:
        return caller
    return None


def _admits(rule: Rule, who: Caller | None, side: str, objects: dict, fills: dict) -> bool:
    if isinstance(rule, Public):
        return True
    if who is None:
        return False
    if isinstance(rule, SignedIn):
        return who.kind == "session"
    if isinstance(rule, Addressee):
        return who.name == "buyer"
    if isinstance(rule, Tokens):
        return who.kind == "token"
    if rule.buyer and who.name == "buyer" and fills.get("number") == objects.get("bought"):
        return True
    return who.organization == side and who.role is not None and who.role.at_least(rule.role)


def _urls(method: str, path: str, objects: dict) -> list[tuple[str, dict]] | None:
    """Every URL of the route filled with the objects (None when one is missing); a query where one is set."""
    fills: list[dict] = [{}]
    for name in PARAMETER.findall(path):
        key = next((obj for where, param, obj in PARAMETER_BY_PATH if where in path and param == name), name)
        if key not in objects:
            return None
        values = objects[key] if isinstance(objects[key], list) else [objects[key]]
        fills = [{**fill, name: value} for fill in fills for value in values]
    query = QUERIES.get((method, path))
    return (
        [(PARAMETER.sub(lambda m, f=fill: str(f[m.group(1)]), path), fill) for fill in fills]
        if not query
        else [
            (PARAMETER.sub(lambda m, f=fill: str(f[m.group(1)]), path) + "?" + httpx.QueryParams(query).__str__(), fill)
            for fill in fills
        ]
    )


async def _send(caller: Caller, method: str, path: str, url: str, objects: dict) -> httpx.Response:
    headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
    kwargs: dict[str, Any] = {}
    if method not in SAFE:
        headers["x-csrftoken"] = caller.client.cookies.get("usher_csrf", "")
        default = (lambda o: {"json": {}}) if path.startswith("/api/") else (lambda o: {"data": {}})
        kwargs = BODIES.get((method, path), default)(objects)
    return await caller.client.request(method, url, headers=headers, **kwargs)


def _to_login(response: httpx.Response) -> bool:
    return response.is_redirect and response.headers.get("location", "").startswith("/login")


async def test_no_one_reaches_what_their_role_or_organization_does_not_allow(app, db):
    objects, callers, secrets = await _world(app, db)
    routes = [(m, p, h, ACCESS[(m, p)]) for m, p, h in _routes(app)]
    sql, problems = _fingerprint_sql(), []

    # Refusals: everyone the rule does not admit, on A's objects, changes nothing and learns nothing.
    for method, path, handler, rule in routes:
        urls = _urls(method, path, objects["A"])
        if urls is None:
            problems.append(f"{method} {path}: teach the matrix which object fills its parameters (see _objects)")
            continue
        for url, fills in urls:
            refused = [c for c in callers if not _admits(rule, _as_seen_by(c, path, handler), "A", objects["A"], fills)]
            if not refused:
                continue
            before = await _fingerprint(db, sql)
            for caller in refused:
                response = await _send(caller, method, path, url, objects["A"])
                what = f"{caller.name}: {method} {url} -> {response.status_code}"
                # Orders are also reached by the secret in their links, so strangers learn nothing there (404); the
                # JSON API's writes answer "send an API token" (403) before looking anything up.
                anonymous = _as_seen_by(caller, path, handler) is None
                hidden = isinstance(rule, Members) and rule.buyer and response.status_code == 404
                hidden |= path.startswith(SESSIONLESS) and response.status_code == 403 and "API token" in response.text
                if anonymous and response.status_code != 401 and not _to_login(response) and not hidden:
                    problems.append(f"{what}: expected 401 or a login redirect for someone not logged in")
                elif not (400 <= response.status_code < 500 or _to_login(response)):
                    problems.append(f"{what}: expected a refusal")
                sent = url + json.dumps(BODIES.get((method, path), lambda o: {})(objects["A"]), default=str)
                # Whoever holds an invitation's link may read whom it invites.
                shown = "" if response.is_redirect or isinstance(rule, Addressee) else response.text
                leaked = [s for s in secrets if s in shown and s not in sent]
                if leaked:
                    problems.append(f"{what}: the refusal shows {leaked}")
            after = await _fingerprint(db, sql)
            changed = sorted(name for name in before if before[name] != after[name])
            if changed:
                problems.append(f"{method} {url}: refused callers changed {changed} ({[c.name for c in refused]})")

    # Admissions: the weakest admitted caller (every admitted one for reads) gets through, on A's objects and on
    # B's (so B's callers are shown to be real); reads first, writes after, the destructive ones last.
    def order(route):
        return (route[0] not in SAFE, (route[0], route[1]) in DESTRUCTIVE)

    for method, path, handler, rule in sorted(routes, key=order):
        if path in STREAMS:
            continue
        for side in ("A", "B") if method in SAFE and isinstance(rule, Members) else ("A",):
            for url, fills in _urls(method, path, objects[side]) or []:
                admitted = [
                    c for c in callers if _admits(rule, _as_seen_by(c, path, handler), side, objects[side], fills)
                ]
                admitted.sort(key=lambda c: c.rank)
                for caller in admitted if method in SAFE else admitted[:1]:
                    response = await _send(caller, method, path, url, objects[side])
                    what = f"{caller.name}: {method} {url} -> {response.status_code}"
                    absent_ok = isinstance(rule, Public) and rule.absent and response.status_code == 404
                    if (response.status_code in (401, 403, 404) and not absent_ok) or _to_login(response):
                        problems.append(f"{what}: expected to be let in ({rule})")
                    elif response.status_code >= 500:
                        problems.append(f"{what}: server error")

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
