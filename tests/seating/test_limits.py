"""Abuse limits on seats: what one client (a network, an account) may hold across all its carts, counted in
PostgreSQL; rate limits on reading whole seat lists; client addresses behind trusted proxies; Redis down."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from app import ratelimit
from app.main import create_app
from app.seating.models import EventSeat
from tests.conftest import Browser, serving
from tests.seating.conftest import make_seated_event

HOLDS = "/api/v1/events/the-play/holds"
SEATS = "/api/v1/events/the-play/seats"
AREAS = "/api/v1/events/the-play/areas"


@asynccontextmanager
async def app_with(settings, **overrides) -> AsyncIterator:
    async with serving(create_app(replace(settings, **overrides))) as application:
        yield application


def client_from(app, address: str) -> httpx.AsyncClient:
    """A visitor whose connection comes from `address` (the peer the server sees)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def hold(client: httpx.AsyncClient, seats: list[str], cart: str | None = None) -> httpx.Response:
    return await client.post(HOLDS, json={"seats": seats}, headers={"X-Cart": cart} if cart else {})


def assert_refused(response: httpx.Response, limit_text: str) -> None:
    """A 429 that says what the limit is and when to try again, and a Retry-After header that agrees."""
    assert response.status_code == 429, response.text
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= 600
    message = response.json()["detail"] if "json" in response.headers["content-type"] else response.text
    assert limit_text in message
    assert re.search(r"Try again in \d+ (second|minute)", message), message


async def test_twenty_carts_opened_at_once_from_one_network_hold_no_more_than_its_limit(theatre, settings, db):
    async with (
        app_with(settings, max_held_per_network=5) as app,
        client_from(app, "198.51.100.7") as greedy,
        client_from(app, "203.0.113.20") as neighbour,
    ):
        start = asyncio.Event()

        async def new_cart_holds(seat: str) -> httpx.Response:
            await start.wait()
            return await hold(greedy, [seat])  # no X-Cart: every request opens a new cart

        tasks = [asyncio.create_task(new_cart_holds(f"SC-{row}-{n}")) for row in "BC" for n in range(1, 11)]
        start.set()
        responses = await asyncio.gather(*tasks)

        assert Counter(r.status_code for r in responses) == Counter({201: 5, 429: 15})
        for refused in (r for r in responses if r.status_code == 429):
            assert_refused(refused, "the limit is 5 at once")
        held = select(func.count()).select_from(EventSeat).where(EventSeat.status == "held")
        assert await db.scalar(held) == 5
        assert (await hold(neighbour, ["SC-G-1", "SC-G-2"])).status_code == 201  # another client still can


async def test_a_cart_already_holding_can_renew_its_seats_at_the_limit(theatre, settings):
    async with app_with(settings, max_held_per_network=2) as app, client_from(app, "198.51.100.8") as buyer:
        cart = (await hold(buyer, ["SC-D-1", "SC-D-2"])).json()["cart"]
        assert (await hold(buyer, ["SC-D-1"], cart)).status_code == 201  # nothing more is held
        assert_refused(await hold(buyer, ["SC-D-3"], cart), "the limit is 2 at once")
        assert_refused(await hold(buyer, ["SC-D-3"]), "the limit is 2 at once")  # nor through a new cart
        assert (await buyer.delete(f"{HOLDS}/SC-D-2", headers={"X-Cart": cart})).status_code == 204
        assert (await hold(buyer, ["SC-D-3"])).status_code == 201  # a released seat makes room


