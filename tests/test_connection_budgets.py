"""Connection budgets, against the app as production runs it (a uvicorn process): live viewers share one Redis
subscription per channel per process and hold no Redis connection of the pool, so hundreds of open dashboards
leave logins and holds as quick as ever; streams beyond the per-client or per-process cap get a clear refusal
with Retry-After (the browser's EventSource retries; the page works without live updates)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.checkin.dashboard import announce_scans, checkins_channel
from tests.conftest import app_server
from tests.seating.conftest import SeatedEvent, make_seated_event

SLUG = "the-play"
PASSWORD = "correct-horse-battery"
STREAMS = 200
QUICK_SECONDS = 2.0  # a login or a hold slower than this while the streams are open means they starve the app
EVENT_STREAM = {"Accept": "text/event-stream", "Accept-Encoding": "identity"}


@pytest.fixture
async def theatre(db) -> SeatedEvent:
    theatre = await make_seated_event(db, slug=SLUG)
    await db.execute(update(User).where(User.id == theatre.actor.user_id).values(password_hash=hash_password(PASSWORD)))
    await db.commit()
    return theatre


class Stream:
    """One open text/event-stream response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next_event(self, within: float = 10) -> str:
        """The name of the next event that carries data (keepalive comments are skipped)."""

        async def read() -> str:
            name, has_data = "message", False
            async for line in self.lines:
                if not line and has_data:
                    return name
                if line.startswith("event:"):
                    name = line.partition(":")[2].strip()
                has_data = has_data or line.startswith("data:")
            raise EOFError

        return await asyncio.wait_for(read(), within)


async def open_stream(client: httpx.AsyncClient, path: str) -> httpx.Response:
    return await client.send(client.build_request("GET", path, headers=EVENT_STREAM), stream=True)


@asynccontextmanager
async def logged_in(base_url: str, email: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=httpx.Limits(max_connections=None)) as client:
        await client.get("/login")
        response = await client.post(
            "/login", data={"email": email, "password": PASSWORD, "_csrf_token": client.cookies["usher_csrf"]}
        )
        assert response.status_code in (302, 303), response.text
        yield client


async def timed(request) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


async def admitted_again(client: httpx.AsyncClient, path: str, within: float = 5) -> Stream:
    """A new stream once a closed one has given its place back (the server notices the disconnect by itself)."""
    deadline = time.monotonic() + within
    while True:
        response = await open_stream(client, path)
        if response.status_code == 200:
            return Stream(response)
        await response.aclose()
        assert time.monotonic() < deadline, "a closed stream never gave its place back"
        await asyncio.sleep(0.05)


async def test_two_hundred_open_dashboards_share_one_subscription_and_logins_and_holds_stay_quick(
    theatre, database_url, redis_url, tmp_path
):
    live_path = f"/manage/events/{SLUG}/checkins/live"
    with app_server(database_url, redis_url, tmp_path, LIVE_STREAMS_PER_CLIENT=str(STREAMS)) as base_url:
        async with logged_in(base_url, theatre.actor.email) as manager:
            responses = await asyncio.gather(*(open_stream(manager, live_path) for _ in range(STREAMS)))
            try:
                assert [r.status_code for r in responses] == [200] * STREAMS
                streams = [Stream(r) for r in responses]
                assert set(await asyncio.gather(*(s.next_event() for s in streams))) == {"stats"}

                redis = Redis.from_url(redis_url)
                try:
                    assert await redis.pubsub_numsub(checkins_channel(theatre.id)) == [
                        (checkins_channel(theatre.id).encode(), 1)
                    ]
                    # One scan announced once reaches every open dashboard.
                    await announce_scans(redis, theatre.id)
                    assert set(await asyncio.gather(*(s.next_event() for s in streams))) == {"stats"}
                finally:
                    await redis.aclose()

                for n in range(5):
                    async with httpx.AsyncClient(base_url=base_url, timeout=30) as visitor:
                        await visitor.get("/login")
                        login, login_seconds = await timed(
                            visitor.post(
                                "/login",
                                data={
                                    "email": theatre.actor.email,
                                    "password": PASSWORD,
                                    "_csrf_token": visitor.cookies["usher_csrf"],
                                },
                            )
                        )
                        hold, hold_seconds = await timed(
                            visitor.post(f"/api/v1/events/{SLUG}/holds", json={"seats": [f"SC-J-{n + 1}"]})
                        )
                    assert login.status_code in (302, 303), login.text
                    assert hold.status_code == 201, hold.text
                    assert login_seconds < QUICK_SECONDS and hold_seconds < QUICK_SECONDS, (login_seconds, hold_seconds)

                # The cap per client refuses the next stream, dashboard or seat map, and says why.
                for path in (live_path, f"/events/{SLUG}/live"):
                    refused = await manager.get(path, headers=EVENT_STREAM)
                    assert refused.status_code == 429
                    assert int(refused.headers["retry-after"]) > 0
                    assert "Too many live views are open from your network" in refused.text
            finally:
                await asyncio.gather(*(r.aclose() for r in responses))
            again = await admitted_again(manager, live_path)
            assert await again.next_event() == "stats"
            await again.response.aclose()


async def test_a_full_process_refuses_new_viewers_with_503_and_the_seat_page_still_works(
    theatre, database_url, redis_url, tmp_path
):
    live_path = f"/events/{SLUG}/live"
    with app_server(database_url, redis_url, tmp_path, LIVE_STREAMS_PER_PROCESS="2") as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
            first, second = [Stream(await open_stream(browser, live_path)) for _ in range(2)]
            assert (first.response.status_code, second.response.status_code) == (200, 200)
            assert await first.next_event() == "snapshot"

            refused = await browser.get(live_path, headers=EVENT_STREAM)
            assert refused.status_code == 503
            assert int(refused.headers["retry-after"]) > 0
            assert "live updates resume by themselves" in refused.text
            assert (await browser.get(f"/events/{SLUG}/seats")).status_code == 200

            await first.response.aclose()
            third = await admitted_again(browser, live_path)
            assert await third.next_event() == "snapshot"
            await asyncio.gather(second.response.aclose(), third.response.aclose())
