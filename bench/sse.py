"""Fan-out: 1,000 SSE viewers on one event; time from a hold's 201 to its delta reaching every viewer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import aiohttp

from bench.holds import percentile


class Crowd:
    """Every viewer's arrival time per seat key; `complete` is set once every viewer has every delta."""

    def __init__(self, viewers: int, holds: int) -> None:
        self.expected = viewers * holds
        self.arrivals: list[dict[str, float]] = [{} for _ in range(viewers)]
        self.ready = [asyncio.Event() for _ in range(viewers)]
        self.delivered = 0
        self.complete = asyncio.Event()
        self.errors: list[str] = []

    def arrived(self, viewer: int, key: str) -> None:
        if key not in self.arrivals[viewer]:
            self.arrivals[viewer][key] = time.perf_counter()
            self.delivered += 1
            if self.delivered == self.expected:
                self.complete.set()

    async def watch(self, viewer: int, session: aiohttp.ClientSession, url: str) -> None:
        try:
            async with session.get(url) as response:
                if response.status != 200:
                    self.errors.append(f"HTTP {response.status}")
                    return
                event = ""
                async for raw in response.content:
                    line = raw.decode().rstrip("\r\n")
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "snapshot":
                        self.ready[viewer].set()
                    elif line.startswith("data:") and event == "delta":
                        for change in json.loads(line[5:])["changes"]:
                            if change["status"] == "held":
                                self.arrived(viewer, change["key"])
        except (aiohttp.ClientError, OSError) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.ready[viewer].set()  # never leave the start waiting on a viewer that failed


async def fan_out(base: str, viewers: int, holds: int) -> dict:
    url = f"{base}/events/demo-stadium/live"
    crowd = Crowd(viewers, holds)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as session:
        tasks = [asyncio.create_task(crowd.watch(n, session, url)) for n in range(viewers)]
        connect_started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in crowd.ready)), timeout=180)
        connected_in = time.perf_counter() - connect_started
        async with session.get(f"{base}/api/v1/events/demo-stadium/seats") as response:
            free = [s["key"] for s in (await response.json())["seats"] if s["status"] == "available"]
        sent: dict[str, tuple[float, float]] = {}  # key -> (request sent, 201 received)
        carts: dict[str, str] = {}
        for key in free[:holds]:
            started = time.perf_counter()
            async with session.post(f"{base}/api/v1/events/demo-stadium/holds", json={"seats": [key]}) as response:
                assert response.status == 201, await response.text()
                sent[key] = (started, time.perf_counter())
                carts[key] = response.headers["X-Cart"]
            await asyncio.sleep(0.2)  # one hold at a time: each delta's fan-out is measured on its own
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(crowd.complete.wait(), timeout=10)
        for key, cart in carts.items():  # leave the map as we found it for the next benchmark
            async with session.delete(f"{base}/api/v1/events/demo-stadium/holds/{key}", headers={"X-Cart": cart}):
                pass
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    from_201 = []
    from_request = []
    for arrivals in crowd.arrivals:
        for key, (started, confirmed) in sent.items():
            if key in arrivals:
                from_201.append(max(arrivals[key] - confirmed, 0.0))
                from_request.append(arrivals[key] - started)
    return {
        "viewers": viewers,
        "holds": holds,
        "connected_in_s": round(connected_in, 2),
        "deliveries": len(from_201),
        "missing": crowd.expected - len(from_201),
        "viewer_errors": len(crowd.errors),
        "first_errors": crowd.errors[:3],
        "p50_ms": round(percentile(from_201, 50) * 1000, 1),
        "p99_ms": round(percentile(from_201, 99) * 1000, 1),
        "max_ms": round(max(from_201, default=0) * 1000, 1),
        "from_request_p99_ms": round(percentile(from_request, 99) * 1000, 1),
    }