async def test_a_second_network_taking_full_carts_over_cannot_free_the_first_networks_count(theatre, settings, db):
    """Re-holding a seat in someone's cart from another network moves the cart; the move is checked like a hold,
    so two networks passing carts between them hold at most twice the limit."""
    async with (
        app_with(settings, max_held_per_network=4) as app,
        client_from(app, "198.51.100.7") as first,
        client_from(app, "2001:db8:5:6::1") as second,
    ):

        async def first_holds_a_pair(row: str) -> str:
            response = await hold(first, [f"SC-{row}-1", f"SC-{row}-2"])
            assert response.status_code == 201, response.text
            return response.json()["cart"]

        carts = [await first_holds_a_pair("D"), await first_holds_a_pair("E")]  # the first network's limit
        assert (await hold(second, ["SC-D-1"], cart=carts[0])).status_code == 201  # the second takes a cart over
        carts.append(await first_holds_a_pair("F"))  # which freed two of the first network's places
        assert (await hold(second, ["SC-E-1"], cart=carts[1])).status_code == 201  # the second now holds 4
        carts.append(await first_holds_a_pair("G"))
        takeover = await hold(second, ["SC-F-1"], cart=carts[2])
        assert_refused(takeover, "the limit is 4 at once")
        assert_refused(await hold(first, ["SC-H-1"]), "the limit is 4 at once")  # the refused move changed nothing
    assert await db.scalar(select(func.count()).select_from(EventSeat).where(EventSeat.status == "held")) == 2 * 4


async def test_addresses_in_one_ipv6_64_share_a_limit(theatre, settings):
    async with (
        app_with(settings, max_held_per_network=2) as app,
        client_from(app, "2001:db8:1:2::a") as first,
        client_from(app, "2001:db8:1:2:ffff::b") as same_network,
        client_from(app, "2001:db8:1:3::a") as next_network,
    ):
        assert (await hold(first, ["SC-E-1", "SC-E-2"])).status_code == 201
        assert_refused(await hold(same_network, ["SC-E-3"]), "the limit is 2 at once")
        assert (await hold(next_network, ["SC-E-3"])).status_code == 201


async def test_seats_and_standing_places_count_against_one_limit(db, settings):
    await make_seated_event(db, slug="the-gig", layout="arena", tiers={"floor": 3900, "lower": 5900, "upper": 2900})
    async with app_with(settings, max_held_per_network=4) as app, client_from(app, "198.51.100.9") as buyer:
        seats = (await buyer.get("/api/v1/events/the-gig/seats")).json()["seats"]
        keys = [s["key"] for s in seats if s["status"] == "available"][:3]
        assert (await buyer.post("/api/v1/events/the-gig/holds", json={"seats": keys})).status_code == 201
        floor = "/api/v1/events/the-gig/areas/FLOOR/hold"
        assert_refused(await buyer.put(floor, json={"quantity": 2}), "the limit is 4 at once")
        placed = await buyer.put(floor, json={"quantity": 1})
        assert placed.status_code == 200
        cart = placed.json()["cart"]
        assert_refused(await buyer.put(floor, json={"quantity": 2}, headers={"X-Cart": cart}), "the limit is 4")
        assert (await buyer.put(floor, json={"quantity": 0}, headers={"X-Cart": cart})).status_code == 200


async def test_best_available_counts_against_the_same_limit(theatre, settings):
    async with (
        app_with(settings, max_held_per_network=3) as app,
        client_from(app, "198.51.100.14") as first_tab,
        client_from(app, "198.51.100.14") as second_tab,
    ):
        best = {"category": "stalls", "quantity": "2"}
        assert (await Browser(first_tab).post_form("/events/the-play/seats/best", best, htmx=True)).status_code == 200
        refused = await Browser(second_tab).post_form("/events/the-play/seats/best", best, htmx=True)
        assert_refused(refused, "Your internet connection already holds 2 tickets")


