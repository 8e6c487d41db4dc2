"""What the API fuzzer aims at: the app as production runs it (a uvicorn process) on a database of its own for the
module, with two organizations each selling a seated event, an API token of the first, a placed order and a cart
that holds a seat. Its own database, because the fuzzer's operations run as separate tests that share this data."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from redis import Redis as SyncRedis

from app.accounts.organizations import create_api_token
from app.db import create_engine, create_sessionmaker
from tests.conftest import app_server, migrated_database, run_blocking
from tests.seating.conftest import make_seated_event

ARENA_TIERS = {"floor": 3000, "lower": 5500, "upper": 2500}


@dataclass(frozen=True)
class Seeded:
    base_url: str
    token: str  # an API token of the organization that owns `own_event`
    own_event: str
    own_seats: list[str]
    own_organization: str
    foreign_event: str  # another organization's event: the token must never change it
    foreign_seats: list[str]
    foreign_organization: str
    area: str
    cart: str  # holds one seat of the foreign event
    order_number: str
    order_token: str


async def _seed_organizations(database_url: str) -> tuple[str, str, str]:
    """Returns (API token, own organization slug, foreign organization slug)."""
    engine = create_engine(database_url, pool_size=2)
    try:
        async with create_sessionmaker(engine)() as db:
            own = await make_seated_event(db, slug="own-show")
            foreign = await make_seated_event(db, slug="arena-night", layout="arena", tiers=ARENA_TIERS)
            own_org = own.actor.organizations[0]
            token = await create_api_token(db, own.actor, own_org.id, name="fuzz")
            return token, own_org.slug, foreign.actor.organizations[0].slug
    finally:
        await engine.dispose()


def _available_keys(http: httpx.Client, slug: str, count: int) -> list[str]:
    seats = http.get(f"/api/v1/events/{slug}/seats").raise_for_status().json()["seats"]
    return [s["key"] for s in seats if s["status"] == "available"][:count]


def _hold(http: httpx.Client, slug: str, keys: list[str]) -> str:
    response = http.post(f"/api/v1/events/{slug}/holds", json={"seats": keys})
    assert response.status_code == 201, response.text
    return response.headers["x-cart"]


@pytest.fixture(scope="module")
def seeded(server_urls: tuple[str, str], redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    SyncRedis.from_url(redis_url).flushdb()  # rate limits a previous run left would refuse the seeding
    with migrated_database(server_urls[0]) as database_url:
        token, own_organization, foreign_organization = run_blocking(asyncio.run, _seed_organizations(database_url))
        mail_dir = tmp_path_factory.mktemp("fuzz-mail")
        with app_server(database_url, redis_url, mail_dir) as base_url, httpx.Client(base_url=base_url) as http:
            foreign_seats = _available_keys(http, "arena-night", 12)
            ordered_cart = _hold(http, "arena-night", foreign_seats[:2])
            placed = http.post(
                "/api/v1/orders",
                json={"event": "arena-night", "email": "ada@example.com", "name": "Ada Lovelace"},
                headers={"X-Cart": ordered_cart},
            )
            assert placed.status_code == 201, placed.text
            yield Seeded(
                base_url=base_url,
                token=token,
                own_event="own-show",
                own_seats=_available_keys(http, "own-show", 12),
                own_organization=own_organization,
                foreign_event="arena-night",
                foreign_seats=foreign_seats[2:],
                foreign_organization=foreign_organization,
                area="FLOOR",
                cart=_hold(http, "arena-night", foreign_seats[2:3]),
                order_number=placed.json()["number"],
                order_token=placed.headers["x-order-token"],
            )
