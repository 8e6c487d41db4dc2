"""Settings: production refuses unsafe configuration at every entry point (app, worker, `app.cli run`) with a clear
message and a non-zero exit; PAYMENTS chooses the payment provider; demo data exists only in development."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from dataclasses import replace

import asyncpg
import httpx
import pytest
import yaml
from sqlalchemy import func, select

from app.accounts.models import User
from app.config import PROJECT_ROOT, UNSAFE_CONFIGURATION_EXIT_CODE, Settings, checked_settings
from app.main import create_app
from app.seed import DemoDataRefused, seed
from tests.conftest import _client, asyncpg_dsn, free_port, run_blocking, serving
from tests.seating.conftest import make_seated_event

STRIPE_KEYS = {
    "stripe_secret_key": "sk_live_123",
    "stripe_publishable_key": "pk_live_123",
    "stripe_webhook_secret": "whsec_123",
}
PRODUCTION_ENV = {"USHER_ENV": "production", "SECRET_KEY": "s" * 48, "BASE_URL": "https://tickets.example"}


def production(settings: Settings, **overrides: object) -> Settings:
    """The test settings as a careful operator would run them in production (Stripe keys, https, a long key)."""
    values = {"environment": "production", "base_url": "https://tickets.example", "secure_cookies": True}
    return replace(settings, **{**values, **STRIPE_KEYS, "db_pool_size": 2, **overrides})


def entry_point_env(**overrides: str) -> dict[str, str]:
    """The environment a start-up sees: the test servers, never the developer's own Stripe keys or PAYMENTS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_") and k not in ("PAYMENTS", "USHER_ENV")}
    unreachable = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0"}
    return {**env, **unreachable, **overrides}


def test_the_payments_setting_chooses_the_provider_and_stripe_is_the_default_when_its_key_is_set(settings):
    assert settings.payment_provider == "test"
    assert replace(settings, stripe_secret_key="sk_test_1").payment_provider == "stripe"
    assert replace(settings, stripe_secret_key="sk_test_1", payments="test").payment_provider == "test"
    assert replace(settings, payments="stripe").payment_provider == "stripe"


def test_production_without_stripe_keys_is_refused_and_names_each_missing_key(settings):
    problems = production(settings, stripe_secret_key="", stripe_webhook_secret="").problems_for_production()
    assert len(problems) == 1
    assert "STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET are not set" in problems[0]
    assert "PAYMENTS=test" in problems[0]  # the message says how to run a demo instead
    no_keys = production(settings, stripe_secret_key="", stripe_publishable_key="", stripe_webhook_secret="")
    assert no_keys.payment_provider == "test"  # what development would silently fall back to
    assert "STRIPE_PUBLISHABLE_KEY" in no_keys.problems_for_production()[0]
    assert production(settings, payments="stripe", stripe_publishable_key="").problems_for_production()


def test_a_deliberate_payments_test_runs_production_without_stripe_and_warns(settings):
    demo = production(settings, payments="test", stripe_secret_key="", stripe_publishable_key="")
    assert demo.problems_for_production() == []
    assert demo.payment_provider == "test"
    assert any("no real money" in warning for warning in demo.warnings_for_production())


def test_production_refuses_a_missing_or_short_secret_key_and_a_fake_stripe(settings):
    assert "SECRET_KEY is not set" in production(settings, secret_key="").problems_for_production()[0]
    assert "at least 32" in production(settings, secret_key="short").problems_for_production()[0]
    faked = production(settings, stripe_api_base="http://127.0.0.1:8420")
    assert "STRIPE_API_BASE" in faked.problems_for_production()[0]
    assert production(settings).problems_for_production() == []


def test_production_over_plain_http_or_without_smtp_starts_with_warnings(settings):
    warnings = production(settings, base_url="http://tickets.example").warnings_for_production()
    assert any("BASE_URL http://tickets.example is not https" in warning for warning in warnings)
    assert any("SMTP_HOST is not set" in warning for warning in warnings)
    assert production(settings, smtp_host="smtp.example").warnings_for_production() == []


def test_checked_settings_exits_non_zero_and_lists_every_problem(settings, capsys):
    with pytest.raises(SystemExit) as exit_info:
        checked_settings(production(settings, secret_key="", stripe_secret_key=""))
    assert exit_info.value.code == UNSAFE_CONFIGURATION_EXIT_CODE
    err = capsys.readouterr().err
    assert "Usher will not start with this configuration" in err
    assert "SECRET_KEY is not set" in err and "STRIPE_SECRET_KEY is not set" in err
    assert checked_settings(settings) is settings  # development and tests are not refused


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PAYMENTS", "paypal", "PAYMENTS must be one of stripe, test; it is 'paypal'."),
        ("USHER_ENV", "prod", "USHER_ENV must be one of development, test, production; it is 'prod'."),
        ("HOLD_TTL_SECONDS", "ten", "HOLD_TTL_SECONDS must be a whole number; it is 'ten'."),
    ],
)
def test_a_misspelt_setting_is_refused_by_name(monkeypatch, capsys, name, value, message):
    for key, val in entry_point_env(**{name: value}).items():
        monkeypatch.setenv(key, val)
    with pytest.raises(SystemExit):
        checked_settings()
    assert message in capsys.readouterr().err


