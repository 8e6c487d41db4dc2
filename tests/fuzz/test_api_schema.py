"""Schemathesis against /api/v1: generated requests, valid and invalid, never get a 5xx and every answer matches
the OpenAPI schema the app publishes. Part of the cases are aimed at seeded data so success paths run too."""

from __future__ import annotations

import os
import zlib

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.main import create_app
from tests.fuzz.conftest import Seeded

SCHEMA_PATH = "/api/schema/openapi.json"
# Bounded so the whole run stays under a minute on two cores (coverage cases come on top of these).
EXAMPLES_PER_OPERATION = 50
ORGANIZER_WRITES = ("PATCH", "POST", "DELETE")
# Body fields random text almost never gets right; most cases get a value the app accepts, to reach the writes.
PLAUSIBLE = {"timezone": "Europe/Berlin", "currency": "GBP", "email": "ada@example.com", "category": "music"}


def _unstarted_app():
    """The app object alone (no lifespan, so no server is reached): its routes and OpenAPI document."""
    unused = "postgresql+asyncpg://unused/unused"
    return create_app(Settings(database_url=unused, redis_url="redis://unused", secret_key="-", log_level="WARNING"))


PUBLISHED = _unstarted_app().openapi_schema.to_schema()
schema = schemathesis.openapi.from_dict(PUBLISHED).include(path_regex="^/api/v1/")


def _pick(case: schemathesis.Case, salt: str, choices: list) -> object:
    """A choice that is a pure function of the generated case, so Hypothesis can replay and shrink it."""
    digest = zlib.crc32(f"{salt}:{case.path_parameters}:{case.query}:{case.body}".encode())
    return choices[digest % len(choices)]


def _aim_at_seeded_data(case: schemathesis.Case, seeded: Seeded) -> None:
    """Most cases name a real event, seat, area, order, cart and token; the rest stay random."""
    keep = object()
    path = case.path_parameters if case.path_parameters is not None else {}
    if "slug" in path:
        organizations = [seeded.own_organization, seeded.foreign_organization]
        events = [seeded.own_event, seeded.foreign_event]
        real = organizations if case.operation.path.startswith("/api/v1/organizations/") else events
        if (slug := _pick(case, "slug", [*real, keep])) is not keep:
            path["slug"] = slug
    seats = seeded.own_seats if path.get("slug") == seeded.own_event else seeded.foreign_seats
    if "key" in path and (key := _pick(case, "key", [*seats[:2], keep])) is not keep:
        path["key"] = key
    if "area" in path and _pick(case, "area", [True, True, False]):
        path["area"] = seeded.area
    if "number" in path and _pick(case, "number", [True, True, False]):
        path["number"] = seeded.order_number
        case.headers = {**(case.headers or {}), "X-Order-Token": seeded.order_token}
    if isinstance(case.body, dict):
        if isinstance(case.body.get("seats"), list) and _pick(case, "seats", [True, True, False]):
            case.body["seats"] = seats[: 1 + zlib.crc32(repr(case.body).encode()) % 4]
        if "event" in case.body and _pick(case, "event", [True, True, False]):
            case.body["event"] = seeded.foreign_event
        for name in PLAUSIBLE.keys() & case.body.keys():
            if _pick(case, name, [True, True, False]):
                case.body[name] = PLAUSIBLE[name]
    if case.headers and "X-Cart" in case.headers and _pick(case, "cart", [True, False]):
        case.headers["X-Cart"] = seeded.cart


def _authorization(case: schemathesis.Case, seeded: Seeded) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.token}"} if _pick(case, "token", [True, True, False]) else {}


