"""A production-like Usher for benchmarks: a fresh database with the demo data, uvicorn with several workers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from app.cli import migrate
from app.config import PROJECT_ROOT, Settings, normalize_database_url
from app.embedded import ensure_embedded_services
from app.seed import seed
from app.serving import uvicorn_process

BENCH_DATABASE = "usher_bench"
BENCH_SECRET = "bench-secret-" + "z" * 40
BENCH_REDIS_DB = 5


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _with_redis_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return url.split("?", 1)[0] + f"?db={db}"
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


async def _recreate(database_url: str) -> None:
    admin = await asyncpg.connect(_with_database(database_url, "postgres").replace("+asyncpg", ""))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    finally:
        await admin.close()


def bench_urls() -> tuple[str, str]:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        embedded = ensure_embedded_services(PROJECT_ROOT / "var")
        database_url, redis_url = database_url or embedded.database_url, redis_url or embedded.redis_url
    database_url = normalize_database_url(database_url)
    return _with_database(database_url, BENCH_DATABASE), _with_redis_db(redis_url, BENCH_REDIS_DB)


def prepare() -> tuple[str, str]:
    """A fresh bench database (migrated, demo data seeded) and an empty bench Redis database."""
    database_url, redis_url = bench_urls()
    asyncio.run(_recreate(database_url))
    settings = Settings(database_url=database_url, redis_url=redis_url, secret_key=BENCH_SECRET)
    migrate(settings)
    asyncio.run(seed(settings))
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return database_url, redis_url


@contextmanager
def running_app(database_url: str, redis_url: str, *, workers: int = 2, port: int = 8765) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "USHER_ENV": "production",
        "SECRET_KEY": BENCH_SECRET,
        "LOG_LEVEL": "WARNING",
        "PAYMENTS": "test",  # production without Stripe keys only with this deliberate setting
        # Every simulated buyer comes from 127.0.0.1: the per-client limits would measure themselves.
        "HOLD_RATE_PER_IP": "0",
        "HOLD_RATE_PER_CART": "1000",
        "MAX_HELD_PER_NETWORK": "0",
        "MAX_HELD_PER_ACCOUNT": "0",
        "SEAT_LIST_RATE_LIMIT": "0",
        "CHECKOUT_RATE_LIMIT": "0",
        "TEST_CARD_RATE_LIMIT": "0",
        "LIVE_STREAMS_PER_CLIENT": "100000",
    }
    extra = ("--log-level", "warning", "--backlog", "4096", "--log-config", str(PROJECT_ROOT / "app" / "logging.json"))
    with uvicorn_process(env, port, workers=workers, ready_path="/readyz", extra_args=extra) as base_url:
        # Warm every worker (connection pools, the stadium drawing) before measuring.
        for _ in range(workers * 4):
            httpx.get(f"{base_url}/events/demo-stadium/seats", timeout=30)
        yield base_url
