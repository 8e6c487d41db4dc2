"""`python -m bench.lighthouse`: Lighthouse 12.2.3 (pinned in tools/lighthouse) on the demo as `make run` serves it
(embedded PostgreSQL and Redis, the demo data, development settings, two workers) for home, an event page, the
arena and stadium maps and checkout with a held seat, on a phone (Lighthouse's default, throttled) and a desktop.
Prints accessibility, performance (with total blocking time and largest contentful paint), SEO and best
practices per page; with several runs, the range of each figure."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import text

from app.config import PROJECT_ROOT
from app.db import create_engine, create_sessionmaker
from app.seating.carts import CART_COOKIE, holder_tag, sign_cart
from app.seating.holds import hold_seats
from app.serving import uvicorn_process
from bench.server import BENCH_SECRET, prepare

TOOLS = PROJECT_ROOT / "tools" / "lighthouse"
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
PORT = 8766
CATEGORIES = ("accessibility", "performance", "seo", "best-practices")
PAGES = [
    ("home", "/"),
    ("event", "/events/demo-arena"),
    ("arena map", "/events/demo-arena/seats"),
    ("stadium map", "/events/demo-stadium/seats"),
    ("checkout", "/events/demo-arena/checkout"),  # with a held seat: the basket's cookie goes along
]


def install_lighthouse() -> None:
    if not LIGHTHOUSE.exists():
        if shutil.which("npm") is None:
            raise SystemExit("Lighthouse needs npm (Node.js 18.16 or newer) to install tools/lighthouse")
        subprocess.run(["npm", "ci", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--loglevel=error"], check=True)


async def held_seat_cookie(database_url: str) -> str:
    """A basket holding one free arena seat for an hour: the checkout page shows it with its countdown."""
    cart = uuid.uuid4()
    engine = create_engine(database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        seat = await session.scalar(
            text(
                "SELECT s.key FROM event_seats s JOIN events e ON e.id = s.event_id "
                "WHERE e.slug = 'demo-arena' AND s.status = 'available' ORDER BY s.key LIMIT 1"
            )
        )
        tag = holder_tag(BENCH_SECRET, cart)
        await hold_seats(session, "demo-arena", cart, [seat], ttl_seconds=3600, max_seats=10, holder_tag=tag)
    await engine.dispose()
    return f"{CART_COOKIE}={sign_cart(BENCH_SECRET, cart)}"


def lighthouse(url: str, desktop: bool, cookie: str | None, report: Path) -> dict:
    """One Lighthouse run; returns its scores (0-100) and the two metrics the issue names (ms)."""
    command = [
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
        *(["--preset=desktop"] if desktop else []),
        *([f"--extra-headers={json.dumps({'Cookie': cookie})}"] if cookie else []),
    ]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    result = json.loads(report.read_text())
    scores = {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}
    audits = result["audits"]
    failing = [
        audit_ref["id"]
        for name in ("accessibility", "seo")
        for audit_ref in result["categories"][name]["auditRefs"]
        if audit_ref["weight"] and (audits[audit_ref["id"]]["score"] or 0) < 1
    ]
    return {
        **scores,
        "failing": failing,
        "tbt": round(audits["total-blocking-time"]["numericValue"]),
        "lcp": round(audits["largest-contentful-paint"]["numericValue"]),
    }


def median_run(runs: list[dict]) -> dict:
    """The run in the middle by performance (the lower of the two middle ones for an even count)."""
    return sorted(runs, key=lambda run: run["performance"])[(len(runs) - 1) // 2]


def spread(runs: list[dict], key: str, show=str) -> str:
    """The range of one figure over the runs (the machine is noisy: one run says little)."""
    low, high = min(run[key] for run in runs), max(run[key] for run in runs)
    return show(low) if show(low) == show(high) else f"{show(low)}-{show(high)}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse")
    parser.add_argument("--runs", type=int, default=1, help="runs per page and form factor (ranges are shown)")
    args = parser.parse_args()
    install_lighthouse()
    database_url, redis_url = prepare()
    cookie = asyncio.run(held_seat_cookie(database_url))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "USHER_ENV": "development",
        "SECRET_KEY": BENCH_SECRET,
        "LOG_LEVEL": "WARNING",
    }
    extra = ("--log-config", str(PROJECT_ROOT / "app" / "logging.json"))
    rows = []
    with uvicorn_process(env, PORT, workers=2, extra_args=extra) as base, tempfile.TemporaryDirectory() as scratch:
        for name, path in PAGES:
            for form_factor in ("mobile", "desktop"):
                runs = [
                    lighthouse(
                        base + path,
                        form_factor == "desktop",
                        cookie if name == "checkout" else None,
                        Path(scratch) / f"{len(rows)}-{run}.json",
                    )
                    for run in range(args.runs)
                ]
                rows.append((name, form_factor, runs))
                print(f"measured {name} ({form_factor})", flush=True)
    print(f"\nLighthouse 12.2.3, {args.runs} run(s) each: ranges over the runs, failed audits of the median run\n")
    print("| page | form factor | accessibility | performance | TBT | LCP | SEO | best practices | audits failed |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, form_factor, runs in rows:
        cells = [
            spread(runs, "accessibility"),
            spread(runs, "performance"),
            spread(runs, "tbt", lambda ms: f"{ms} ms"),
            spread(runs, "lcp", lambda ms: f"{ms / 1000:.1f} s"),
            spread(runs, "seo"),
            spread(runs, "best-practices"),
            ", ".join(median_run(runs)["failing"]) or "-",
        ]
        print(f"| {name} | {form_factor} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
