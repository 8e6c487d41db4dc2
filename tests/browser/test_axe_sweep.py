"""axe-core (vendored, tests/browser/vendor) on every page of the demo in every state that matters, on a desktop
and a phone: no critical or serious violation, and no id used twice (a label for one field must not focus another)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.pages import DESKTOP, PHONE, STOPS, Stop, Visitors, World, demo  # noqa: F401 - demo: a fixture

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = {"critical", "serious"}

# What axe found, one line per violation and element: "rule (impact): target: what to fix, in axe's words".
AXE_VIOLATIONS = """async () => {
  const { violations } = await axe.run(document, { resultTypes: ["violations"] });
  const fix = (node) => node.failureSummary.split("\\n")[1].trim();
  return violations.filter((v) => ["critical", "serious"].includes(v.impact)).flatMap((v) =>
    v.nodes.map((node) => `${v.id} (${v.impact}): ${node.target.join(" ")}: ${fix(node)}`));
}"""
DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const element of document.querySelectorAll("[id]")) seen.set(element.id, (seen.get(element.id) || 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([id, count]) => `#${id} (${count} times)`);
}"""


@pytest.fixture(scope="module")
def visitors(chromium: Browser, demo: World) -> Iterator[Visitors]:  # noqa: F811 - the imported fixture
    visitors = Visitors(chromium, demo)
    yield visitors
    visitors.close()


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
    viewport: dict,  # noqa: F811
):
    page = visitors.page(viewport, stop.who)
    found = []
    try:
        for state in stop.visit(page, demo):
            found += [f"{stop.name} [{state}] at {viewport['width']} px: {problem}" for problem in problems_in(page)]
    finally:
        page.close()
    assert not found, "\n" + "\n".join(found)