def test_payments_read_from_the_environment(monkeypatch):
    for key, val in entry_point_env(PAYMENTS=" Test ").items():
        monkeypatch.setenv(key, val)
    assert Settings.from_env().payment_provider == "test"


ENTRY_POINTS = {
    "app": [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--port", "0"],
    "worker": [sys.executable, "-m", "saq", "--quiet", "worker.settings"],
    "cli run": [sys.executable, "-m", "app.cli", "run", "--port", "0"],
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_every_entry_point_refuses_production_without_stripe_keys_before_it_starts(entry_point):
    # The database and Redis are unreachable on purpose: the refusal comes before any connection.
    finished = subprocess.run(
        ENTRY_POINTS[entry_point],
        cwd=PROJECT_ROOT,
        env=entry_point_env(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "Usher will not start with this configuration" in finished.stderr
    assert "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET are not set" in finished.stderr


async def test_the_dev_mailbox_exists_only_in_development(settings):
    async with serving(create_app(settings)) as app, _client(app) as client:
        assert (await client.get("/dev/mail")).status_code == 200
    async with serving(create_app(production(settings))) as app, _client(app) as client:
        assert (await client.get("/dev/mail")).status_code == 404


async def test_a_production_demo_tells_every_buyer_on_the_pay_page_that_no_real_money_is_taken(settings, db):
    await make_seated_event(db)
    demo = production(settings, payments="test", stripe_secret_key="", stripe_publishable_key="")
    async with serving(create_app(demo)) as app, _client(app) as client:
        held = await client.post("/api/v1/events/the-play/holds", json={"seats": ["SL-G-1"]})
        body = {"event": "the-play", "email": "ada@example.com", "name": "Ada Lovelace"}
        placed = await client.post("/api/v1/orders", json=body, headers={"X-Cart": held.headers["x-cart"]})
        number, key = placed.json()["number"], placed.headers["x-order-token"]
        pay_page = await client.get(f"/orders/{number}/pay?k={key}")
    assert pay_page.status_code == 200
    assert 'data-testid="no-real-money"' in pay_page.text
    assert "Demo payments: no real money is taken." in pay_page.text


async def test_demo_data_is_refused_in_production(settings, db):
    with pytest.raises(DemoDataRefused, match="for development only"):
        await seed(production(settings))
    assert await db.scalar(select(func.count()).select_from(User)) == 0


def test_cli_run_in_production_serves_without_creating_demo_users(database_url, redis_url):
    port = free_port()
    env = entry_point_env(
        **PRODUCTION_ENV,
        PAYMENTS="test",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        QUEUE_NAME="usher-test-cli",
        DB_POOL_SIZE="2",
        LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "app.cli", "run", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert wait_until_ready(f"http://127.0.0.1:{port}/healthz", server)
    finally:
        server.terminate()
        printed, _ = server.communicate(timeout=30)
    assert run_blocking(asyncio.run, count_users(database_url)) == 0
    assert "Usher is running" in printed
    assert "demo" not in printed and "/dev/mail" not in printed


def wait_until_ready(url: str, server: subprocess.Popen, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.1)  # the server is still starting: nothing to await across processes
    return False


async def count_users(database_url: str) -> int:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await connection.fetchval("SELECT count(*) FROM users")
    finally:
        await connection.close()


def test_containers_run_production_and_forward_every_payment_and_mail_setting():
    config_source = (PROJECT_ROOT / "app" / "config.py").read_text()
    forwarded = set(re.findall(r'"((?:STRIPE|SMTP)_[A-Z_]+)"', config_source)) | {"PAYMENTS"}
    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    for service in ("app", "worker"):
        environment = compose["services"][service]["environment"]
        assert forwarded <= set(environment), forwarded - set(environment)
        assert environment["USHER_ENV"] == "${USHER_ENV:-production}"
    assert "ENV USHER_ENV=production" in (PROJECT_ROOT / "Dockerfile").read_text()


def test_production_never_falls_back_to_the_embedded_servers(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USHER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("PAYMENTS", "test")
    settings = Settings.from_env()
    assert settings.database_url == "" and settings.redis_url == ""
    problems = settings.problems_for_production()
    assert any(p.startswith("DATABASE_URL is not set") for p in problems)
    assert any(p.startswith("REDIS_URL is not set") for p in problems)
