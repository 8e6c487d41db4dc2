"""Fixes reach the door: an installed scanner with scans it could not sync yet takes a new release on its next start
online (a new scanner.js, the old cached files dropped, "The scanner was updated"), and its scans survive to sync."""

from __future__ import annotations

import shutil

from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from app.config import PROJECT_ROOT
from app.tickets.models import Ticket
from tests.browser import scanner_door
from tests.browser.conftest import log_in
from tests.browser.scanner_door import in_database, open_scanner, type_code
from tests.conftest import app_server, free_port

tonight = scanner_door.tonight  # the fixture
SHELL_CACHES = "caches.keys().then((names) => names.filter((name) => name.startsWith('usher-scanner-shell-')))"


def test_an_installed_scanner_takes_a_release_on_its_next_start_online_and_its_unsynced_scans_survive(
    chromium: Browser, database_url: str, redis_url: str, tonight, tmp_path
):
    static = shutil.copytree(PROJECT_ROOT / "static", tmp_path / "static")  # the release the door installed
    site = {"port": free_port(), "STATIC_DIR": str(static)}  # a restart on the same port is the same site
    with app_server(database_url, redis_url, tmp_path / "mail", **site) as base_url:
        context = chromium.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, tonight["email"])
        open_scanner(page, tonight["slug"])
        page.evaluate("navigator.serviceWorker.ready")
        page.reload()  # installed: the service worker controls the page
        expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        first_shell = page.evaluate(SHELL_CACHES)
        assert len(first_shell) == 1
        context.set_offline(True)
        type_code(page, tonight["codes"][0])
        type_code(page, tonight["codes"][1])
        expect(page.get_by_test_id("unsynced")).to_have_text("2")

    scanner_js = static / "js" / "scanner.js"  # a release: the scanner changed, the server restarts
    scanner_js.write_text(scanner_js.read_text() + '\ndocument.documentElement.dataset.release = "next";\n')
    context.route("**/sync", lambda route: route.abort())  # the scans stay unsynced through the update
    with app_server(database_url, redis_url, tmp_path / "mail", **site):
        context.set_offline(False)
        page.reload()
        expect(page.locator("#updated")).to_have_text("The scanner was updated.")
        expect(page.locator("#updated")).to_be_visible()
        expect(page.locator("html[data-release=next]")).to_be_attached()  # the new scanner.js runs
        expect(page.get_by_test_id("unsynced")).to_have_text("2")  # the scans survived the update
        second_shell = page.evaluate(SHELL_CACHES)
        assert len(second_shell) == 1 and second_shell != first_shell  # the old release's files are dropped

        context.unroute("**/sync")
        expect(page.get_by_test_id("unsynced")).to_have_text("0", timeout=15_000)

        async def checked_in(session):
            return await session.scalar(select(func.count()).where(Ticket.checked_in_at.is_not(None)))

        assert in_database(database_url, checked_in) == 2

        context.set_offline(True)  # and the new release still opens with no network
        page.reload()
        expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
        expect(page.locator("html[data-release=next]")).to_be_attached()
        context.close()
