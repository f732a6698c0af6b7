"""A volunteer on a 360 px phone books a weekly group up to an end date, finds it as one row in "Meine Buchungen",
unfolds it, and moves it to 17:00 from its third week on; weeks one and two keep 18:00. Every page passes the
axe check and fits the phone without sideways scrolling."""
from __future__ import annotations

import datetime as dt
import re

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


def _fits_and_accessible(page) -> None:
    assert not has_horizontal_scroll(page), page.url
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)


def test_a_volunteer_edits_a_series_from_its_third_week_on_a_phone(live_server, phone):
    page = phone
    first = quiet_monday(clock.today(), weeks_ahead=2, span=5)  # five weeks without a holiday
    login(page, live_server, "volunteer@example.org")
    page.goto(f"{live_server}/book?room=nord-gr")
    page.get_by_label("Datum", exact=True).fill(first.isoformat())
    page.get_by_label("Beginn", exact=True).fill("18:00")
    page.get_by_label("Ende", exact=True).fill("19:00")
    page.get_by_label("Titel (wofür?)").fill("Elterncafé")
    page.get_by_label(re.compile("wöchentlich bis")).fill((first + dt.timedelta(weeks=4)).isoformat())
    page.get_by_label(re.compile("Wochen, die nicht gebucht werden können")).check()
    _fits_and_accessible(page)
    page.get_by_role("button", name="Buchen", exact=True).click()

    expect(page).to_have_url(re.compile(r"/my/bookings"))
    expect(page.get_by_role("status")).to_contain_text("Gebucht: Elterncafé, 5 Termine.")
    series = page.locator(".series-list > li").filter(has_text="Elterncafé")
    expect(series).to_have_count(1)
    expect(page.locator("table.bookings")).not_to_contain_text("Elterncafé")
    details = series.locator("details")
    if details.get_attribute("open") is None:
        series.locator("summary").click()
    expect(series.locator(".series-dates li")).to_have_count(5)
    _fits_and_accessible(page)
    screenshot(page, "series-phone-my-bookings")

    third = first + dt.timedelta(weeks=2)
    series.get_by_role("link", name=re.compile(f"Elterncafé am {third:%d.%m.} ändern")).click()
    expect(page.get_by_role("heading", name="Buchung ändern")).to_be_visible()
    page.get_by_label("Diesen und alle folgenden Termine").check()
    page.get_by_label("Beginn", exact=True).fill("17:00")
    _fits_and_accessible(page)
    screenshot(page, "series-phone-change")
    page.get_by_role("button", name="Änderung speichern").click()

    expect(page).to_have_url(re.compile(r"/my/bookings"))
    expect(page.get_by_role("status")).to_contain_text("Geändert: Elterncafé, 3 Termine.")
    series = page.locator(".series-list > li").filter(has_text="Elterncafé")
    if series.locator("details").get_attribute("open") is None:
        series.locator("summary").click()
    times = [re.search(r"(\d\d:\d\d)–", text).group(1) for text in series.locator(".series-dates li").all_inner_texts()]
    assert times == ["18:00", "18:00", "17:00", "17:00", "17:00"]
    _fits_and_accessible(page)
