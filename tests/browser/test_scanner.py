"""The door scanner in Chromium: a real ticket's QR read by the (fake) camera, typed codes, and a network cut
in the middle of the doors opening."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select, update

from app.events.models import Event
from app.tickets.models import Ticket
from app.tickets.qr import qr_png
from tests.browser import scanner_door
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, log_in
from tests.browser.scanner_door import in_database, open_scanner, type_code

tonight = scanner_door.tonight  # the fixture


def test_typed_codes_and_a_network_cut(page: Page, tonight):
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    expect(page.get_by_test_id("net-state")).to_have_text("online")
    type_code(page, tonight["codes"][0])
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    expect(page.get_by_test_id("verdict")).to_contain_text("Stalls left · row B · seat 1")
    type_code(page, tonight["codes"][0])
    expect(page.get_by_test_id("verdict")).to_contain_text("Already checked in")

    page.context.set_offline(True)
    type_code(page, tonight["qr"][1])  # a signed QR text, verified on the device
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    expect(page.get_by_test_id("net-state")).to_have_text("offline")
    type_code(page, tonight["codes"][2])
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    type_code(page, tonight["codes"][0])  # known to be in already (from the list taken along)
    expect(page.get_by_test_id("verdict")).to_contain_text("Already checked in")
    forged = tonight["qr"][1][:-4] + "AAAA"
    type_code(page, forged)
    expect(page.get_by_test_id("verdict")).to_contain_text("Forged or altered code.")
    expect(page.get_by_test_id("unsynced")).to_have_text("4")

    dashboard = page.context.new_page()
    page.context.set_offline(False)
    dashboard.goto(f"/manage/events/{tonight['slug']}/checkins")
    expect(page.get_by_test_id("unsynced")).to_have_text("0", timeout=15_000)
    expect(page.get_by_test_id("last-sync")).to_contain_text("synced")
    expect(dashboard.get_by_test_id("checked-in")).to_have_text("3", timeout=10_000)
    expect(dashboard.get_by_test_id("problems")).to_contain_text("Forged or altered code.")


def y4m_of(text: str, path: Path) -> Path:
    """A short video of a QR code in front of the camera: Chromium's fake camera plays it in a loop."""
    image = Image.open(io.BytesIO(qr_png(text))).convert("L")
    frame = Image.new("L", (640, 480), 255)
    image = image.resize((420, 420), Image.NEAREST)
    frame.paste(image, (110, 30))
    y = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(20):
            out.write(b"FRAME\n" + y + chroma + chroma)
    return path


def test_the_camera_reads_a_real_ticket(chromium: Browser, live_server: str, tonight, tmp_path):
    video = y4m_of(tonight["qr"][0], tmp_path / "ticket.y4m")
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(
            base_url=live_server, viewport={"width": 400, "height": 800}, permissions=["camera"]
        )
        page = context.new_page()
        log_in(page, tonight["email"])
        open_scanner(page, tonight["slug"])
        page.get_by_role("button", name="Start camera").click()
        expect(page.get_by_test_id("verdict")).to_contain_text("Valid", timeout=15_000)
        expect(page.get_by_test_id("verdict")).to_contain_text("Stalls left · row B · seat 1")
    finally:
        browser.close()


def test_a_scanner_signed_out_while_offline_keeps_its_scans_until_someone_logs_in(page: Page, tonight):
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    page.context.set_offline(True)
    type_code(page, tonight["codes"][0])
    type_code(page, tonight["codes"][1])
    expect(page.get_by_test_id("unsynced")).to_have_text("2")
    page.context.clear_cookies()  # the session ends while the door is offline
    page.context.set_offline(False)
    expect(page.locator("#login-again")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("unsynced")).to_have_text("2")  # nothing dropped
    other = page.context.new_page()
    log_in(other, tonight["email"])  # logging in again (another tab) lets the next sync through
    other.close()
    expect(page.get_by_test_id("unsynced")).to_have_text("0", timeout=15_000)
    expect(page.locator("#login-again")).to_be_hidden()


def test_the_installed_scanner_opens_and_works_with_no_network(page: Page, tonight):
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)")
    manifest = page.evaluate("fetch('/scan/manifest.webmanifest').then(r => r.json())")
    assert manifest["display"] == "standalone" and manifest["icons"]
    page.reload()  # the service worker now controls the page and keeps a copy of it
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#scanner[data-ready=true]")).to_be_attached()
    expect(page.get_by_test_id("net-state")).to_have_text("offline")
    expect(page.get_by_test_id("bundle-size")).to_have_text("3")  # the ticket list, from IndexedDB
    type_code(page, tonight["qr"][2])
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    expect(page.get_by_test_id("unsynced")).to_have_text("1")


