"""PostgreSQL faults under load, on a PostgreSQL of this module's own (pgserver in a temp dir: the shared test
server is never touched). The app runs as production runs it (a uvicorn process); buyers hold and release seats,
read the seat list and the event page, place and read orders. Backends are terminated and the server restarted
under that load: every request gets an answer in bounded time (503 "try again" while the database is gone, never
a 500), every endpoint answers correctly again within 5 s, and the pool keeps no dead connection."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis import Redis as SyncRedis

from app.cli import migrate
from app.config import normalize_database_url
from app.db import create_engine, create_sessionmaker
from tests.conftest import TEST_REDIS_DB, _settings_for, app_server, asyncpg_dsn, run_blocking, with_redis_db
from tests.seating.conftest import make_seated_event

RECOVERY_SECONDS = 5
# Longer than any answer may take: a request still open after this is a hang.
REQUEST_TIMEOUT = 8
POOL_SIZE = 4
# One test client is every buyer here: the limits per client (0 = none) would refuse the load, not the fault.
NO_ABUSE_LIMITS = {
    name: "0"
    for name in (
        "HOLD_RATE_PER_IP",
        "HOLD_RATE_PER_CART",
        "MAX_HELD_PER_NETWORK",
        "MAX_ORDERS_PER_EMAIL",
        "CHECKOUT_RATE_LIMIT",
        "SEAT_LIST_RATE_LIMIT",
    )
}
SLUG = "the-play"


@dataclass(frozen=True)
class OwnPostgres:
    server: Any  # pgserver.PostgresServer
    database_url: str

    @property
    def dsn(self) -> str:
        return asyncpg_dsn(self.database_url)

    def restart(self) -> None:
        """`pg_ctl restart -m fast`, as an operator or an upgrade does: every backend is terminated."""
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=self.server.pgdata, user=self.server.system_user, timeout=30)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    # Not under pytest's tmp dir: PostgreSQL runs as another user, who may not enter that one.
    parent = Path(tempfile.mkdtemp(prefix="usher-faults-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs complains about XDG_RUNTIME_DIR inside pgserver
        import pgserver

        server = pgserver.get_server(parent / "pgdata", cleanup_mode="delete")
    server.psql("CREATE DATABASE usher_faults;")
    database_url = normalize_database_url(server.get_uri("usher_faults"))
    run_blocking(migrate, _settings_for(database_url, "redis://unused"))
    yield OwnPostgres(server, database_url)
    server.cleanup()
    shutil.rmtree(parent, ignore_errors=True)


@dataclass(frozen=True)
class Sale:
    base_url: str
    seats: list[str]  # not yet used by a test of this module
    postgres: OwnPostgres

    def take(self, count: int) -> list[str]:
        taken, self.seats[:] = self.seats[:count], self.seats[count:]
        assert len(taken) == count, "the theatre ran out of seats for these tests"
        return taken


async def _published_event(database_url: str) -> list[str]:
    engine = create_engine(database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        event = await make_seated_event(session, slug=SLUG)
    await engine.dispose()
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await connection.fetch("SELECT key FROM event_seats WHERE event_id = $1 ORDER BY key", event.id)
    finally:
        await connection.close()
    return [row["key"] for row in rows]


@pytest.fixture(scope="module")
def sale(own_postgres: OwnPostgres, server_urls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sale]:
    """A published seated event and the app serving it from a small pool (so every connection is reused)."""
    seats = run_blocking(asyncio.run, _published_event(own_postgres.database_url))
    redis_url = with_redis_db(server_urls[1], TEST_REDIS_DB)
    with app_server(
        own_postgres.database_url,
        redis_url,
        tmp_path_factory.mktemp("mail"),
        DB_POOL_SIZE=str(POOL_SIZE),
        **NO_ABUSE_LIMITS,
    ) as base_url:
        yield Sale(base_url, seats, own_postgres)
    SyncRedis.from_url(redis_url).flushdb()


@pytest.fixture
async def client(sale: Sale) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sale.base_url, timeout=REQUEST_TIMEOUT) as test_client:
        yield test_client


# --- load ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    sent: float
    took: float
    endpoint: str
    status: int | None  # None: no answer at all (a timeout or a dropped connection)
    ok: bool
    body: str


@dataclass
class Load:
    """Buyers running against the app until stopped; every answer is kept."""

    client: httpx.AsyncClient
    answers: list[Answer] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    answered: dict[str, asyncio.Event] = field(default_factory=dict)

    async def ask(self, endpoint: str, expected: set[int], method: str, url: str, **kwargs) -> httpx.Response | None:
        sent = time.monotonic()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.answers.append(Answer(sent, time.monotonic() - sent, endpoint, None, False, repr(exc)))
            return None
        ok = response.status_code in expected
        self.answers.append(Answer(sent, time.monotonic() - sent, endpoint, response.status_code, ok, response.text))
        if ok:
            self.answered.setdefault(endpoint, asyncio.Event()).set()
        return response if ok else None

    async def browse(self, seat: str) -> None:
        """Hold a seat, read the seat list and the event page, release the seat; again and again."""
        cart: dict[str, str] = {}
        while not self.stop.is_set():
            held = await self.ask(
                "hold", {201}, "POST", f"/api/v1/events/{SLUG}/holds", json={"seats": [seat]}, headers=cart
            )
            if held is not None:
                cart = {"X-Cart": held.headers["X-Cart"]}
            await self.ask("seat list", {200}, "GET", f"/api/v1/events/{SLUG}/seats", headers=cart)
            await self.ask("event page", {200}, "GET", f"/events/{SLUG}")
            if cart:
                await self.ask("release", {204}, "DELETE", f"/api/v1/events/{SLUG}/holds/{seat}", headers=cart)

    async def buy(self, seats: Iterator[str]) -> None:
        """Hold a seat in a new cart, place the order, read it; then the next seat."""
        for seat in seats:
            if self.stop.is_set():
                return
            held = await self.ask("hold", {201}, "POST", f"/api/v1/events/{SLUG}/holds", json={"seats": [seat]})
            if held is None:
                continue
            cart = {"X-Cart": held.headers["X-Cart"]}
            buyer = {"event": SLUG, "email": f"buyer-{uuid.uuid4().hex[:8]}@example.com", "name": "Ada"}
            placed = await self.ask("place order", {200, 201}, "POST", "/api/v1/orders", json=buyer, headers=cart)
            if placed is None:  # a repeated request returns the order if the first one was placed after all
                placed = await self.ask("place order", {200, 201}, "POST", "/api/v1/orders", json=buyer, headers=cart)
            if placed is not None:
                token = {"X-Order-Token": placed.headers["X-Order-Token"]}
                await self.ask("read order", {200}, "GET", f"/api/v1/orders/{placed.json()['number']}", headers=token)

    async def warmed_up(self) -> None:
        endpoints = ("hold", "seat list", "event page", "release", "place order", "read order")
        for endpoint in endpoints:
            await asyncio.wait_for(self.answered.setdefault(endpoint, asyncio.Event()).wait(), timeout=15)

    def failures(self) -> list[Answer]:
        return [a for a in self.answers if not a.ok]


async def _under_load(sale: Sale, client: httpx.AsyncClient, fault) -> tuple[Load, float]:
    """Run the load, apply `fault` once it is warm, keep going until every endpoint has answered correctly for a
    while after the last failure (or the recovery deadline passed). Returns the load and when the fault ended."""
    load = Load(client)
    browsing, buying = sale.take(4), iter(sale.take(60))
    tasks = [asyncio.create_task(load.browse(seat)) for seat in browsing] + [asyncio.create_task(load.buy(buying))]
    try:
        await load.warmed_up()
        await fault()
        fault_over = time.monotonic()
        deadline = fault_over + RECOVERY_SECONDS + 5  # room for a slow machine to show each endpoint again
        while time.monotonic() < deadline:
            last_failure = max((a.sent + a.took for a in load.failures()), default=fault_over)
            calm = {a.endpoint for a in load.answers if a.ok and a.sent > max(last_failure, fault_over) + 1}
            if len(calm) == 6:
                break
            await asyncio.sleep(0.1)  # the load runs meanwhile; this only decides when it has run long enough
    finally:
        load.stop.set()
        await asyncio.gather(*tasks)
    return load, fault_over


def _assert_recovered(load: Load, fault_over: float) -> None:
    unanswered = [a for a in load.answers if a.status is None]
    assert not unanswered, f"requests without an answer: {unanswered[:3]}"
    assert max(a.took for a in load.answers) < REQUEST_TIMEOUT
    wrong = [(a.endpoint, a.status, a.body[:200]) for a in load.failures() if a.status != 503]
    assert not wrong, f"answers other than the right one or a 503: {wrong[:5]}"
    for unavailable in load.failures():
        assert "try again" in unavailable.body
    late = [
        (a.endpoint, round(a.sent - fault_over, 2)) for a in load.failures() if a.sent > fault_over + RECOVERY_SECONDS
    ]
    assert not late, f"still failing {RECOVERY_SECONDS} s after the fault: {late[:5]}"
    last_failure = max((a.sent for a in load.failures()), default=fault_over)
    recovered = {a.endpoint for a in load.answers if a.ok and a.sent > last_failure}
    missing = {"hold", "seat list", "event page", "release", "place order", "read order"} - recovered
    assert not missing, f"not answered correctly since the last failure: {missing}"


# --- the faults ------------------------------------------------------------------------------------------------


async def _admin(postgres: OwnPostgres, sql: str, *args: object) -> Any:
    connection = await asyncpg.connect(postgres.dsn)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


async def _terminate_app_connections(postgres: OwnPostgres) -> int:
    return await _admin(
        postgres,
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = 'usher'",
    )


async def test_terminated_connections_cost_at_most_a_503_and_every_endpoint_answers_again_within_5_s(sale, client):
    terminated: list[int] = []

    async def kill_every_app_connection() -> None:
        terminated.append(await _terminate_app_connections(sale.postgres))

    load, fault_over = await _under_load(sale, client, kill_every_app_connection)
    assert terminated[0] >= 1
    _assert_recovered(load, fault_over)


async def test_a_postgresql_restart_under_load_costs_at_most_a_503_and_every_endpoint_answers_again_within_5_s(
    sale, client
):
    async def restart() -> None:
        await asyncio.to_thread(sale.postgres.restart)

    load, fault_over = await _under_load(sale, client, restart)
    _assert_recovered(load, fault_over)
    # the app's pool holds only connections to the new server, and no more than its size
    assert await _admin(sale.postgres, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'usher'") >= 1
    assert await _admin(sale.postgres, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'usher'") <= (
        POOL_SIZE
    )


# --- a connection killed in the middle of a statement ---------------------------------------------------------


async def _killed_while_waiting_for(postgres: OwnPostgres, seat: str, request) -> httpx.Response:
    """Lock the seat's row, send the request (which waits for that lock), terminate the backend serving it."""
    blocker = await asyncpg.connect(postgres.dsn)
    try:
        async with blocker.transaction():
            await blocker.execute("SELECT 1 FROM event_seats WHERE key = $1 FOR UPDATE", seat)
            pending = asyncio.create_task(request())
            deadline = time.monotonic() + 2  # the app's lock_timeout is 3 s
            while True:
                await blocker.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view stands still
                pid = await blocker.fetchval(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'usher' AND wait_event_type = 'Lock'"
                )
                if pid:
                    break
                assert time.monotonic() < deadline, "the request never waited for the seat"
                await asyncio.sleep(0.01)
            assert await blocker.fetchval("SELECT pg_terminate_backend($1)", pid)
            return await pending
    finally:
        await blocker.close()


