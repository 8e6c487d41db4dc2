"""Cart and order tokens that are not ASCII or not even the right shape are treated as absent, as docs/api.md
promises (a new cart; "order not found" with a hint to use the whole link), and never answer 500."""

from __future__ import annotations

import uuid

import pytest

from tests.seating.conftest import make_seated_event

# Header values travel as bytes; the server reads them as Latin-1, so these become non-ASCII text. The cart id
# part is genuine-looking so the signature part is compared (where non-ASCII text used to raise TypeError).
NON_ASCII_CART = f"{uuid.uuid4().hex}.{'é' * 16}".encode()
NON_ASCII_KEY = ("ü" * 16).encode()


@pytest.fixture
async def play(db):
    return await make_seated_event(db, slug="the-play")


async def _guest_order(client) -> tuple[str, str]:
    cart = (await client.post("/api/v1/events/the-play/holds", json={"seats": ["SL-G-1"]})).headers["x-cart"]
    body = {"event": "the-play", "email": "guest@example.com", "name": "Grace Guest"}
    placed = await client.post("/api/v1/orders", json=body, headers={"X-Cart": cart})
    return placed.json()["number"], placed.headers["x-order-token"]


async def test_a_non_ascii_cart_token_starts_a_new_cart_instead_of_failing(play, client):
    hold = await client.post(
        "/api/v1/events/the-play/holds", json={"seats": ["SL-A-1"]}, headers={"X-Cart": NON_ASCII_CART}
    )
    assert hold.status_code == 201 and hold.json()["seats"] == ["SL-A-1"]
    assert hold.headers["x-cart"].isascii()

    seats = await client.get("/api/v1/events/the-play/seats", headers={"X-Cart": NON_ASCII_CART})
    assert seats.status_code == 200 and not any(seat["mine"] for seat in seats.json()["seats"])
    areas = await client.get("/api/v1/events/the-play/areas", headers={"X-Cart": NON_ASCII_CART})
    assert areas.status_code == 200

    release = await client.delete("/api/v1/events/the-play/holds/SL-A-1", headers={"X-Cart": NON_ASCII_CART})
    assert release.status_code == 422 and "X-Cart" in release.json()["errors"]
    body = {"event": "the-play", "email": "ada@example.com", "name": "Ada"}
    order = await client.post("/api/v1/orders", json=body, headers={"X-Cart": NON_ASCII_CART})
    assert order.status_code == 422 and "cart token" in order.json()["errors"]["X-Cart"]


async def test_a_non_ascii_cart_cookie_is_a_fresh_basket(play, browser):
    csrf = await browser.csrf_token()
    cookie = f"usher_csrf={csrf}; usher_cart=".encode() + NON_ASCII_CART
    picker = await browser.client.get("/events/the-play/seats", headers={"Cookie": cookie})
    assert picker.status_code == 200
    held = await browser.client.post(
        "/events/the-play/seats/hold",
        data={"_csrf_token": csrf, "seat": ["SL-A-2"]},
        headers={"Cookie": cookie, "HX-Request": "true"},
    )
    assert held.status_code == 200
    fresh = held.cookies["usher_cart"]
    seats = (await browser.client.get("/api/v1/events/the-play/seats", headers={"X-Cart": fresh})).json()["seats"]
    assert [seat["key"] for seat in seats if seat["mine"]] == ["SL-A-2"]
    checkout = await browser.client.get("/events/the-play/checkout", headers={"Cookie": cookie})
    assert checkout.status_code < 500


async def test_a_malformed_order_key_is_a_wrong_key_not_a_server_error(play, client):
    number, key = await _guest_order(client)

    for sent in (NON_ASCII_KEY, b"short", (key[:-1] + "!").encode(), key[::-1].encode()):
        response = await client.get(f"/api/v1/orders/{number}", headers={"X-Order-Token": sent})
        assert response.status_code == 404, sent
        assert "Check that you used the whole link" in response.json()["detail"]
    for path in (f"/orders/{number}", f"/orders/{number}/pay"):
        page = await client.get(path, params={"k": "schlüssel-" + "x" * 22})
        assert page.status_code == 404 and "Check that you used the whole link" in page.text, path
    assert (await client.get(f"/api/v1/orders/{number}", headers={"X-Order-Token": key})).status_code == 200


async def test_a_non_ascii_bearer_token_is_an_invalid_token(play, client):
    refused = await client.get("/api/v1/events/the-play", headers={"Authorization": "Bearer usher_é".encode()})
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid or revoked API token."


@pytest.mark.parametrize(
    "path",
    ["/api/v1/orders/U%00", "/orders/%C3%A9%00", "/tickets/%00abc", "/tickets/%F0%9F%8E%AB/event.ics"],
)
async def test_order_numbers_and_ticket_codes_that_cannot_exist_are_not_found(play, client, path):
    response = await client.get(path)
    assert response.status_code == 404
