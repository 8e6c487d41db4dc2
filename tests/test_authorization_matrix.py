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
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from app.accounts.models import Role
from app.config import Settings
from app.main import create_app
from app.models import Base
from tests.accounts.matrix_world import BODIES, QUERIES, SAFE, Caller, build_world, send


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
    ("POST", "/manage/{org_slug:str}/invitations/{invitation_id:uuid}/withdraw"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/members/{user_id:uuid}/remove"): Members(OWNER),
    ("GET", "/manage/{org_slug:str}/tokens"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/tokens"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/tokens/{token_id:uuid}/revoke"): Members(MANAGER),
    ("GET", "/"): Public("the listing of published events"),
    ("GET", "/events/{slug:str}"): Public("a published event's page"),
    ("GET", "/events/{slug:str}/cover.jpg"): Public("a published event's picture", absent=True),
    ("GET", "/events/{slug:str}/availability"): Public("a published event's places left, polled by its page"),
    ("GET", "/robots.txt"): Public("what search engines may read"),
    ("GET", "/sitemap.xml"): Public("the published events and series, for search engines"),
    ("GET", "/accessibility"): Public("the accessibility statement every footer links to"),
    ("GET", "/manage/{org_slug:str}"): Members(DOOR),
    ("GET", "/manage/{org_slug:str}/events/new"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/events/new"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}"): Members(DOOR),
    ("POST", "/manage/events/{slug:str}"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}/status"): Members(DOOR),
    ("POST", "/manage/events/{slug:str}/status"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}/tiers"): Members(DOOR),
    ("POST", "/manage/events/{slug:str}/tiers"): Members(MANAGER),
    ("GET", "/manage/events/{slug:str}/tiers/{tier_id:uuid}/edit"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/tiers/{tier_id:uuid}"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/tiers/{tier_id:uuid}/delete"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/cover"): Members(MANAGER),
    ("POST", "/manage/events/{slug:str}/cover/delete"): Members(MANAGER),
    ("GET", "/series/{series_slug:str}"): Public("a series' published dates"),
    ("GET", "/api/v1/series/{series_slug:str}"): Public("a series' published dates"),
    ("GET", "/manage/{org_slug:str}/series"): Members(DOOR),
    ("GET", "/manage/{org_slug:str}/series/new"): Members(MANAGER),
    ("POST", "/manage/{org_slug:str}/series/new"): Members(MANAGER),
    ("GET", "/manage/series/{series_slug:str}"): Members(DOOR),
    ("POST", "/manage/series/{series_slug:str}/dates"): Members(MANAGER),
    ("POST", "/manage/series/{series_slug:str}/dates/{date_slug:str}/cancel"): Members(MANAGER),
    ("POST", "/manage/series/{series_slug:str}/publish"): Members(MANAGER),
    ("POST", "/manage/series/{series_slug:str}/template"): Members(MANAGER),
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
    ("GET", "/events/{slug:str}/seats/list"): Public("choosing seats from a list"),
    ("POST", "/events/{slug:str}/seats/hold"): Public(BUYING),
    ("POST", "/events/{slug:str}/seats/release"): Public(BUYING),
    ("POST", "/events/{slug:str}/seats/best"): Public(BUYING),
    ("POST", "/events/{slug:str}/areas/hold"): Public(BUYING),
    ("GET", "/events/{slug:str}/live"): Public("the picker's live seat states; no buyer data"),
    ("GET", "/api/v1/events/{slug:str}/seats"): Public("the picker's seat states"),
    ("POST", "/api/v1/events/{slug:str}/holds"): Public(BUYING),
    ("POST", "/api/v1/events/{slug:str}/holds/extend"): Public(BUYING),
    ("DELETE", "/api/v1/events/{slug:str}/holds/{key:str}"): Public(BUYING),
    ("GET", "/api/v1/events/{slug:str}/areas"): Public("standing places left"),
    ("PUT", "/api/v1/events/{slug:str}/areas/{area:str}/hold"): Public(BUYING),
    ("GET", "/manage/events/{slug:str}/seats"): Members(DOOR),
    ("POST", "/manage/events/{slug:str}/seats/blocks"): Members(MANAGER),
    ("POST", "/api/v1/events/{slug:str}/blocks"): Members(MANAGER),
    ("GET", "/events/{slug:str}/checkout"): Public(BUYING),
    ("POST", "/events/{slug:str}/checkout"): Public(BUYING),
    ("POST", "/events/{slug:str}/checkout/summary"): Public(BUYING),
    ("POST", "/events/{slug:str}/checkout/extend"): Public(BUYING),
    ("POST", "/api/v1/orders"): Public(BUYING),
    ("GET", "/orders/{number:str}"): Members(MANAGER, buyer=True),
    ("GET", "/api/v1/orders/{number:str}"): Members(MANAGER, buyer=True),
    ("GET", "/orders/{number:str}/pay"): Members(MANAGER, buyer=True),
    ("POST", "/orders/{number:str}/pay/test"): Members(MANAGER, buyer=True),
    ("POST", "/orders/{number:str}/pay/extend"): Members(MANAGER, buyer=True),
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
PARAMETER = re.compile(r"\{(\w+):\w+\}")
# Sessions are not read under /api/ (the JSON API authenticates with bearer tokens only).
SESSIONLESS = ("/api/",)
# Run last: they remove or void the objects the other routes are filled with.
DESTRUCTIVE = {
    ("POST", "/manage/events/{slug:str}/tiers/{tier_id:uuid}/delete"),
    ("DELETE", "/api/v1/events/{slug:str}/tiers/{tier_id:uuid}"),
    ("POST", "/manage/{org_slug:str}/members/{user_id:uuid}/remove"),
    ("POST", "/manage/{org_slug:str}/tokens/{token_id:uuid}/revoke"),
    ("POST", "/manage/{org_slug:str}/invitations/{invitation_id:uuid}/withdraw"),
    ("POST", "/manage/orders/{number:str}/refund"),
    ("POST", "/invitations/{token:str}/accept"),
    ("POST", "/manage/series/{series_slug:str}/dates/{date_slug:str}/cancel"),
}
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
    suffix = f"?{httpx.QueryParams(query)}" if query else ""
    return [(PARAMETER.sub(lambda m, f=fill: str(f[m.group(1)]), path) + suffix, fill) for fill in fills]


def _to_login(response: httpx.Response) -> bool:
    return response.is_redirect and response.headers.get("location", "").startswith("/login")


async def _refusals(db, routes, objects: dict, callers: list[Caller], secrets: list[str]) -> list[str]:
    """Everyone a rule does not admit, on A's objects, gets a refusal, changes nothing and learns nothing."""
    sql, problems = _fingerprint_sql(), []
    for method, path, handler, rule in routes:
        urls = _urls(method, path, objects)
        if urls is None:
            problems.append(f"{method} {path}: say which object fills its parameters (tests/accounts/matrix_world.py)")
        for url, fills in urls or []:
            refused = [c for c in callers if not _admits(rule, _as_seen_by(c, path, handler), "A", objects, fills)]
            before = await _fingerprint(db, sql) if refused else {}
            for caller in refused:
                response = await send(caller, method, path, url, objects)
                what = f"{caller.name}: {method} {url} -> {response.status_code}"
                # Orders are also reached by the secret in their links, so strangers learn nothing there (404); the
                # JSON API's writes answer "send an API token" (403) before looking anything up.
                hidden = isinstance(rule, Members) and rule.buyer and response.status_code == 404
                hidden |= path.startswith(SESSIONLESS) and response.status_code == 403 and "API token" in response.text
                asked_to_log_in = response.status_code == 401 or _to_login(response)
                if _as_seen_by(caller, path, handler) is None and not (asked_to_log_in or hidden):
                    problems.append(f"{what}: expected 401 or a login redirect for someone not logged in")
                elif not (400 <= response.status_code < 500 or _to_login(response)):
                    problems.append(f"{what}: expected a refusal")
                sent = url + json.dumps(BODIES.get((method, path), lambda o: {})(objects), default=str)
                # Whoever holds an invitation's link may read whom it invites.
                shown = "" if response.is_redirect or isinstance(rule, Addressee) else response.text
                if leaked := [secret for secret in secrets if secret in shown and secret not in sent]:
                    problems.append(f"{what}: the refusal shows {leaked}")
            if refused and (after := await _fingerprint(db, sql)) != before:
                changed = sorted(name for name in before if before[name] != after[name])
                problems.append(f"{method} {url}: refused callers changed {changed} ({[c.name for c in refused]})")
    return problems


async def _admissions(routes, objects: dict[str, dict], callers: list[Caller]) -> list[str]:
    """The weakest admitted caller (every admitted one for reads) gets through, on A's objects and on B's (so B's
    callers are shown to be real); reads first, writes after, the destructive ones last."""
    problems = []
    for method, path, handler, rule in sorted(routes, key=lambda r: (r[0] not in SAFE, (r[0], r[1]) in DESTRUCTIVE)):
        for side in ("A", "B") if method in SAFE and isinstance(rule, Members) else ("A",):
            for url, fills in [] if path in STREAMS else _urls(method, path, objects[side]) or []:
                seen = [(c, _as_seen_by(c, path, handler)) for c in callers]
                admitted = sorted(
                    (c for c, who in seen if _admits(rule, who, side, objects[side], fills)), key=lambda c: c.rank
                )
                for caller in admitted if method in SAFE else admitted[:1]:
                    response = await send(caller, method, path, url, objects[side])
                    what = f"{caller.name}: {method} {url} -> {response.status_code}"
                    absent = isinstance(rule, Public) and rule.absent and response.status_code == 404
                    if (response.status_code in (401, 403, 404) and not absent) or _to_login(response):
                        problems.append(f"{what}: expected to be let in ({rule})")
                    elif response.status_code >= 500:
                        problems.append(f"{what}: server error")
    return problems


async def test_no_one_reaches_what_their_role_or_organization_does_not_allow(app, db):
    objects, callers, secrets = await build_world(app, db)
    routes = [(method, path, handler, ACCESS[(method, path)]) for method, path, handler in _routes(app)]
    try:
        problems = await _refusals(db, routes, objects["A"], callers, secrets)
        problems += await _admissions(routes, objects, callers)
    finally:
        for caller in callers:
            await caller.client.aclose()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
