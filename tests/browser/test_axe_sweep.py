"""axe-core (vendored, tests/browser/vendor) on every page of the demo in every state that matters, on a desktop
and a phone: no critical or serious violation, and no id used twice (a label for one field must not focus another)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import pages
from tests.browser.pages import DESKTOP, PHONE, STOPS, Stop, Visitors, World

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

# What axe found, one line per violation and element: "rule (impact): target: what to fix, in axe's words".
# Critical and serious ones, and three of lesser impact that issue #18 found: action columns without a header,
# a page without a heading (the scanner) and targets under 24 px (WCAG 2.2 AA, 2.5.8; axe leaves it off).
AXE_VIOLATIONS = """async () => {
  const alsoBlocking = ["empty-table-header", "page-has-heading-one", "target-size"];
  const rules = { "target-size": { enabled: true } };
  const { violations } = await axe.run(document, { resultTypes: ["violations"], rules });
  const fix = (node) => node.failureSummary.split("\\n")[1].trim();
  const blocking = (v) => ["critical", "serious"].includes(v.impact) || alsoBlocking.includes(v.id);
  return violations.filter(blocking).flatMap((v) =>
    v.nodes.map((node) => `${v.id} (${v.impact}): ${node.target.join(" ")}: ${fix(node)}`));
}"""
DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const element of document.querySelectorAll("[id]")) seen.set(element.id, (seen.get(element.id) || 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([id, count]) => `#${id} (${count} times)`);
}"""

demo, visitors = pages.demo, pages.visitors  # this module's own server with the demo, and its browser contexts


def problems_in(page: Page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    return [*page.evaluate(AXE_VIOLATIONS), *(f"duplicate id {d}" for d in page.evaluate(DUPLICATE_IDS))]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366x900", "390x844"])
@pytest.mark.parametrize("stop", STOPS, ids=[stop.name for stop in STOPS])
def test_no_serious_accessibility_violation_and_no_duplicate_id(
    visitors: Visitors,
    demo: World,
    stop: Stop,
    viewport: dict,
):
    found = stop.problems(visitors, demo, viewport, problems_in)
    assert not found, "\n" + "\n".join(found)
