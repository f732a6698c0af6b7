"""Browser tests: the real app served on loopback, driven by Playwright in Debian's Chromium.

The demo city is committed once per module (browser tests need data that other connections see)
and wiped afterwards. Screenshots go to screenshots/ (git-ignored) for a reviewer to look at.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from roombook import clock
from roombook.db import db, transaction
from roombook.scenario.demo import load_demo

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own background traffic is refused on these machines; keep it quiet and sandbox-free as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _wipe() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="module")
def live_server(app) -> Iterator[str]:
    """The app with the demo city, served on a free loopback port; yields the base URL."""
    with app.app_context():
        _wipe()
        with transaction():
            load_demo(db.session, clock.today())
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            _wipe()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test-tools` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _page(browser, **context_options):
    # bypass_csp lets the tests inject axe-core; the app's own pages never need inline scripts
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True, **context_options)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A 360 px wide phone screen, as many volunteers use."""
    context, page = _page(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    yield page
    context.close()


def login(page, base_url: str, email: str, password: str = "demo", *, click=None) -> None:
    """Sign in on the login page as a person does; `click` presses the button (a test counting clicks passes
    its own)."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort", exact=False).fill(password)
    button = page.get_by_role("button", name="Anmelden", exact=False)
    click(button) if click else button.click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_violations(page) -> list[dict]:
    """Run axe-core in the page; return the serious and critical violations (id, impact, targets)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test-tools` installs it from the npm registry")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def has_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)


def assert_accessible(page, *, fits_width: bool = False) -> None:
    """axe finds no serious or critical violation on the page (and, with fits_width, it needs no sideways
    scrolling)."""
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)
    if fits_width:
        assert not has_horizontal_scroll(page)