def _foreign_event_untouched(seeded: Seeded) -> schemathesis.CheckFunction:
    def foreign_event_untouched(ctx, response, case) -> None:
        """The token's organization never changes another organization's event (buyers' holds aside)."""
        organizer_write = case.method.upper() in ORGANIZER_WRITES and "/hold" not in case.operation.path
        if (
            organizer_write
            and (case.path_parameters or {}).get("slug") == seeded.foreign_event
            and response.status_code < 400
        ):
            raise AssertionError(f"{case.method} {case.formatted_path} changed another organization's event")

    return foreign_event_untouched


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_every_api_route_is_described_in_the_schema_the_server_publishes(seeded):
    assert httpx.get(seeded.base_url + SCHEMA_PATH).json() == PUBLISHED
    served = {
        (route.path_format, method)
        for route in _unstarted_app().routes
        if route.path.startswith("/api/v1/")
        for method in getattr(route, "methods", ())
        if method not in {"HEAD", "OPTIONS"}
    }
    described = {(path, method.upper()) for path, item in PUBLISHED["paths"].items() for method in item}
    assert served and served <= described


def _api(seeded: Seeded) -> httpx.Client:
    return httpx.Client(base_url=seeded.base_url, headers={"Authorization": f"Bearer {seeded.token}"})


def test_dates_beyond_what_converts_to_utc_and_unknown_timezones_are_field_errors(seeded):
    event = {"title": "Far", "starts_at": "2030-01-01T20:00:00", "ends_at": "2030-01-01T23:00:00"}
    with _api(seeded) as api:
        too_early = api.post(
            "/api/v1/events", json={**event, "starts_at": "0001-01-01T00:00:00", "timezone": "Asia/Tokyo"}
        )
        too_late = api.post(
            "/api/v1/events", json={**event, "ends_at": "9999-12-31T23:59:00", "timezone": "America/Adak"}
        )
        not_a_zone = api.post("/api/v1/events", json={**event, "timezone": "Europe"})
    assert [r.status_code for r in (too_early, too_late, not_a_zone)] == [422, 422, 422]
    assert too_early.json()["errors"]["starts_at"] == "Enter a date between the years 1900 and 8999."
    assert too_late.json()["errors"]["ends_at"] == "Enter a date between the years 1900 and 8999."
    assert not_a_zone.json()["errors"] == {"timezone": "Choose a timezone such as Europe/Berlin."}


def test_nul_characters_anywhere_in_a_request_are_a_400_that_names_them_and_write_nothing(seeded):
    event = {"title": "Nul", "slug": "nul-night", "starts_at": "2030-01-01T20:00:00", "ends_at": "2030-01-01T23:00:00"}
    order = {"event": seeded.foreign_event, "email": "ada@example.com", "name": "Ada", "promo_code": "X\x00"}
    seats = f"/api/v1/events/{seeded.foreign_event}/seats"
    with _api(seeded) as api:
        held = sum(s["mine"] for s in api.get(seats, headers={"X-Cart": seeded.cart}).json()["seats"])
        refused = [
            api.get("/api/v1/events/own%00show"),
            api.get("/api/v1/events", params={"q": "jazz\x00"}),
            api.post(f"/api/v1/events/{seeded.foreign_event}/holds", json={"seats": ["A\x00"]}),
            api.post("/api/v1/events", json={**event, "timezone": "Europe/Berlin", "tags": ["jazz\x00"]}),
            api.post("/api/v1/orders", json=order, headers={"X-Cart": seeded.cart}),
        ]
        assert [r.status_code for r in refused] == [400] * len(refused)
        assert all("NUL character" in r.json()["detail"] for r in refused)
        assert api.get("/api/v1/events/nul-night").status_code == 404
        # The refused order left the cart's hold where it was.
        assert sum(s["mine"] for s in api.get(seats, headers={"X-Cart": seeded.cart}).json()["seats"]) == held == 1


@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),  # CI replays the same cases; local runs keep exploring
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@schema.parametrize()
def test_no_api_request_gets_a_server_error_or_an_answer_its_schema_does_not_describe(case, seeded):
    _aim_at_seeded_data(case, seeded)
    case.call_and_validate(
        base_url=seeded.base_url,
        headers=_authorization(case, seeded),
        checks=[*CHECKS, _foreign_event_untouched(seeded)],
        timeout=30,
    )
