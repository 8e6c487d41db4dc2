"""The JSON API: public reads, organizer writes with bearer tokens, and clear 4xx for bad input."""

from __future__ import annotations

import re

import pytest

EVENT = {
    "title": "API Night",
    "starts_at": "2030-09-01T19:00:00",
    "ends_at": "2030-09-01T22:00:00",
    "timezone": "Europe/Paris",
    "category": "conference",
    "tags": ["Python", "web"],
    "online_url": "https://meet.example/api-night",
}


async def _token(browser, org: str, name: str = "ci") -> str:
    page = await browser.post_form(f"/manage/{org}/tokens", {"name": name})
    return re.search(r'data-testid="new-token">([^<]+)<', page.text).group(1)


@pytest.fixture
async def api(organizer, client):
    browser, org = organizer
    token = await _token(browser, org)
    return client, {"Authorization": f"Bearer {token}"}


async def test_token_holder_creates_prices_and_publishes_an_event(api, client):
    http, auth = api
    created = await http.post("/api/v1/events", json=EVENT, headers=auth)
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["slug"] == "api-night" and event["status"] == "draft"
    assert event["starts_at"] == "2030-09-01T17:00:00Z"  # 19:00 in Paris (CEST) is 17:00 UTC
    assert event["tags"] == ["python", "web"]
    tier = await http.post(
        "/api/v1/events/api-night/tiers",
        headers=auth,
        json={"name": "Regular", "price_minor": 1250, "currency": "EUR", "capacity": 300},
    )
    assert tier.status_code == 201
    assert tier.json()["price_display"] == "€12.50"
    patched = await http.patch(
        f"/api/v1/events/api-night/tiers/{tier.json()['id']}", headers=auth, json={"price_minor": 1500}
    )
    assert patched.json()["price_minor"] == 1500 and patched.json()["name"] == "Regular"
    published = await http.post("/api/v1/events/api-night/status", json={"status": "published"}, headers=auth)
    assert published.status_code == 200 and published.json()["status"] == "published"

    listing = await client.get("/api/v1/events")
    assert [e["slug"] for e in listing.json()["events"]] == ["api-night"]
    detail = await client.get("/api/v1/events/api-night")
    assert detail.json()["tiers"][0]["price_minor"] == 1500


async def test_patch_changes_only_the_given_fields(api):
    http, auth = api
    await http.post("/api/v1/events", json=EVENT, headers=auth)
    response = await http.patch("/api/v1/events/api-night", json={"title": "API Night II"}, headers=auth)
    assert response.status_code == 200
    assert response.json()["title"] == "API Night II"
    assert response.json()["starts_at"] == "2030-09-01T17:00:00Z"


async def test_malformed_json_is_400_and_invalid_fields_are_422_with_field_messages(api):
    http, auth = api
    malformed = await http.post(
        "/api/v1/events", content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert "detail" in malformed.json()
    wrong_type = await http.post("/api/v1/events", json={**EVENT, "starts_at": "soon"}, headers=auth)
    assert wrong_type.status_code == 400
    unknown_field = await http.post("/api/v1/events", json={**EVENT, "price": 3}, headers=auth)
    assert unknown_field.status_code == 400
    invalid = await http.post("/api/v1/events", json={**EVENT, "timezone": "Nowhere/Land", "title": ""}, headers=auth)
    assert invalid.status_code == 422
    assert set(invalid.json()["errors"]) == {"timezone", "title"}
    negative = await http.post("/api/v1/events", json=EVENT, headers=auth)
    assert negative.status_code == 201
    bad_tier = await http.post(
        "/api/v1/events/api-night/tiers",
        headers=auth,
        json={"name": "Neg", "price_minor": -1, "currency": "EURO", "capacity": 5},
    )
    assert bad_tier.status_code == 422
    assert set(bad_tier.json()["errors"]) >= {"price", "currency"}


async def test_unknown_slugs_are_404_and_drafts_are_not_public(api, client):
    http, auth = api
    await http.post("/api/v1/events", json=EVENT, headers=auth)
    assert (await client.get("/api/v1/events/no-such-event")).status_code == 404
    assert (await client.get("/api/v1/events/api-night")).status_code == 404
    assert (await http.get("/api/v1/events/api-night", headers=auth)).status_code == 200


async def test_writes_need_a_valid_token(client):
    assert (await client.post("/api/v1/events", json=EVENT)).status_code == 403
    bad = await client.post("/api/v1/events", json=EVENT, headers={"Authorization": "Bearer usher_forged"})
    assert bad.status_code == 401


async def test_a_revoked_token_stops_working(organizer, client, db):
    browser, org = organizer
    token = await _token(browser, org)
    page = await browser.get(f"/manage/{org}/tokens")
    token_id = re.search(r"/tokens/([0-9a-f-]{36})/revoke", page.text).group(1)
    await browser.post_form(f"/manage/{org}/tokens/{token_id}/revoke")
    response = await client.post("/api/v1/events", json=EVENT, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_organization_b_token_gets_404_for_organization_a_events(api, other_browser, client):
    http, auth_a = api
    await http.post("/api/v1/events", json=EVENT, headers=auth_a)
    await other_browser.register("b-api@example.com")
    org_b = await other_browser.create_organization("B Org")
    auth_b = {"Authorization": f"Bearer {await _token(other_browser, org_b)}"}
    assert (await client.get("/api/v1/events/api-night", headers=auth_b)).status_code == 404
    assert (await client.patch("/api/v1/events/api-night", json={"title": "x"}, headers=auth_b)).status_code == 404
    assert (
        await client.post(
            "/api/v1/events/api-night/tiers",
            headers=auth_b,
            json={"name": "x", "price_minor": 1, "currency": "EUR", "capacity": 1},
        )
    ).status_code == 404
    assert (
        await client.post("/api/v1/events/api-night/status", headers=auth_b, json={"status": "cancelled"})
    ).status_code == 404


async def test_openapi_schema_documents_the_api(client):
    schema = await client.get("/api/schema/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/events" in schema.json()["paths"]
    assert not any(path.startswith("/manage") for path in schema.json()["paths"])
