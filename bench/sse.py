"""Fan-out: 1,000 SSE viewers on one event; time from a hold's 201 to its delta reaching every viewer."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from bench.holds import percentile


class Viewer:
    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.arrivals: dict[str, float] = {}  # seat key -> when its 'held' delta arrived

    async def watch(self, session: aiohttp.ClientSession, url: str) -> None:
        async with session.get(url) as response:
            event = ""
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    if event == "snapshot":
                        self.ready.set()
                    elif event == "delta":
                        now = time.perf_counter()
                        for change in json.loads(line[5:])["changes"]:
                            if change["status"] == "held":
                                self.arrivals.setdefault(change["key"], now)


async def fan_out(base: str, viewers: int, holds: int) -> dict:
    url = f"{base}/events/demo-stadium/live"
    crowd = [Viewer() for _ in range(viewers)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as session:
        tasks = [asyncio.create_task(v.watch(session, url)) for v in crowd]
        connect_started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(v.ready.wait() for v in crowd)), timeout=120)
        connected_in = time.perf_counter() - connect_started
        sent: dict[str, float] = {}
        for n in range(holds):
            key = f"S2-A-{n + 1}"
            async with session.post(f"{base}/api/v1/events/demo-stadium/holds", json={"seats": [key]}) as response:
                assert response.status == 201, await response.text()
                sent[key] = time.perf_counter()
            await asyncio.sleep(0.1)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and not all(len(v.arrivals) >= holds for v in crowd):
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
    delays = [v.arrivals[key] - at for v in crowd for key, at in sent.items() if key in v.arrivals]
    missing = viewers * holds - len(delays)
    return {
        "viewers": viewers, "holds": holds, "connected_in_s": round(connected_in, 2), "deliveries": len(delays),
        "missing": missing, "p50_ms": round(percentile(delays, 50) * 1000, 1),
        "p99_ms": round(percentile(delays, 99) * 1000, 1), "max_ms": round(max(delays, default=0) * 1000, 1),
    }
