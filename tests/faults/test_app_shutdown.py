"""The app (a uvicorn process, as production runs it) stopped with SIGTERM during a burst of holds and orders.
Requests in flight complete, later ones are refused cleanly (never a 500), the process exits on its own, and the
database holds no half-written hold, order or ticket: every cart holds all the seats it asked for or none, every
order has all its lines and its seats, tickets exist exactly for paid orders."""

from __future__ import annotations

import asyncio
import itertools
import signal
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import asyncpg
import httpx
import psutil
import pytest
from sqlalchemy import text

from app.seating.carts import cart_from_token
from tests.conftest import app_server, asyncpg_dsn
from tests.faults.test_postgres_faults import NO_ABUSE_LIMITS
from tests.seating.conftest import make_seated_event

SLUG = "the-play"
BUYERS = 8
# The balcony is free: its orders are issued at once (tickets, seats sold) inside the request.
TIERS = {"premium": 6500, "stalls": 4200, "balcony": 0}


@dataclass
class Server:
    base_url: str
    process: psutil.Process

    def refuses_connections(self) -> bool:
        address = urlsplit(self.base_url)
        try:
            socket.create_connection((address.hostname, address.port), timeout=1).close()
        except OSError:
            return True
        return False


@pytest.fixture
def server(database_url, redis_url, tmp_path) -> Iterator[Server]:
    with app_server(database_url, redis_url, tmp_path / "mail", DB_POOL_SIZE="6", **NO_ABUSE_LIMITS) as base_url:
        port = f"--port {urlsplit(base_url).port} "
        [uvicorn] = [p for p in psutil.Process().children() if port in " ".join(p.cmdline()) + " "]
        yield Server(base_url, uvicorn)


@dataclass
class Attempt:
    """One buyer's try: hold a pair of seats in a new cart, then place the order."""

    seats: list[str]
    cart: uuid.UUID | None = None
    held: int | str | None = None  # the status code, or the transport error's name
    ordered: int | str | None = None
    order_number: str | None = None


@dataclass
class Burst:
    client: httpx.AsyncClient
    secret: str
    attempts: list[Attempt] = field(default_factory=list)
    answers: int = 0
    warm: asyncio.Event = field(default_factory=asyncio.Event)

    async def _send(self, method: str, url: str, **kwargs) -> httpx.Response | str:
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TransportError as exc:  # refused, or closed by the stopping server: no answer at all
            return type(exc).__name__
        self.answers += 1
        if self.answers >= 4 * BUYERS:
            self.warm.set()
        return response

    async def attempt(self, attempt: Attempt) -> bool:
        """False once the server no longer answers."""
        self.attempts.append(attempt)
        held = await self._send("POST", f"/api/v1/events/{SLUG}/holds", json={"seats": attempt.seats})
        if isinstance(held, str):
            attempt.held = held
            return False
        attempt.held = held.status_code
        if held.status_code != 201:
            return True
        token = held.headers["X-Cart"]
        attempt.cart = cart_from_token(self.secret, token)
        buyer = {"event": SLUG, "email": f"{uuid.uuid4().hex[:10]}@example.com", "name": "Ada"}
        placed = await self._send("POST", "/api/v1/orders", json=buyer, headers={"X-Cart": token})
        if isinstance(placed, str):
            attempt.ordered = placed
            return False
        attempt.ordered = placed.status_code
        if placed.status_code == 201:
            attempt.order_number = placed.json()["number"]
        return True

    async def buyer(self, pairs: Iterator[list[str]]) -> None:
        for seats in pairs:
            if not await self.attempt(Attempt(seats)):
                return


def _pairs(keys: list[str]) -> list[list[str]]:
    return [keys[i : i + 2] for i in range(0, len(keys) - 1, 2)]


async def _waiting_for_locks(connection: asyncpg.Connection, count: int) -> None:
    for _ in range(250):  # the app's lock_timeout is 3 s
        await connection.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view stands still
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'usher' AND wait_event_type = 'Lock'"
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the blocked requests never reached their locks")


async def _shutting_down(server: Server) -> None:
    for _ in range(300):
        if server.refuses_connections():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server kept accepting connections after SIGTERM")


