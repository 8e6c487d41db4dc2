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
    """PostgreSQL and Redis each answer within two seconds: "ready". Without Redis the app still sells (live news,
    sessions and rate limits wait for it): 200 "degraded", naming the check that failed. Without PostgreSQL
    nothing can be sold: 503 "not ready"."""
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
    if checks["postgres"] != "ok":
        status, code = "not ready", 503
    elif checks["redis"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ready", 200
    return Response({"status": status, "checks": checks}, status_code=code)


ops_routes = [healthz, readyz]
