"""The stadium seat-map page: server time and compressed size as a browser fetches it."""

from __future__ import annotations

import time

import httpx

from bench.holds import percentile


def seat_map_page(base: str, requests: int = 40) -> dict:
    url = f"{base}/events/demo-stadium/seats"
    timings, sizes = [], {}
    with httpx.Client(timeout=30) as client:
        for encoding in ("br", "gzip", "identity"):
            response = client.get(url, headers={"Accept-Encoding": encoding})
            sizes[encoding] = (
                len(response.content)
                if encoding == "identity"
                else int(response.headers.get("content-length") or len(response.read()))
            )
        with httpx.Client(timeout=30, headers={"Accept-Encoding": "br"}) as raw:
            for _ in range(requests):
                started = time.perf_counter()
                with raw.stream("GET", url) as response:
                    compressed = sum(len(chunk) for chunk in response.iter_raw())
                timings.append(time.perf_counter() - started)
                sizes["br"] = compressed
    return {
        "requests": requests,
        "p50_ms": round(percentile(timings, 50) * 1000, 1),
        "p95_ms": round(percentile(timings, 95) * 1000, 1),
        "brotli_kb": round(sizes["br"] / 1024, 1),
        "gzip_kb": round(sizes["gzip"] / 1024, 1),
        "uncompressed_kb": round(sizes["identity"] / 1024, 1),
    }
