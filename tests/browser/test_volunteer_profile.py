"""A volunteer keeps their profile on a phone, and the coordinator sees it on the volunteers' overview, in a real
browser: filled in and saved, a refusal shown at its field, accessibility and the CSP."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import describe, has_horizontal_scroll, login, screenshot, serious_accessibility_violations

TIMES = "Wann Sie Zeit haben, je Zeile „mon 16:00-19:00“"


def assert_accessible(page) -> None:
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)


def test_a_volunteer_fills_in_the_profile_on_a_phone_and_the_coordinator_sees_it(live_server, phone, page):
    login(phone, live_server, "volunteer@example.org")
    phone.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Mein Profil").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mein Profil")
    expect(phone.get_by_text("Die Koordination bei den Wohlfahrtsverbänden sieht diese Angaben")).to_be_visible()
    assert not has_horizontal_scroll(phone)
    assert_accessible(phone)

    phone.get_by_role("group", name="Sprachen, die Sie sprechen").get_by_label("Ukrainisch").check()
    skills = phone.get_by_role("group", name="Was Sie anbieten oder unterstützen können")
    skills.get_by_label("Sprachkurs").check()
    skills.get_by_label("Alltagskurs").uncheck()
    phone.get_by_role("group", name="Wo Sie helfen möchten").get_by_label("Unterkunft Mitte").check()
    phone.get_by_label(TIMES).fill("fri 15:00-19:00\nsat 10:00-13:00\nwed 17:00-19:00")
    phone.get_by_label("Stunden pro Woche, höchstens").fill("5.5")
    phone.get_by_label("Notiz für die Koordination").fill("Kann auch Deutsch mit Kindern üben.")
    phone.get_by_role("button", name="Profil speichern").click()

    expect(phone.get_by_role("status")).to_contain_text("Ihr Profil ist gespeichert.")
    expect(phone.get_by_label("Ukrainisch")).to_be_checked()
    expect(phone.get_by_label("Alltagskurs")).not_to_be_checked()
    expect(phone.get_by_label(TIMES)).to_have_value("wed 17:00-19:00\nfri 15:00-19:00\nsat 10:00-13:00")
    expect(phone.get_by_label("Stunden pro Woche, höchstens")).to_have_value("5.5")
    assert not has_horizontal_scroll(phone)
    screenshot(phone, "volunteer-profile-phone")

    login(page, live_server, "coordinator@example.org")
    page.goto(f"{live_server}/manage/")
    page.get_by_role("navigation", name="Verwaltung").get_by_role("link", name="Ehrenamtliche").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Einsatz der Ehrenamtlichen")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("Ehrenamtliche Demo")))
    expect(row.locator("td.languages")).to_have_text("Deutsch, Arabisch, Ukrainisch")
    expect(row.locator("td.skills")).to_have_text("Sprachkurs, Ehrenamtliches Angebot")
    expect(row.locator("td.wishes")).to_contain_text("Unterkunft Mitte, Unterkunft Nord")
    expect(row.locator("td.wishes")).to_contain_text("Mi 17:00–19:00, Fr 15:00–19:00, Sa 10:00–13:00")
    expect(row.locator("td.wishes")).to_contain_text("höchstens 5,5 Std. pro Woche")
    expect(row.locator("td.wishes")).to_contain_text("Kann auch Deutsch mit Kindern üben.")
    expect(row.locator("td.unfit")).to_have_text("passt")  # the Fahrradwerkstatt on Fridays in Nord, as wished
    assert row.locator("td.hours").count() == 4
    assert_accessible(page)
    screenshot(page, "manage-volunteers")


def test_a_refusal_is_shown_at_its_field_and_read_out_with_it(live_server, phone):
    login(phone, live_server, "volunteer@example.org")
    phone.goto(f"{live_server}/my/profile")
    times = phone.get_by_label(TIMES)
    times.fill("dienstags ab 16 Uhr")
    phone.get_by_role("button", name="Profil speichern").click()
    expect(times).to_have_attribute("aria-invalid", "true")
    expect(times).to_have_accessible_description(re.compile("Zeile 1: „dienstags ab 16 Uhr“ – erwartet"))
    expect(times).to_have_value("dienstags ab 16 Uhr")  # kept, to be corrected
    assert not has_horizontal_scroll(phone)
    assert_accessible(phone)
    screenshot(phone, "volunteer-profile-refused-phone")