async def test_an_account_is_limited_across_networks_and_baskets(theatre, settings):
    async with (
        app_with(settings, max_held_per_network=0, max_held_per_account=3) as app,
        client_from(app, "198.51.100.10") as at_home,
        client_from(app, "203.0.113.10") as on_the_phone,
    ):
        home = Browser(at_home)
        await home.register("limited@example.com")
        picked = await home.post_form("/events/the-play/seats/hold", {"seat": ["SC-F-1", "SC-F-2"]}, htmx=True)
        assert picked.status_code == 200
        phone = Browser(on_the_phone)
        for name in ("usher_session", "usher_csrf"):  # logged in on the phone too, with its own basket
            on_the_phone.cookies.set(name, at_home.cookies[name])
        refused = await phone.post_form("/events/the-play/seats/hold", {"seat": ["SC-F-3", "SC-F-4"]}, htmx=True)
        assert_refused(refused, "Your account already holds 2 tickets")
        assert refused.headers["hx-retarget"] == "#flash"
        allowed = await phone.post_form("/events/the-play/seats/hold", {"seat": ["SC-F-3"]}, htmx=True)
        assert allowed.status_code == 200


async def test_reading_whole_seat_lists_is_rate_limited_per_network(theatre, settings):
    async with (
        app_with(settings, seat_list_rate_limit=2) as app,
        client_from(app, "198.51.100.11") as scraper,
        client_from(app, "203.0.113.11") as visitor,
    ):
        assert (await scraper.get(SEATS)).status_code == 200
        assert (await scraper.get(AREAS)).status_code == 200
        refused = await scraper.get(SEATS)
        assert refused.status_code == 429
        assert "The limit is 2 per 1 minute" in refused.json()["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await scraper.get(AREAS)).status_code == 429
        assert (await visitor.get(SEATS)).status_code == 200


async def test_forwarded_addresses_count_only_from_trusted_proxies(theatre, settings):
    async with (
        app_with(settings, seat_list_rate_limit=1, trusted_proxies=("10.0.0.0/8", "fd00::/8")) as app,
        client_from(app, "10.1.2.3") as proxy,
        client_from(app, "fd00::5") as proxy6,
        client_from(app, "192.0.2.50") as direct,
    ):

        async def via(client, forwarded_for: str) -> int:
            return (await client.get(SEATS, headers={"X-Forwarded-For": forwarded_for})).status_code

        assert await via(proxy, "203.0.113.1") == 200
        assert await via(proxy, "203.0.113.2") == 200  # another buyer behind the same proxy
        assert await via(proxy, "203.0.113.1") == 429
        assert await via(proxy, "198.51.100.99, 203.0.113.1") == 429  # a made-up first hop changes nothing
        assert await via(proxy6, "203.0.113.3, 10.9.9.9") == 200  # trusted hops are skipped right to left
        assert await via(proxy, "203.0.113.3") == 429
        assert await via(direct, "203.0.113.4") == 200  # from an untrusted peer the header is ignored:
        assert await via(direct, "203.0.113.5") == 429  # both requests came from 192.0.2.50


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


async def test_rate_limits_let_requests_through_with_a_log_line_when_redis_is_down(caplog):
    redis = Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0")
    with caplog.at_level(logging.WARNING, logger="app.ratelimit"):
        for _ in range(3):
            await ratelimit.enforce(redis, "seat-list:net:198.51.100.12", 1, 60, "Too many.")
    await redis.aclose()
    assert [r.getMessage() for r in caplog.records] == [
        "rate limit not counted, request let through: Redis unavailable"
    ] * 3
    assert all(r.limit == "seat-list" for r in caplog.records)  # the kind of limit, never the address


async def test_seat_lists_are_served_when_redis_is_down(theatre, settings):
    async with (
        app_with(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0", seat_list_rate_limit=1) as app,
        client_from(app, "198.51.100.13") as visitor,
    ):
        assert [(await visitor.get(SEATS)).status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.internal"])
def test_a_trusted_proxy_that_is_not_a_network_is_refused_at_start(monkeypatch, value):
    from app.config import Settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://unused/usher")
    monkeypatch.setenv("REDIS_URL", "redis://unused")
    monkeypatch.setenv("TRUSTED_PROXIES", f"10.0.0.0/8, {value}")
    with pytest.raises(ValueError, match="TRUSTED_PROXIES must list networks"):
        Settings.from_env()
