"""Every page of the demo, in every state that matters, on a 320 px phone: nothing wider than the screen (tables
become cards or scroll inside their own box), so no page scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser import pages
from tests.browser.pages import STOPS, Stop, Visitors, World

NARROWEST = {"width": 320, "height": 640}

# The elements that stick out of a box that does not: the ones to fix (what scrolls inside its own box is fine).
STICKING_OUT = r"""() => {
  const edge = document.documentElement.clientWidth;
  const clipped = (element) => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement)
      if (getComputedStyle(up).overflowX !== "visible") return true;
    return false;
  };
  const sticksOut = (element) => element.getBoundingClientRect().right > edge + 0.5;
  const name = (element) => element.tagName.toLowerCase() + (element.id ? `#${element.id}` : "") +
    [...element.classList].map((c) => `.${c}`).join("");
  const words = (element) => element.innerText.trim().replace(/\s+/g, " ").slice(0, 40);
  return [...document.body.querySelectorAll("*")]
    .filter((element) => sticksOut(element) && !(element.parentElement && sticksOut(element.parentElement)))
    .filter((element) => !clipped(element))
    .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
    .slice(0, 5)
    .map((element) => `${name(element)} ("${words(element)}") in ${name(element.parentElement)} reaches ` +
      `${Math.round(element.getBoundingClientRect().right)} px`);
}"""

demo, visitors = pages.demo, pages.visitors  # this module's own server with the demo, and its browser contexts


def overflow_in(page: Page) -> list[str]:
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= NARROWEST["width"]:
        return []
    return [f"the page is {width} px wide", *page.evaluate(STICKING_OUT)]


@pytest.mark.parametrize("stop", STOPS, ids=[stop.name for stop in STOPS])
def test_nothing_is_wider_than_a_320_px_screen(visitors: Visitors, demo: World, stop: Stop):
    found = stop.problems(visitors, demo, NARROWEST, overflow_in)
    assert not found, "\n" + "\n".join(found)