async def test_sigterm_during_a_burst_of_holds_completes_what_is_in_flight_and_half_writes_nothing(
    db, settings, server
):
    await make_seated_event(db, tiers=TIERS)
    keys = list(await db.scalars(text("SELECT key FROM event_seats ORDER BY key")))
    stalls = [k for k in keys if not k.startswith("BAL-")]
    balcony = [k for k in keys if k.startswith("BAL-")]
    # Two requests are made to wait in PostgreSQL when the signal comes: a hold and a (free) order.
    slow_hold_seats, slow_order_seats = stalls[-2:], balcony[-2:]
    pairs = _pairs(stalls[:-2]) + _pairs(balcony[:-2])
    lanes = [iter(pairs[i::BUYERS]) for i in range(BUYERS)]

    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        burst = Burst(client, settings.secret_key)
        slow_order = Attempt(slow_order_seats)
        held = await client.post(f"/api/v1/events/{SLUG}/holds", json={"seats": slow_order.seats})
        assert held.status_code == 201
        slow_order.held, slow_order.cart = 201, cart_from_token(settings.secret_key, held.headers["X-Cart"])
        slow_hold = Attempt(slow_hold_seats)

        blocker = await asyncpg.connect(asyncpg_dsn(settings.database_url))
        async with blocker.transaction():
            await blocker.execute(
                "SELECT 1 FROM event_seats WHERE key = ANY($1) FOR UPDATE", [slow_hold.seats[0], slow_order.seats[0]]
            )
            buyers = [asyncio.create_task(burst.buyer(lane)) for lane in lanes]
            in_flight_hold = asyncio.create_task(burst.attempt(slow_hold))
            in_flight_order = asyncio.create_task(
                client.post(
                    "/api/v1/orders",
                    json={"event": SLUG, "email": "slow@example.com", "name": "Slow"},
                    headers={"X-Cart": held.headers["X-Cart"]},
                )
            )
            await asyncio.wait_for(burst.warm.wait(), 20)
            await _waiting_for_locks(blocker, 2)
            server.process.send_signal(signal.SIGTERM)
            await _shutting_down(server)
        await blocker.close()  # the locks go: the two waiting requests finish while the server drains

        placed = await in_flight_order
        await in_flight_hold
        await asyncio.gather(*buyers)
    # it stops by itself once drained (uvicorn re-raises the signal it handled, hence -SIGTERM)
    assert await asyncio.to_thread(server.process.wait, 15) in (0, -signal.SIGTERM)

    # what was in flight when the signal came completed
    assert slow_hold.held == 201
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "paid"  # free: tickets issued in the same request
    slow_order.ordered, slow_order.order_number = 201, placed.json()["number"]
    burst.attempts.append(slow_order)
    # every answer was a real one; the rest was refused at the door, never a 500
    for attempt in burst.attempts:
        assert attempt.held in (201, "ConnectError", "RemoteProtocolError", "ReadError"), attempt
        assert attempt.ordered in (None, 201, "ConnectError", "RemoteProtocolError", "ReadError"), attempt
    assert sum(a.ordered == 201 for a in burst.attempts) >= BUYERS

    await _assert_nothing_half_written(db, burst.attempts)


async def _assert_nothing_half_written(db, attempts: list[Attempt]) -> None:
    rows = await db.execute(text("SELECT key, status, cart_id FROM event_seats"))
    seats = {row.key: (row.status, row.cart_id) for row in rows}
    orders = {
        row.number: row
        for row in await db.execute(
            text(
                "SELECT o.number, o.id, o.status, o.origin_cart_id, array_agg(l.key ORDER BY l.key) AS keys, "
                "(SELECT count(*) FROM tickets t WHERE t.order_id = o.id AND t.status = 'valid') AS tickets "
                "FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id GROUP BY o.id"
            )
        )
    }
    by_cart = {order.origin_cart_id: order for order in orders.values()}
    for attempt in attempts:
        order = by_cart.get(attempt.cart)
        if attempt.ordered == 201:
            assert order is not None and order.number == attempt.order_number
        if order is not None:  # placed (whether or not its answer arrived): whole, with its seats
            assert order.keys == sorted(attempt.seats), order
            expected = ("sold", None) if order.status == "paid" else ("held", order.id)
            assert {seats[k] for k in attempt.seats} == {expected}, (order, attempt)
            assert order.tickets == (len(attempt.seats) if order.status == "paid" else 0)
        elif attempt.cart is not None:  # held (the answer arrived), no order: the cart holds the whole pair
            assert {seats[k] for k in attempt.seats} == {("held", attempt.cart)}, attempt
        else:  # no answer to the hold: all of the pair held by one cart, or none of it
            states = {seats[k] for k in attempt.seats}
            assert states == {("available", None)} or (len(states) == 1 and states.pop()[0] == "held"), attempt
    assert all(order.keys != [None] for order in orders.values())  # no order without lines
    held_by = itertools.groupby(sorted((c, k) for k, (s, c) in seats.items() if s == "held"), key=lambda ck: ck[0])
    assert all(len(list(group)) == 2 for _, group in held_by)  # every hold is a whole pair
