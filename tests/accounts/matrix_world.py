"""The world the authorization matrix (tests/test_authorization_matrix.py) requests every route in: organizations
A and B with an event, orders, tickets, a layout, members of every role, API tokens, an invitation and a reset
link; the callers (logged in once, each from its own address); and the minimal valid-looking request each route is
sent, so a refusal is the rule speaking and not the shape of the input."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update

from app.accounts.models import ApiToken, Invitation, Membership, PasswordResetToken, Role, User
from app.accounts.organizations import create_api_token
from app.accounts.passwords import hash_password, token_digest
from app.config import PROJECT_ROOT
from app.db import utcnow
from app.events import series
from app.events.models import Event, PriceTier
from app.orders.access import order_token
from app.orders.models import Order
from app.tickets.models import Ticket
from app.venues.models import SeatLayoutVersion
from tests.conftest import Browser
from tests.orders.conftest import add_promo, check_out, hold_seats, pay, pay_link
from tests.seating.conftest import make_seated_event

SAFE = {"GET", "HEAD"}
PASSWORD = "matrix-password-1"
DOOR, MANAGER, OWNER = Role.DOOR, Role.MANAGER, Role.OWNER

THEATRE = json.loads((PROJECT_ROOT / "seatmaps" / "theatre.json").read_text())
EVENT_TIMES = {"starts_at": "2031-06-01T20:00:00", "ends_at": "2031-06-01T23:00:00", "timezone": "Europe/London"}
TIER_FORM = {"name": "Matrix", "price": "10.00", "currency": "GBP", "kind": "ga", "capacity": "10"}
VENUE_FORM = {"name": "Matrix Hall", "address": "1 Street", "timezone": "Europe/London"}
SERIES_FORM = {
    "title": "Matrix Series",
    "timezone": "Europe/London",
    "kind": "custom",
    "dates": "2031-06-08 20:00 22:00",
    "currency": "GBP",
    "tier_name_0": "Matrix",
    "tier_price_0": "10.00",
    "tier_capacity_0": "10",
}


def _form(**fields: Any) -> Callable[[dict], dict]:
    return lambda objects: {"data": fields}


def _json(make: Callable[[dict], Any]) -> Callable[[dict], dict]:
    return lambda objects: {"json": make(objects)}


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
    ("POST", "/manage/{org_slug:str}/series/new"): _form(**SERIES_FORM),
    ("POST", "/manage/series/{series_slug:str}/template"): _form(**SERIES_FORM, apply="unsold"),
    ("POST", "/manage/series/{series_slug:str}/dates"): _form(starts_at="2031-07-01T20:00", ends_at="2031-07-01T22:00"),
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
    """Someone requesting routes: anonymous, a logged-in session, or an API token (which acts as a manager)."""

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
    await db.execute(update(User).values(password_hash=hashed, email_verified_at=verified))  # the two owners
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
        if name == "a_spare":  # only there to be removed from A
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
    rule = series.WeeklyRule(date(2031, 6, 3), date(2031, 6, 10), ["tue"], time(20), time(22), venue_id=row.venue_id)
    template = [series.TemplateTier(name="Matrix", price_minor=1000, currency="GBP", capacity=10)]
    weekly = await series.create_weekly_series(
        db, event.actor, row.organization_id, title="Weekly", rule=rule, tiers=template
    )
    first_date = await db.scalar(select(Event.slug).where(Event.series_id == weekly.id).order_by(Event.starts_at))
    return {
        "series_slug": weekly.slug,
        "date_slug": first_date,
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


async def build_world(app, db) -> tuple[dict[str, dict], list[Caller], list[str]]:
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
    withdrawn = uuid.uuid4()  # an invitation the owner takes back (the other one is accepted)
    db.add(Invitation(id=withdrawn, organization_id=org_a, email="invitee@example.com", role="door",
                      invited_by_id=owner_a, token_hash=token_digest(invitation + "-2"), expires_at=week))  # fmt: skip
    db.add(PasswordResetToken(user_id=spare, token_hash=token_digest(reset), expires_at=hour))
    await db.commit()
    spare_token = await db.scalar(select(ApiToken.id).where(ApiToken.name == "spare"))
    objects_a = await _objects(
        db, a, number=[bought, guest], bought=bought, code=codes[0], user_id=str(spare),
        token_id=str(spare_token), key="SC-C-3", area="FLOOR", invitation=invitation, reset=reset,
        invitation_id=str(withdrawn),
        file_path="css/usher.css", path="nothing-here.yaml", name="nothing-here.eml", unknown="matrix-unknown",
    )  # fmt: skip
    objects_b = await _objects(db, b, number=[b_guest])
    secrets = [
        "buyer@example.com", "grace@example.com", "Ada Lovelace", *codes,
        *(order_token(app.state.settings.secret_key, order_ids[n]) for n in (bought, guest)),
    ]  # fmt: skip
    return {"A": objects_a, "B": objects_b}, callers, secrets


async def send(caller: Caller, method: str, path: str, url: str, objects: dict) -> httpx.Response:
    headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
    kwargs: dict[str, Any] = {}
    if method not in SAFE:
        headers["x-csrftoken"] = caller.client.cookies.get("usher_csrf", "")
        default = (lambda o: {"json": {}}) if path.startswith("/api/") else (lambda o: {"data": {}})
        kwargs = BODIES.get((method, path), default)(objects)
    return await caller.client.request(method, url, headers=headers, **kwargs)