def test_before_the_doors_open_the_scanner_offline_refuses_as_the_server_does(page: Page, tonight, database_url):
    slug = tonight["slug"]
    later = datetime.now(UTC) + timedelta(days=3)
    in_database(
        database_url,
        lambda s: s.execute(
            update(Event).where(Event.slug == slug).values(starts_at=later, ends_at=later + timedelta(hours=3))
        ),
    )
    log_in(page, tonight["email"])
    open_scanner(page, slug)
    words = page.evaluate(f"fetch('/scan/{slug}/bundle').then(r => r.json()).then(b => b.verdicts.not_today)")
    assert "not today" in words
    verdict = page.get_by_test_id("verdict")
    type_code(page, tonight["codes"][0])  # online: the server turns it away
    expect(verdict).to_contain_text("Invalid")
    expect(verdict).to_contain_text(words)

    page.context.set_offline(True)
    type_code(page, tonight["qr"][1])  # offline: the device turns it away with the same words
    expect(verdict).to_contain_text("checked on this device")
    expect(verdict).to_contain_text("Invalid")
    expect(verdict).to_contain_text(words)
    expect(page.get_by_test_id("unsynced")).to_have_text("1")

    page.context.set_offline(False)
    expect(page.get_by_test_id("unsynced")).to_have_text("0", timeout=15_000)

    async def checked_in(session):
        return await session.scalar(
            select(func.count())
            .select_from(Ticket)
            .join(Event, Event.id == Ticket.event_id)
            .where(Event.slug == slug, Ticket.checked_in_at.is_not(None))
        )

    assert in_database(database_url, checked_in) == 0  # and the server agrees when the scan syncs


STORED = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("usher-scanner");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const read = (name) => new Promise((resolve) => {
    const request = db.transaction(name).objectStore(name).getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const stored = JSON.stringify([await read("bundles"), await read("queue")]);
  db.close();
  return stored;
}"""
LEFT_ON_DEVICE = """async () => ({
  databases: (await indexedDB.databases()).map((d) => d.name),
  caches: await caches.keys(),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
})"""


def test_the_ticket_list_on_the_phone_holds_no_code_and_logging_out_wipes_it(page: Page, tonight, database_url):
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)")
    stored = page.evaluate(STORED)
    assert "Ada Lovelace" in stored  # the list is there, and names its tickets by fingerprint only
    for code, qr in zip(tonight["codes"], tonight["qr"], strict=True):
        assert code not in stored and qr not in stored

    page.context.set_offline(True)
    type_code(page, tonight["codes"][0])  # fingerprinted on the device, found in the list
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    logout = page.get_by_role("button", name="Log out")
    logout.click()  # offline: the scan cannot sync, so it is not thrown away without asking
    expect(page.get_by_test_id("logout-unsynced-count")).to_have_text("1")
    expect(page.get_by_test_id("unsynced")).to_have_text("1")

    page.context.set_offline(False)
    logout.click()  # synced first, then wiped
    expect(page).to_have_url(re.compile(r"/$"))
    assert page.evaluate(LEFT_ON_DEVICE) == {"databases": [], "caches": [], "workers": 0}

    async def checked_in(session):
        return await session.scalar(select(Ticket.checked_in_device).where(Ticket.code == tonight["codes"][0]))

    assert in_database(database_url, checked_in)  # the offline scan reached the server before the wipe
    page.goto(f"/scan/{tonight['slug']}")
    expect(page).to_have_url(re.compile(r"/login"))


def test_logging_out_anywhere_on_the_site_wipes_the_scanner_from_the_device(page: Page, tonight):
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)")
    page.goto("/")
    page.get_by_role("button", name="Log out").click()  # the site's menu: the server says Clear-Site-Data
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    left = page.evaluate(LEFT_ON_DEVICE)
    assert "usher-scanner" not in left["databases"] and left["caches"] == [] and left["workers"] == 0


def test_offline_door_staff_find_a_ticket_by_name_and_it_syncs(page: Page, tonight, database_url):
    log_in(page, tonight["email"])
    open_scanner(page, tonight["slug"])
    page.context.set_offline(True)
    type_code(page, "lovelace")
    results = page.get_by_test_id("lookup-results")
    expect(results.get_by_role("listitem")).to_have_count(3)
    results.get_by_role("listitem").filter(has_text="row B · seat 2").get_by_role("button", name="Check in").click()
    expect(page.get_by_test_id("verdict")).to_contain_text("Valid")
    expect(page.get_by_test_id("verdict")).to_contain_text("Stalls left · row B · seat 2")
    expect(page.get_by_test_id("unsynced")).to_have_text("1")
    page.context.set_offline(False)
    expect(page.get_by_test_id("unsynced")).to_have_text("0", timeout=15_000)

    async def checked_in(session):
        return await session.scalar(select(Ticket.checked_in_at).where(Ticket.code == tonight["codes"][1]))

    assert in_database(database_url, checked_in) is not None
