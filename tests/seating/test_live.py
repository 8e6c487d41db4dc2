"""Live updates: deltas after commit over Redis, fan-out in each process, replay after reconnect, the sweeper."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text

from app.live import channel
from app.seating.jobs import sweep_holds
from app.seating.models import EventSeat
from tests.conftest import app_server


@pytest.fixture(scope="module")
def two_servers(database_url, redis_url, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """Two separate app processes, as behind a load balancer."""
    with (
        app_server(database_url, redis_url, tmp_path_factory.mktemp("a")) as first,
        app_server(database_url, redis_url, tmp_path_factory.mktemp("b")) as second,
    ):
        yield first, second


class SSE:
    """Reads `event:`/`id:`/`data:` blocks from a text/event-stream response."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self, within: float = 5.0) -> dict:
        async def read() -> dict:
            message: dict = {}
            async for line in self.lines:
                if not line:
                    if "data" in message:
                        return message
                    message = {}
                    continue
                field, _, value = line.partition(":")
                if field:  # comment lines (keepalives) have an empty field name
                    message[field] = value.lstrip()
            raise EOFError

        message = await asyncio.wait_for(read(), within)
        message["json"] = json.loads(message["data"])
        return message


@asynccontextmanager
async def sse(base_url: str, path: str, headers: dict | None = None) -> AsyncIterator[SSE]:
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as client,
        client.stream("GET", path, headers=headers or {}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield SSE(response)


async def test_a_hold_through_one_process_reaches_an_sse_client_of_the_other(theatre, two_servers):
    first, second = two_servers
    async with sse(second, "/events/the-play/live") as stream:
        snapshot = await stream.next()
        assert snapshot["event"] == "snapshot"
        assert snapshot["json"]["seats"] == []  # everything available
        async with httpx.AsyncClient(base_url=first) as api:
            held = await api.post("/api/v1/events/the-play/holds", json={"seats": ["SC-A-7", "SC-A-8"]})
            assert held.status_code == 201
            delta = await stream.next()
            assert delta["event"] == "delta"
            assert {(c["key"], c["status"]) for c in delta["json"]["changes"]} == {
                ("SC-A-7", "held"),
                ("SC-A-8", "held"),
            }
            await api.delete("/api/v1/events/the-play/holds/SC-A-7", headers={"X-Cart": held.json()["cart"]})
            released = await stream.next()
            assert [(c["key"], c["status"]) for c in released["json"]["changes"]] == [("SC-A-7", "available")]
            assert released["json"]["changes"][0]["v"] > delta["json"]["changes"][0]["v"]


async def test_reconnecting_with_last_event_id_replays_exactly_what_was_missed(theatre, two_servers):
    first, _ = two_servers
    async with sse(first, "/events/the-play/live") as stream:
        last_id = (await stream.next())["id"]
    async with httpx.AsyncClient(base_url=first) as api:
        for key in ("SC-C-1", "SC-C-2"):
            assert (await api.post("/api/v1/events/the-play/holds", json={"seats": [key]})).status_code == 201
    async with sse(first, "/events/the-play/live", {"Last-Event-ID": last_id}) as stream:
        replayed = [await stream.next(), await stream.next()]
    assert [m["event"] for m in replayed] == ["delta", "delta"]
    assert [m["json"]["changes"][0]["key"] for m in replayed] == ["SC-C-1", "SC-C-2"]


async def test_a_reconnect_from_an_unknown_point_gets_a_fresh_snapshot(theatre, two_servers):
    first, _ = two_servers
    async with httpx.AsyncClient(base_url=first) as api:
        await api.post("/api/v1/events/the-play/holds", json={"seats": ["SC-D-4"]})
    for stale in ("1-0", "not-an-id"):
        async with sse(first, "/events/the-play/live", {"Last-Event-ID": stale}) as stream:
            message = await stream.next()
        assert message["event"] == "snapshot"
        assert [s[0] for s in message["json"]["seats"]] == ["SC-D-4"]


async def test_the_sweeper_frees_expired_holds_and_announces_them(theatre, client, db, settings):
    await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-E-1", "SC-E-2"]})
    await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-E-3"]})
    await db.execute(
        text("UPDATE event_seats SET held_until = now() - interval '1 second' WHERE key IN ('SC-E-1', 'SC-E-2')")
    )
    await db.commit()
    redis = Redis.from_url(settings.redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel(theatre.id))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    from app.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url, pool_size=2)
    ctx = {"sessionmaker": create_sessionmaker(engine), "redis": redis}
    assert await sweep_holds(ctx) == 2
    assert await sweep_holds(ctx) == 0  # idempotent
    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
    payload = json.loads(message["data"].decode().partition(" ")[2])
    assert sorted(c["key"] for c in payload["changes"]) == ["SC-E-1", "SC-E-2"]
    assert {c["status"] for c in payload["changes"]} == {"available"}
    statuses = dict(
        (await db.execute(select(EventSeat.key, EventSeat.status).where(EventSeat.key.like("SC-E-%")))).all()
    )
    assert (statuses["SC-E-1"], statuses["SC-E-3"]) == ("available", "held")
    await pubsub.aclose()
    await redis.aclose()
    await engine.dispose()


async def test_organizers_block_and_unblock_seats_through_the_api(theatre, client, db):
    from app.accounts.organizations import create_api_token
    from tests.seating.conftest import make_seated_event

    org_id = theatre.actor.organizations[0].id
    auth = {"Authorization": f"Bearer {await create_api_token(db, theatre.actor, org_id, name='box office')}"}
    blocked = await client.post("/api/v1/events/the-play/blocks", json={"seats": ["SC-A-1", "SC-A-2"]}, headers=auth)
    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"
    assert (await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-A-1"]})).status_code == 409
    unblocked = await client.post(
        "/api/v1/events/the-play/blocks", json={"seats": ["SC-A-1"], "blocked": False}, headers=auth
    )
    assert unblocked.json()["seats"] == ["SC-A-1"]
    assert (await client.post("/api/v1/events/the-play/holds", json={"seats": ["SC-A-1"]})).status_code == 201

    other = await make_seated_event(db, slug="other-play")
    other_auth = {
        "Authorization": "Bearer "
        + await create_api_token(db, other.actor, other.actor.organizations[0].id, name="other")
    }
    response = await client.post(
        "/api/v1/events/the-play/blocks", json={"seats": ["SC-A-2"], "blocked": False}, headers=other_auth
    )
    assert response.status_code == 404
