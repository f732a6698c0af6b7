"""The browser harness itself: pages load in Chromium, log-in works, axe-core runs."""
from __future__ import annotations

from tests.browser.conftest import (
    describe,
    has_horizontal_scroll,
    login,
    screenshot,
    serious_accessibility_violations,
)


def test_start_page_and_login_in_a_real_browser(live_server, page):
    page.goto(live_server + "/")
    assert page.title().startswith("Unterkünfte")
    assert page.get_by_role("link", name="Unterkunft Nord").is_visible()
    assert serious_accessibility_violations(page) == [], describe(serious_accessibility_violations(page))
    login(page, live_server, "volunteer@example.org")
    assert page.get_by_text("volunteer@example.org").is_visible()
    screenshot(page, "start-logged-in")


def test_login_page_is_accessible_and_fits_a_phone(live_server, phone):
    phone.goto(live_server + "/login")
    violations = serious_accessibility_violations(phone)
    assert violations == [], describe(violations)
    assert not has_horizontal_scroll(phone)
    screenshot(phone, "login-phone")
