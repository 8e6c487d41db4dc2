"""Flash sale: N buyers hammer a hot block of the 10,400-seat stadium, then PostgreSQL is checked for
double holds and for agreement with every 201 the buyers received."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
import asyncpg

HOT_SECTIONS = ("N2", "N3")
HOT_ROWS = "ABCDEFGHJKLMNPQRST"  # 18 rows x 26 seats x 2 sections = 936 seats
HOLD_KEEP_SECONDS = (0.5, 1.5)


@dataclass
class Buyer:
    cart: str | None = None
    holds: list = field(default_factory=list)  # (keys, received_at, released_at or None)


@dataclass
class Tally:
    attempts: int = 0
    created: int = 0
    conflicts: int = 0
    errors: int = 0
    server_errors: int = 0
    releases: int = 0
    latencies: list[float] = field(default_factory=list)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def _buyer(
    session: aiohttp.ClientSession,
    base: str,
    buyer: Buyer,
    tally: Tally,
    hot: list[str],
    deadline: float,
    rng: random.Random,
    pace: float,
) -> None:
    url = f"{base}/api/v1/events/demo-stadium/holds"
    while time.monotonic() < deadline:
        if pace:  # a person's reaction time between a refusal and the next click
            await asyncio.sleep(rng.uniform(pace / 2, pace * 1.5))
        keys = rng.sample(hot, 2)
        headers = {"X-Cart": buyer.cart} if buyer.cart else {}
        started = time.perf_counter()
        try:
            async with session.post(url, json={"seats": keys}, headers=headers) as response:
                status = response.status
                body = await response.json() if status in (201, 409) else await response.read()
        except (TimeoutError, aiohttp.ClientError):
            tally.errors += 1
            continue
        tally.attempts += 1
        tally.latencies.append(time.perf_counter() - started)
        if status == 201:
            tally.created += 1
            buyer.cart = body["cart"]
            record = [keys, time.monotonic(), None]
            buyer.holds.append(record)
            await asyncio.sleep(rng.uniform(*HOLD_KEEP_SECONDS))  # a buyer looks at their seats for a moment
            if time.monotonic() >= deadline:
                return
            record[2] = time.monotonic()
            for key in keys:
                async with session.delete(f"{url}/{key}", headers={"X-Cart": buyer.cart}) as released:
                    tally.releases += released.status == 204
        elif status == 409:
            tally.conflicts += 1
            buyer.cart = response.headers.get("X-Cart", buyer.cart)
        else:
            tally.errors += 1
            tally.server_errors += status >= 500


async def flash_sale(base: str, database_url: str, clients: int, seconds: float, pace: float = 0.0) -> dict:
    """`pace` 0: every buyer retries the instant a request returns (saturation); otherwise buyers wait about
    `pace` seconds (uniformly 0.5x to 1.5x) before each attempt, like people clicking."""
    hot = [f"{section}-{row}-{n}" for section in HOT_SECTIONS for row in HOT_ROWS for n in range(1, 27)]
    buyers = [Buyer() for _ in range(clients)]
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(_buyer(session, base, b, tally, hot, deadline, random.Random(i), pace) for i, b in enumerate(buyers))
        )
        elapsed = time.monotonic() - started
    integrity = await check_integrity(database_url, buyers, hot)
    return {
        "clients": clients,
        "pace_s": pace,
        "seconds": round(elapsed, 1),
        "hot_seats": len(hot),
        "attempts_per_s": round(tally.attempts / elapsed, 1),
        "holds_per_s": round(tally.created / elapsed, 1),
        "attempts": tally.attempts,
        "created": tally.created,
        "conflicts_409": tally.conflicts,
        "releases": tally.releases,
        "errors": tally.errors,
        "server_errors_5xx": tally.server_errors,
        "p50_ms": round(percentile(tally.latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(tally.latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 99) * 1000, 1),
        **integrity,
    }


async def check_integrity(database_url: str, buyers: list[Buyer], hot: list[str]) -> dict:
    """No seat was promised to two buyers at once, and PostgreSQL agrees with every 201 still standing."""
    intervals = defaultdict(list)
    expected: dict[str, str] = {}
    for buyer in buyers:
        for keys, received, released in buyer.holds:
            for key in keys:
                intervals[key].append((received, released if released is not None else float("inf"), buyer.cart))
                if released is None:
                    expected[key] = buyer.cart.split(".")[0]
    overlaps = 0
    for spans in intervals.values():
        spans.sort()
        latest_end, holder = float("-inf"), None
        for start, end, cart in spans:
            if start < latest_end and cart != holder:
                overlaps += 1
            if end > latest_end:
                latest_end, holder = end, cart
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "SELECT s.key, s.cart_id FROM event_seats s JOIN events e ON e.id = s.event_id "
            "WHERE e.slug = 'demo-stadium' AND s.status = 'held' AND s.held_until > now() AND s.key = ANY($1)",
            hot,
        )
        shape = await connection.fetchval(
            "SELECT count(*) FROM event_seats WHERE (status = 'held') <> (cart_id IS NOT NULL)"
        )
    finally:
        await connection.close()
    actual = {r["key"]: r["cart_id"].hex for r in rows}
    return {
        "double_holds": overlaps + shape,
        "db_matches_201s": actual == expected,
        "held_at_end": len(actual),
        "held_but_not_promised": sorted(k for k in actual if expected.get(k) != actual[k])[:10],
        "promised_but_not_held": sorted(k for k in expected if actual.get(k) != expected[k])[:10],
    }


def summary_line(result: dict) -> str:
    return (
        f"holds ({result['clients']} buyers, pace {result['pace_s']} s): {result['attempts_per_s']} attempts/s, "
        f"{result['holds_per_s']} successful holds/s, "
        f"{result['conflicts_409']} x 409, {result['errors']} errors ({result['server_errors_5xx']} x 5xx), "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
        f"double holds {result['double_holds']}, PostgreSQL agrees with the 201s: {result['db_matches_201s']}"
    )
