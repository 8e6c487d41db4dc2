"""A real app server (uvicorn, as in production) and real Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.db import create_engine, create_sessionmaker
from app.events.models import Event
from tests.conftest import app_server, run_blocking

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    # Playwright's sync API keeps an event loop running in this thread; asyncio tests must all come first.
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath))


@pytest.fixture(scope="session")
def live_server(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(database_url, redis_url, tmp_path_factory.mktemp("mail")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is required at {CHROMIUM} (make browser-deps installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, live_server: str) -> Iterator[Page]:
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(chromium: Browser, live_server: str) -> Iterator[Page]:
    context = chromium.new_context(
        base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


PASSWORD = "correct-horse-battery"  # the organizers' password in browser tests


def run_in_database(database_url: str, work):
    """Run `work(session)` on a session of its own (the browser tests are synchronous)."""

    async def go():
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            result = await work(session)
        await engine.dispose()
        return result

    return run_blocking(asyncio.run, go())


def seated_event(database_url: str, layout: str = "theatre", tiers: dict[str, int] | None = None) -> str:
    """A published seated event on sale (tests/seating/conftest.py's), on a sample layout; its slug."""
    from tests.seating.conftest import make_seated_event

    slug = f"play-{uuid.uuid4().hex[:6]}"
    run_in_database(database_url, lambda session: make_seated_event(session, slug=slug, layout=layout, tiers=tiers))
    return slug


@pytest.fixture
def seated_slug(database_url) -> str:
    return seated_event(database_url)


@pytest.fixture
def no_script(chromium: Browser, live_server: str) -> Iterator[Page]:
    """A browser with JavaScript off: every page must work with plain links and forms."""
    context = chromium.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Manage")).to_be_visible()


async def happening_within_the_hour(session, event_filter, owner_id, *, hours: int = 2) -> None:
    """Move the event (`event_filter`, a WHERE clause on Event) to start within the hour, so the door scanner
    takes its tickets, and give its owner the browser tests' password (committed)."""
    now = datetime.now(UTC)
    await session.execute(
        update(Event)
        .where(event_filter)
        .values(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=1 + hours))
    )
    await session.execute(update(User).where(User.id == owner_id).values(password_hash=hash_password(PASSWORD)))
    await session.commit()


def pay_with_the_test_card(page: Page, total: str) -> None:
    """From the filled checkout form to a paid order, with the test card that pays."""
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_test_id("pay-total")).to_have_text(total)
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=f"Pay {total}").click()
    expect(page.get_by_test_id("order-status")).to_have_text("paid")
