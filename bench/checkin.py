"""Door check-in: 20 scanners checking in 10,000 tickets of the stadium event as fast as they can.
Reports check-ins/s and latency; then checks that no ticket was checked in twice (goal: >= 500/s, p99 <= 100 ms)."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid

import aiohttp
import asyncpg
import httpx

from app.seed import DEMO_PASSWORD
from app.tickets.signing import sign_ticket, signing_key
from bench.holds import percentile

TICKETS = 10_000


async def _issue_tickets(database_url: str, secret_key: str) -> list[str]:
    """10,000 paid tickets for seats of demo-stadium, written straight to the database, as QR texts."""
    from app.db import create_engine, create_sessionmaker

    dsn = database_url.replace("+asyncpg", "")
    connection = await asyncpg.connect(dsn)
    try:
        event = await connection.fetchrow("SELECT id, organization_id FROM events WHERE slug = 'demo-stadium'")
        await connection.execute(
            "UPDATE events SET starts_at = now() + interval '1 hour', ends_at = now() + interval '4 hours'"
            " WHERE id = $1",
            event["id"],
        )
        seats = await connection.fetch(
            "SELECT key, section_name, row_label, number FROM event_seats WHERE event_id = $1 ORDER BY key LIMIT $2",
            event["id"],
            TICKETS,
        )
        order_id = uuid.uuid4()
        await connection.execute(
            "INSERT INTO orders (id, number, event_id, organization_id, origin_cart_id, buyer_email, buyer_name,"
            " status, currency, subtotal_minor, discount_minor, fee_minor, total_minor, provider, expires_at,"
            " paid_at, created_at, updated_at) VALUES ($1, 'UBENCH001', $2, $3, $1, 'bench@example.com',"
            " 'Bench Buyer', 'paid', 'EUR', 0, 0, 0, 0, 'free', now(), now(), now(), now())",
            order_id,
            event["id"],
            event["organization_id"],
        )
        tickets = [
            (
                uuid.uuid4(),
                secrets.token_urlsafe(16),
                order_id,
                event["id"],
                event["organization_id"],
                s["key"],
                f"{s['section_name']} · row {s['row_label']} · seat {s['number']}",
                "Category 1",
                f"Fan {n}",
            )
            for n, s in enumerate(seats)
        ]
        await connection.copy_records_to_table(
            "tickets",
            records=[(*t, "valid") for t in tickets],
            columns=[
                "id",
                "code",
                "order_id",
                "event_id",
                "organization_id",
                "seat_key",
                "label",
                "tier_name",
                "attendee_name",
                "status",
            ],
        )
    finally:
        await connection.close()
    engine = create_engine(database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        key = await signing_key(session, event["organization_id"], secret_key)
        await session.commit()
    await engine.dispose()
    return [sign_ticket(key, t[1], event["id"], event["organization_id"]) for t in tickets]


def _log_in(base: str) -> tuple[dict, str]:
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        client.get("/login")
        token = client.cookies["usher_csrf"]
        response = client.post(
            "/login", data={"email": "organizer@usher.test", "password": DEMO_PASSWORD, "_csrf_token": token}
        )
        assert response.status_code in (302, 303), response.text
        return dict(client.cookies), token


async def _scanner(session, base, codes, device, latencies, results) -> None:
    for code in codes:
        started = time.perf_counter()
        async with session.post(
            f"{base}/scan/demo-stadium/check-in", json={"code": code, "device": device}
        ) as response:
            verdict = await response.json() if response.status == 200 else {"result": f"http {response.status}"}
        latencies.append(time.perf_counter() - started)
        results[verdict["result"]] = results.get(verdict["result"], 0) + 1


async def check_in_rush(base: str, database_url: str, secret_key: str, scanners: int = 20) -> dict:
    codes = await _issue_tickets(database_url, secret_key)
    cookies, token = await asyncio.to_thread(_log_in, base)
    latencies: list[float] = []
    results: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=scanners)
    async with aiohttp.ClientSession(connector=connector, cookies=cookies, headers={"X-CSRFToken": token}) as session:
        started = time.perf_counter()
        await asyncio.gather(
            *(_scanner(session, base, codes[n::scanners], f"gate-{n}", latencies, results) for n in range(scanners))
        )
        elapsed = time.perf_counter() - started
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        checked = await connection.fetchval("SELECT count(*) FROM tickets WHERE checked_in_at IS NOT NULL")
        valid_scans = await connection.fetchval("SELECT count(*) FROM scans WHERE result = 'valid'")
        doubles = await connection.fetchval(
            "SELECT count(*) FROM (SELECT ticket_id FROM scans WHERE result = 'valid'"
            " GROUP BY ticket_id HAVING count(*) > 1) d"
        )
    finally:
        await connection.close()
    return {
        "scanners": scanners,
        "tickets": len(codes),
        "seconds": round(elapsed, 1),
        "check_ins_per_s": round(len(latencies) / elapsed, 1),
        "results": results,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "checked_in_in_db": checked,
        "valid_scans": valid_scans,
        "double_check_ins": doubles,
    }
