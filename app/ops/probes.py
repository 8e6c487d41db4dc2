"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, get

from app.db import ping_database


@get("/healthz", include_in_schema=False, skip_session=True, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False, skip_session=True)
async def readyz(request: Request) -> Response:
    """PostgreSQL and Redis both answer within two seconds; 503 otherwise."""
    checks: dict[str, str] = {}

    async def check_postgres() -> None:
        await ping_database(request.app.state.engine)

    async def check_redis() -> None:
        await request.app.state.redis.ping()

    for name, probe in (("postgres", check_postgres), ("redis", check_redis)):
        try:
            await asyncio.wait_for(probe(), timeout=2)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unavailable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return Response({"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503)


ops_routes = [healthz, readyz]
