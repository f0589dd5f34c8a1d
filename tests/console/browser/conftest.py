"""Browser tests: Debian's Chromium driven by Playwright, against a live server.

One browser per session (starting Chromium is the slow part); a fresh context
(cookies, storage) per test; the app is each test's own, served on a free
loopback port by a werkzeug server thread. Screenshots go to build/screenshots/,
which git ignores.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("IDPTEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"


expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Running as root (CI) needs --no-sandbox; nothing but loopback is opened.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


class LiveConsole:
    def __init__(self, app, base: str) -> None:
        self.app = app
        self.base = base

    def url(self, path: str = "/console") -> str:
        return self.base + path


@pytest.fixture
def live_console(app) -> Iterator[LiveConsole]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveConsole(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page(browser, live_console):
    context = browser.new_context(
        base_url=live_console.base,
        locale="en-GB",
        timezone_id="Europe/Paris",
        permissions=["clipboard-read", "clipboard-write"],
    )
    # Generous: CI shares two cores with the database and the rest of the suite.
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    # A CSP violation or a script error is a failure, not a silent degradation.
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def shot(request):
    """shot(page, "name") saves build/screenshots/<test>-name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name.replace("[", "-").replace("]", "")

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
