"""A volunteer keeps their profile on a phone, and the coordinator sees it on the volunteers' overview, in a real
browser: filled in and saved, a refusal shown at its field, accessibility and the CSP."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
    has_horizontal_scroll,
    login,
    screenshot,
)

TIMES = "Wann Sie Zeit haben"


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
    times = phone.get_by_role("group", name=TIMES)
    expect(times.get_by_label("Freitag von")).to_have_value("15:00")  # the stored times, to change
    expect(times.get_by_label("Samstag bis")).to_have_value("13:00")
    times.get_by_label("Mittwoch von").fill("17:00")
    times.get_by_label("Mittwoch bis").fill("19:00")
    # a second time on Wednesday: the day's button shows one more pair
    expect(times.get_by_label("Mittwoch, 2. Zeit von")).to_be_hidden()
    times.get_by_role("button", name="Weitere Zeit am Mittwoch").click()
    expect(times.get_by_label("Mittwoch, 2. Zeit von")).to_be_focused()
    times.get_by_label("Mittwoch, 2. Zeit von").fill("20:00")
    times.get_by_label("Mittwoch, 2. Zeit bis").fill("21:00")
    times.get_by_label("Donnerstag von").fill("09:00")
    times.get_by_label("Donnerstag bis").fill("11:30")
    assert not has_horizontal_scroll(phone)
    phone.get_by_label("Stunden pro Woche, höchstens").fill("5.5")
    phone.get_by_label("Notiz für die Koordination").fill("Kann auch Deutsch mit Kindern üben.")
    phone.get_by_role("button", name="Profil speichern").click()

    expect(phone.get_by_role("status")).to_contain_text("Ihr Profil ist gespeichert.")
    expect(phone.get_by_label("Ukrainisch")).to_be_checked()
    expect(phone.get_by_label("Alltagskurs")).not_to_be_checked()
    times = phone.get_by_role("group", name=TIMES)
    expect(times.get_by_label("Mittwoch, 2. Zeit bis")).to_have_value("21:00")
    for label, value in (("Mittwoch von", "17:00"), ("Mittwoch bis", "19:00"), ("Donnerstag von", "09:00"),
                         ("Donnerstag bis", "11:30"), ("Freitag von", "15:00"), ("Samstag bis", "13:00"),
                         ("Montag von", "")):
        expect(times.get_by_label(label)).to_have_value(value)
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
    expect(row.locator("td.wishes")).to_contain_text(
        "Mi 17:00–19:00, Mi 20:00–21:00, Do 09:00–11:30, Fr 15:00–19:00, Sa 10:00–13:00")
    expect(row.locator("td.wishes")).to_contain_text("höchstens 5,5 Std. pro Woche")
    expect(row.locator("td.wishes")).to_contain_text("Kann auch Deutsch mit Kindern üben.")
    expect(row.locator("td.unfit")).to_have_text("passt")  # the Fahrradwerkstatt on Fridays in Nord, as wished
    assert row.locator("td.hours").count() == 4
    assert_accessible(page)
    screenshot(page, "manage-volunteers")


def test_a_refusal_is_shown_at_its_field_and_read_out_with_it(live_server, phone):
    login(phone, live_server, "volunteer@example.org")
    phone.goto(f"{live_server}/my/profile")
    times = phone.get_by_role("group", name=TIMES)
    times.get_by_label("Dienstag von").fill("19:00")
    times.get_by_label("Dienstag bis").fill("16:00")
    phone.get_by_role("button", name="Profil speichern").click()
    # the rules' refusal is read out with the group of times
    times = phone.get_by_role("group", name=TIMES)
    expect(times).to_have_accessible_description(
        re.compile("Leer: zu jeder Zeit. Dienstag: das Ende muss nach dem Beginn liegen."))
    expect(times.get_by_label("Dienstag von")).to_have_value("19:00")  # kept, to be corrected
    expect(times.get_by_label("Dienstag bis")).to_have_value("16:00")
    assert not has_horizontal_scroll(phone)
    assert_accessible(phone)

    # one of a day's two times missing: refused at that day, read out with both of its inputs
    times.get_by_label("Dienstag bis").fill("")
    phone.get_by_role("button", name="Profil speichern").click()
    times = phone.get_by_role("group", name=TIMES)
    for label in ("Dienstag von", "Dienstag bis"):
        expect(times.get_by_label(label)).to_have_attribute("aria-invalid", "true")
        expect(times.get_by_label(label)).to_have_accessible_description(
            "Bitte „von“ und „bis“ angeben – oder beide leer lassen.")
    expect(times.get_by_label("Dienstag von")).to_have_value("19:00")
    expect(times.get_by_label("Freitag von")).to_have_value("15:00")  # the other days as they were
    assert not has_horizontal_scroll(phone)
    assert_accessible(phone)
    screenshot(phone, "volunteer-profile-refused-phone")