async def test_a_hold_whose_connection_dies_mid_statement_is_told_to_try_again_and_the_retry_holds(sale, client):
    [seat] = sale.take(1)
    cart: dict[str, str] = {}

    async def hold():
        return await client.post(f"/api/v1/events/{SLUG}/holds", json={"seats": [seat]}, headers=cart)

    refused = await _killed_while_waiting_for(sale.postgres, seat, hold)
    assert refused.status_code == 503
    assert "try again" in refused.json()["detail"]
    for _ in range(POOL_SIZE + 1):  # whichever pooled connection serves it
        retried = await hold()
        assert retried.status_code == 201, retried.text
        cart["X-Cart"] = retried.headers["X-Cart"]
    assert retried.json()["seats"] == [seat]


async def test_an_order_whose_connection_dies_mid_transaction_is_told_to_try_again_and_is_placed_whole_once(
    sale, client
):
    seats = sale.take(2)
    held = await client.post(f"/api/v1/events/{SLUG}/holds", json={"seats": seats})
    assert held.status_code == 201, held.text
    cart = {"X-Cart": held.headers["X-Cart"]}
    buyer = {"event": SLUG, "email": "grace@example.com", "name": "Grace Hopper"}

    async def place():
        return await client.post("/api/v1/orders", json=buyer, headers=cart)

    refused = await _killed_while_waiting_for(sale.postgres, seats[1], place)
    assert refused.status_code == 503
    assert "try again" in refused.json()["detail"]
    assert await _admin(sale.postgres, "SELECT count(*) FROM orders WHERE buyer_email = 'grace@example.com'") == 0
    placed = await place()
    assert placed.status_code == 201, placed.text
    assert sorted(line["key"] for line in placed.json()["lines"]) == sorted(seats)
    assert (await place()).status_code == 200  # repeated: the same order
    assert await _admin(sale.postgres, "SELECT count(*) FROM orders WHERE buyer_email = 'grace@example.com'") == 1
