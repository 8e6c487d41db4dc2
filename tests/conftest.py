"""Fixtures: a throw-away database migrated once per run on the real PostgreSQL, a real Redis database,
the app under test, and helpers that act like a browser (cookies, CSRF tokens) against it."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from redis import Redis as SyncRedis

from app.cli import migrate
from app.config import PROJECT_ROOT, Settings, normalize_database_url
from app.db import create_engine, create_sessionmaker
from app.embedded import ensure_embedded_services
from app.main import create_app
from app.models import Base
from app.serving import uvicorn_process

# Runs at the same time (several developers, or a watcher) each need their own, since every test flushes it.
TEST_REDIS_DB = int(os.environ.get("USHER_TEST_REDIS_DB", "9"))


def _server_urls() -> tuple[str, str]:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        embedded = ensure_embedded_services(Path(os.environ.get("VAR_DIR") or PROJECT_ROOT / "var"))
        database_url, redis_url = database_url or embedded.database_url, redis_url or embedded.redis_url
    return normalize_database_url(database_url), redis_url


def asyncpg_dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def with_redis_db(redis_url: str, db: int) -> str:
    if redis_url.startswith("unix://"):
        return redis_url.split("?", 1)[0] + f"?db={db}"
    return urlunsplit(urlsplit(redis_url)._replace(path=f"/{db}"))


def run_blocking(function, *args):
    """Run sync code that may call asyncio.run() off the current thread, whose loop may be running."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function, *args).result()


async def _admin(database_url: str, sql: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(with_database(database_url, "postgres")))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def server_urls() -> tuple[str, str]:
    return _server_urls()


@contextmanager
def migrated_database(base_url: str) -> Iterator[str]:
    """A fresh database migrated to head with Alembic, dropped afterwards; yields its URL."""
    name = f"usher_test_{secrets.token_hex(4)}"
    run_blocking(asyncio.run, _admin(base_url, f'CREATE DATABASE "{name}"'))
    url = with_database(base_url, name)
    try:
        run_blocking(migrate, _settings_for(url, "redis://unused"))
        yield url
    finally:
        run_blocking(asyncio.run, _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(server_urls: tuple[str, str]) -> Iterator[str]:
    """A fresh database for this test run (every test's tables are emptied after it)."""
    with migrated_database(server_urls[0]) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(server_urls: tuple[str, str]) -> str:
    return with_redis_db(server_urls[1], TEST_REDIS_DB)


def _settings_for(database_url: str, redis_url: str, **overrides: object) -> Settings:
    return replace(
        Settings(
            database_url=database_url,
            redis_url=redis_url,
            secret_key="test-secret-" + "x" * 32,
            environment="test",
            base_url="http://testserver.local",
            log_level="WARNING",
            queue_name="usher-test",
        ),
        **overrides,
    )


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return _settings_for(database_url, redis_url, mail_dir=tmp_path / "mail", var_dir=tmp_path)


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with empty tables and an empty Redis database."""
    yield
    if "database_url" not in request.fixturenames:
        return
    database_url = request.getfixturevalue("database_url")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)

    async def truncate() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            await connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        finally:
            await connection.close()

    run_blocking(asyncio.run, truncate())
    SyncRedis.from_url(request.getfixturevalue("redis_url")).flushdb()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator:
    """A database session for arranging and checking state directly."""
    engine = create_engine(settings.database_url, pool_size=2)
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


class Browser:
    """An AsyncTestClient that behaves like a browser: keeps cookies and sends the CSRF token with forms."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def csrf_token(self) -> str:
        if "usher_csrf" not in self.client.cookies:
            await self.client.get("/healthz")
            await self.client.get("/login")
        return self.client.cookies["usher_csrf"]

    async def get(self, url: str, **kwargs):
        return await self.client.get(url, **kwargs)

    async def post_form(self, url: str, data: dict | None = None, *, htmx: bool = False, files=None, **kwargs):
        payload = {"_csrf_token": await self.csrf_token(), **(data or {})}
        headers = {"HX-Request": "true"} if htmx else {}
        return await self.client.post(url, data=payload, files=files, headers=headers, **kwargs)

    async def register(
        self, email: str, name: str = "Test User", password: str = "correct-horse-battery", *, confirm: bool = True
    ):
        """Sign up and, unless `confirm` is False, open the confirmation link mailed to the address."""
        response = await self.post_form("/register", {"email": email, "name": name, "password": password})
        assert response.status_code in (302, 303), response.text
        if confirm:  # the app under test (in process) keeps its mail in its database's outbox
            link = await take_confirmation_link(self.client._transport.app.state.settings.database_url, email)
            assert (await self.client.get(urlsplit(link).path)).status_code == 200
        return response

    async def login(self, email: str, password: str = "correct-horse-battery"):
        return await self.post_form("/login", {"email": email, "password": password})

    async def create_organization(self, name: str) -> str:
        response = await self.post_form("/manage/organizations", {"name": name})
        assert response.status_code in (302, 303), response.text
        return response.headers["location"].rsplit("/", 1)[-1]

    async def create_venue(self, org_slug: str, name: str = "Main Hall", timezone: str = "Europe/Berlin") -> None:
        response = await self.post_form(
            f"/manage/{org_slug}/venues", {"name": name, "address": "1 Street", "timezone": timezone}
        )
        assert response.status_code in (302, 303), response.text

    async def create_event(self, org_slug: str, **fields: str) -> str:
        data = {
            "title": "Concert",
            "starts_at": "2030-06-01T20:00",
            "ends_at": "2030-06-01T23:00",
            "timezone": "Europe/Berlin",
            "category": "music",
            "online_url": "https://stream.example/live",
            **fields,
        }
        response = await self.post_form(f"/manage/{org_slug}/events/new", data)
        assert response.status_code in (302, 303), response.text
        return response.headers["location"].rsplit("/", 1)[-1]

    async def add_tier(self, slug: str, name: str = "Standard", price: str = "25.00", **fields: str):
        data = {"name": name, "price": price, "currency": "EUR", "kind": "ga", "capacity": "100", **fields}
        return await self.post_form(f"/manage/events/{slug}/tiers", data, htmx=True)

    async def publish(self, slug: str):
        return await self.post_form(f"/manage/events/{slug}/status", {"status": "published"}, htmx=True)


@asynccontextmanager
async def serving(application) -> AsyncIterator:
    """Run an app's lifespan around a block, as one server process would."""
    started, stopping = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        # The lifespan's cancel scope must be entered and left by one task; fixtures cross tasks.
        async with application.lifespan():
            started.set()
            await stopping.wait()

    server = asyncio.create_task(serve())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait([server, waiter], return_when=asyncio.FIRST_COMPLETED)
    if server.done():
        waiter.cancel()
        server.result()
    try:
        yield application
    finally:
        stopping.set()
        await server


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator:
    async with serving(create_app(settings)) as application:
        yield application


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as test_client:
        yield test_client


@pytest.fixture
async def browser(client: httpx.AsyncClient) -> Browser:
    return Browser(client)


@pytest.fixture
async def other_browser(app) -> AsyncIterator[Browser]:
    """A second, independent visitor (own cookies) on the same app."""
    async with _client(app) as test_client:
        yield Browser(test_client)


@pytest.fixture
async def organizer(browser: Browser) -> tuple[Browser, str]:
    """A logged-in owner of a fresh organization; returns (browser, organization slug)."""
    await browser.register(f"owner-{uuid.uuid4().hex[:8]}@example.com", "Olga Owner")
    return browser, await browser.create_organization("Olga Events")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_server(
    database_url: str, redis_url: str, mail_dir: Path, *, port: int | None = None, **env_overrides: str
) -> Iterator[str]:
    """The app as production runs it (a uvicorn process) on a loopback port (a free one unless given: a restart on
    the same port is the same site to a browser); yields its base URL."""
    port = port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "USHER_ENV": "test",
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "MAIL_DIR": str(mail_dir),
        "QUEUE_NAME": "usher-test",
        "LOG_LEVEL": "WARNING",
        **env_overrides,
    }
    with uvicorn_process(env, port) as base_url:
        yield base_url


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.arrived = asyncio.Event()
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.loop.call_soon_threadsafe(self.arrived.set)
        return "250 OK"


