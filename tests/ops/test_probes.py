"""Operations: liveness, readiness, request ids."""

import httpx

from app.main import create_app
from tests.conftest import serving


async def test_healthz_answers_while_the_process_lives(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_postgres_and_redis_reachable(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok"}


async def test_readyz_is_degraded_but_200_when_redis_is_unreachable(settings):
    from dataclasses import replace

    broken = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    async with (
        serving(broken),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=broken), base_url="http://test") as client,
    ):
        response = await client.get("/readyz")
    assert response.status_code == 200  # PostgreSQL still sells
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["postgres"] == "ok"
    assert response.json()["checks"]["redis"].startswith("unavailable")


async def test_every_response_carries_a_request_id_and_keeps_a_valid_incoming_one(client):
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 16
    kept = await client.get("/healthz", headers={"X-Request-ID": "lb-abc-123"})
    assert kept.headers["x-request-id"] == "lb-abc-123"
    replaced = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert replaced.headers["x-request-id"] != "bad id\nwith newline"


def test_log_lines_are_json_with_the_request_id():
    import json
    import logging

    from app.observability import JsonFormatter, request_id_var

    token = request_id_var.set("req-42")
    try:
        record = logging.LogRecord("usher.access", logging.INFO, __file__, 1, "request", (), None)
        record.status = 201
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "req-42"
    assert line["status"] == 201
    assert line["message"] == "request"


async def test_unknown_page_is_a_friendly_404(client):
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.text


async def test_a_full_database_pool_answers_503_try_again_instead_of_hanging(settings):
    """Every connection busy for the whole wait: the request is told to come back, with Retry-After."""
    from dataclasses import replace

    busy = create_app(replace(settings, db_pool_size=1, db_pool_timeout_seconds=1))
    async with (
        serving(busy),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=busy), base_url="http://test") as client,
    ):
        async with busy.state.engine.connect() as taken:  # the pool's only connection
            await taken.exec_driver_sql("SELECT 1")
            response = await client.get("/api/v1/events")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "2"
        assert "try again" in response.json()["detail"]
        assert (await client.get("/api/v1/events")).status_code == 200  # and serves again once a connection is free
