"""A real browser for the dashboard tests: Debian's chromium, headless, driven by Playwright.

Playwright is given the system chromium as its executable (`playwright install` downloads nothing
here). Each test gets a fresh profile directory. Skips only when chromium is missing on a
developer's machine; under CI (CI=true) a missing chromium fails, since .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# --headless comes from Playwright (headless=True); the rest keep chromium off the (closed) network
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/lib/chromium/chromium" if Path("/usr/lib/chromium/chromium").exists() else None


def need_chromium() -> str:
    path = find_chromium()
    if path is None:
        message = "chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run installs it; under CI this must not skip)")
        pytest.skip(message)
    return path


class Browser:
    """A headless chromium; `page()` opens a tab that records console errors and page errors."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.errors: list[str] = []

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def page(self, viewport: dict[str, int] | None = None) -> Any:
        page = self.context.new_page()
        page.set_viewport_size(viewport or DESKTOP)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)
        page.set_default_timeout(20_000)
        return page


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    executable = need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=executable, headless=True, args=FLAGS,
            viewport=DESKTOP,
        )  # fmt: skip
        try:
            yield Browser(context)
        finally:
            context.close()