@pytest.fixture
async def smtp_server():
    """A real SMTP server (aiosmtpd) on a loopback port; yields (inbox, port)."""
    inbox = Inbox()
    inbox.loop = asyncio.get_running_loop()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def take_confirmation_link(database_url: str, email: str) -> str:
    """The address-confirmation link last mailed to `email`, taking the message out of the outbox as its delivery
    would (so tests that send or count mail see only their own)."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        body = await connection.fetchval(
            "DELETE FROM outbound_mail WHERE id = (SELECT id FROM outbound_mail WHERE recipient = $1 "
            "AND subject LIKE 'Confirm your e-mail%' ORDER BY created_at DESC LIMIT 1) RETURNING text_body",
            email.strip().lower(),
        )
    finally:
        await connection.close()
    assert body, f"no confirmation mail to {email}"
    return re.search(r"https?://\S+/account/verify/\S+", body).group(0)


def field_error(html: str, field: str) -> str | None:
    """The error text a form shows under one field, as a user would read it."""
    match = re.search(rf'<small class="error" id="e-{field}">(.*?)</small>', html, re.S)
    return match.group(1).strip() if match else None


# --- CI guard: browser tests must have run ---------------------------------------------------------------

_browser_passed: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "browser" in report.keywords:
        _browser_passed.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    named_paths = [a for a in session.config.invocation_params.args if not a.startswith("-")]
    full_run = not named_paths and not session.config.getoption("markexpr") and not session.config.getoption("keyword")
    if os.environ.get("CI") and full_run and session.testscollected and not _browser_passed:
        session.config.get_terminal_writer().line("CI: no browser test passed; they must run, not skip.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
