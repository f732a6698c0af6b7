"""The start page after login for each role, on a 360 px phone in a real browser: each lands on its own page,
sees what is theirs, nothing scrolls sideways, and axe finds no serious violation."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    describe,
    has_horizontal_scroll,
    login,
    screenshot,
    serious_accessibility_violations,
)

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)

# what each role sees first: the headings of its sections
ROLES = {
    "volunteer@example.org": ["Ihre nächsten Termine", "Ihre wöchentlichen Reihen"],
    "department@example.org": ["Ihre nächsten Sprechstunden", "Ihre nächsten Termine"],
    "manager@example.org": ["Offene Entscheidungen", "Ihre nächsten Termine"],
    "coordinator@example.org": ["Offene Entscheidungen", "Lücken in der Abdeckung (4 Wochen)"],
}


def test_each_role_lands_on_its_own_start_page_on_a_phone(live_server, browser):
    for email, headings in ROLES.items():
        context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True,
                                      viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        phone = context.new_page()
        phone.set_default_timeout(15000)
        login(phone, live_server, email)
        assert phone.url.endswith("/start"), (email, phone.url)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Übersicht")
        for heading in headings:
            expect(phone.get_by_role("heading", name=heading)).to_be_visible()
        expect(phone.get_by_role("link", name="Meine Mails")).to_be_visible()
        assert not has_horizontal_scroll(phone), email
        violations = serious_accessibility_violations(phone)
        assert violations == [], (email, describe(violations))
        screenshot(phone, f"start-{email.split('@')[0]}-phone")
        context.close()
