"""On a 360 px phone: a volunteer finds "Tuesday after 18:00, at least 10 seats" across the city and books it;
a department member makes a personal and a team calendar link, and neither the links page nor /privacy/
scrolls sideways.

One module, so the demo city is loaded once for both (the live server is per module)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from roombook import clock
from tests.browser.conftest import (
    describe,
    has_horizontal_scroll,
    login,
    screenshot,
    serious_accessibility_violations,
)
from tests.dates import quiet_monday

pytestmark = pytest.mark.dates  # the demo city's coming weeks


def test_a_volunteer_finds_tuesday_evening_with_ten_seats_and_books_it(live_server, phone):
    login(phone, live_server, "volunteer@example.org")
    phone.goto(f"{live_server}/free-slots")
    phone.get_by_label("Ab", exact=True).fill(quiet_monday(clock.today()).isoformat())
    phone.get_by_label("Di", exact=True).check()
    phone.get_by_label("Beginn frühestens").fill("18:00")
    phone.get_by_label("Plätze mindestens").fill("10")
    phone.get_by_role("button", name="Suchen").click()
    results = phone.locator("li.card.slot")
    expect(results.first).to_be_visible()
    first = results.first.inner_text()
    assert re.search(r"Di\.? .* 18:\d\d–", first) and "Plätze" in first, first
    assert not has_horizontal_scroll(phone)
    violations = serious_accessibility_violations(phone)
    assert violations == [], describe(violations)
    screenshot(phone, "free-slots-phone")

    results.first.get_by_role("link", name=re.compile("buchen")).click()
    expect(phone.get_by_label("Beginn")).to_have_value(re.compile("18:"))
    phone.get_by_label("Titel (wofür?)").fill("Elterncafé")
    phone.get_by_role("button", name="Buchen").click()
    expect(phone.locator("p.flash")).to_contain_text("Gebucht: Elterncafé, 1 Termin.")


def test_calendar_links_and_my_data_fit_a_phone_with_a_team_link_present(live_server, phone):
    login(phone, live_server, "department@example.org")
    phone.goto(f"{live_server}/feeds/tokens")
    phone.get_by_role("button", name="Link erstellen", exact=True).click()
    expect(phone.locator("#new-link")).to_have_value(re.compile(r"/calendars/private/.+\.ics$"))
    phone.get_by_role("button", name="Team-Link erstellen").click()
    link = phone.locator("#new-link").input_value()
    assert phone.request.get(link).ok
    phone.get_by_role("button", name="Kopieren").click()
    expect(phone.locator(".copy-status")).to_have_text("Kopiert")
    assert phone.locator("li.card.token").count() == 2  # the personal link and the team's
    for path in ("/feeds/tokens", "/privacy/"):
        phone.goto(f"{live_server}{path}")
        assert not has_horizontal_scroll(phone), path
        violations = serious_accessibility_violations(phone)
        assert violations == [], describe(violations)
        screenshot(phone, "phone" + path.rstrip("/").replace("/", "-"))
