"""The venue designer on the 10,400-seat stadium layout in headless Chromium: time to open it, and time to
select every seat and change their category (goals: <= 2 s and <= 500 ms)."""

from __future__ import annotations

import asyncio
import statistics

import asyncpg
from playwright.sync_api import sync_playwright

from app.seed import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"


async def _stadium_layout(database_url: str) -> str:
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        return str(
            await connection.fetchval(
                "SELECT l.id FROM seat_layouts l JOIN seat_layout_versions v ON v.layout_id = l.id "
                "WHERE v.seat_count >= 10000 ORDER BY v.version DESC LIMIT 1"
            )
        )
    finally:
        await connection.close()


SELECT_ALL_AND_RECOLOUR = """async () => {
  const started = performance.now();
  document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'a', ctrlKey: true, bubbles: true}));
  const selected = performance.now();
  const picker = document.getElementById('p-set-category');
  picker.value = picker.options[picker.options.length - 1].value;
  picker.dispatchEvent(new Event('change', {bubbles: true}));
  await new Promise(requestAnimationFrame);  // until the browser can paint the result
  return [selected - started, performance.now() - started, window.usherDesigner.stats()];
}"""


def designer_timings(base: str, database_url: str, runs: int = 5) -> dict:
    layout_id = asyncio.run(_stadium_layout(database_url))
    opens, recolours, selects = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/login")
        page.get_by_label("E-mail").fill("organizer@usher.test")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/manage**")
        for _ in range(runs):
            page.goto(f"{base}/manage/layouts/{layout_id}/edit", wait_until="commit")
            page.wait_for_function("document.querySelectorAll('#design circle.seat').length >= 10000", timeout=60_000)
            opens.append(page.evaluate("() => performance.now()"))  # since navigation start
            select_ms, total_ms, stats = page.evaluate(SELECT_ALL_AND_RECOLOUR)
            selects.append(select_ms)
            recolours.append(total_ms)
            assert stats["selected"] >= 10000, stats
        browser.close()
    return {
        "seats": 10400,
        "open_ms_median": round(statistics.median(opens)),
        "open_ms_max": round(max(opens)),
        "select_all_ms_median": round(statistics.median(selects)),
        "select_all_and_recolour_ms_median": round(statistics.median(recolours)),
        "select_all_and_recolour_ms_max": round(max(recolours)),
    }
