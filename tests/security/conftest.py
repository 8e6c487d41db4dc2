"""Chromium for the security tests that drive a browser: tests/browser's fixtures, and their place at the end of a
run (Playwright's sync API keeps an event loop running in its thread, so asyncio tests must all come first)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import chromium, live_server, page  # noqa: F401 - the same Chromium and app server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
