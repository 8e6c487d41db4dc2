"""Standing places and organizer blocks in real Chromium."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.db import create_engine, create_sessionmaker
from tests.browser.conftest import PASSWORD
from tests.conftest import run_blocking
from tests.seating.conftest import make_seated_event


def create_event(database_url: str, layout: str, tiers: dict[str, int] | None = None) -> tuple[str, str]:
    """A published seated event whose owner can log in; returns (slug, owner e-mail)."""
    slug = f"{layout}-{uuid.uuid4().hex[:6]}"

    async def create() -> str:
        engine = create_engine(database_url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            event = await make_seated_event(session, slug=slug, layout=layout, tiers=tiers)
            await session.execute(
                update(User).where(User.id == event.actor.user_id).values(password_hash=hash_password(PASSWORD))
            )
            await session.commit()
        await engine.dispose()
        return event.actor.email

    return slug, run_blocking(asyncio.run, create())


@pytest.fixture
def arena_slug(database_url) -> str:
    return create_event(database_url, "arena", {"floor": 3900, "lower": 5900, "upper": 2900})[0]


def test_standing_places_held_in_one_browser_show_in_another(
    page: Page, chromium: Browser, live_server: str, arena_slug: str
):
    other = chromium.new_context(base_url=live_server).new_page()
    for viewer in (page, other):
        viewer.goto(f"/events/{arena_slug}/seats")
        expect(viewer.get_by_test_id("live-state")).to_have_text("live")
    page.get_by_label("Standing floor").fill("3")
    page.get_by_role("button", name="Hold places").click()
    expect(page.get_by_test_id("cart-places")).to_contain_text("3 \N{MULTIPLICATION SIGN} Standing floor")
    expect(page.locator(".total")).to_contain_text("£117.00")
    expect(other.locator('[data-left-for="FLOOR"]')).to_have_text("1997 of 2000 left", timeout=2000)
    page.get_by_test_id("basket-bar").locator("summary").click()  # the basket bar opens into its list
    page.get_by_role("button", name="Release 3 places in Standing floor").click()
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
    expect(other.locator('[data-left-for="FLOOR"]')).to_have_text("2000 of 2000 left", timeout=2000)
    other.context.close()


def test_an_organizer_blocks_a_seat_and_a_whole_row_on_the_map(page: Page, database_url: str):
    slug, email = create_event(database_url, "theatre")
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/manage/events/{slug}/seats")
    page.locator('circle[data-k="SC-A-1"]').click()
    row_b = page.locator('circle[data-k^="SC-B-"]').count()
    page.locator('circle[data-k="SC-B-1"]').click(modifiers=["Shift"])
    expect(page.get_by_test_id("selected-count")).to_have_text(str(1 + row_b))
    page.get_by_role("button", name="Block selected", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"{1 + row_b} seats blocked.")
    expect(page.get_by_test_id("blocked-seats").locator("li")).to_have_count(1 + row_b)

    page.goto(f"/events/{slug}/seats")
    expect(page.locator('circle[data-k="SC-A-1"]')).to_have_class(re.compile(r"\bs-blocked\b"))
    expect(page.locator('circle[data-k="SC-B-5"]')).to_have_class(re.compile(r"\bs-blocked\b"))
    expect(page.locator('circle[data-k="SC-C-1"]')).not_to_have_class(re.compile(r"\bs-blocked\b"))
