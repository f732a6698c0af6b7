"""Volunteers and residents in a real browser: a volunteer finds a free slot, books it, sees it in "My bookings"
and in the private feed, cancels it; a clash is refused with alternatives; the week view on a 360 px phone;
the A4 poster of every demo accommodation in German and Arabic; accessibility and the CSP.

One module, so the demo city is loaded once for all of them (the live server is per module)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from roombook import clock
from roombook.scenario.demo import workshop_fridays
from tests.browser.conftest import (
    SCREENSHOTS,
    assert_accessible,
    describe,
    has_horizontal_scroll,
    login,
    screenshot,
    serious_accessibility_violations,
)
from tests.dates import quiet_monday


def next_monday() -> dt.date:
    """The first coming week that holds no holiday and not the painters: the server's clock says which (the
    pages' scripts read no date, so the browser's clock needs no setting)."""
    return quiet_monday(clock.today())


def private_feed_text(page, base: str) -> str:
    """Create the volunteer's private feed link on the feeds page and fetch the feed with it."""
    page.goto(f"{base}/feeds/tokens")
    page.get_by_role("button", name=re.compile("Link erstellen")).click()
    url = page.locator("section.new-link input[readonly]").input_value()
    response = page.request.get(url)
    assert response.ok, url
    return response.text()


def test_volunteer_books_a_free_slot_sees_it_in_my_bookings_and_feed_and_cancels_it(live_server, page):
    login(page, live_server, "volunteer@example.org")
    page.goto(f"{live_server}/accommodations/nord?week={next_monday().isoformat()}")
    expect(page).to_have_title(re.compile("Unterkunft Nord"))
    assert_accessible(page)
    screenshot(page, "week-view-desktop")

    # the first free slot of the week in the Gemeinschaftsraum, booked from the week view
    page.locator(".room.selected .entry.free a").first.click()
    expect(page.get_by_label("Raum")).to_have_value("nord-gr")
    page.get_by_label("Titel (wofür?)").fill("Spieleabend")
    assert_accessible(page)
    page.get_by_role("button", name="Buchen", exact=True).click()

    expect(page).to_have_url(re.compile(r"/my/bookings"))
    expect(page.get_by_role("status")).to_contain_text("Gebucht: Spieleabend, 1 Termin.")
    row = page.locator("tr.new")
    expect(row).to_contain_text("Spieleabend")
    expect(row).to_contain_text("Unterkunft Nord, Gemeinschaftsraum")
    assert_accessible(page)
    screenshot(page, "my-bookings")

    feed = private_feed_text(page, live_server)
    assert "SUMMARY:Spieleabend" in feed.replace("\r\n ", "")

    page.goto(f"{live_server}/my/bookings")
    page.get_by_role("link", name=re.compile("Spieleabend am .* absagen")).click()
    page.get_by_label("Grund der Absage").fill("Der Spieleabend fällt aus.")
    assert_accessible(page)
    page.get_by_role("button", name="Buchung absagen").click()
    expect(page.get_by_role("status")).to_contain_text("Abgesagt: Spieleabend")
    expect(page.locator("ul.past")).to_contain_text("Der Spieleabend fällt aus.")
    expect(page.locator("table.bookings")).not_to_contain_text("Spieleabend")


def test_a_clash_is_refused_with_alternatives_that_book_in_one_more_click(live_server, page):
    login(page, live_server, "volunteer@example.org")
    monday = next_monday().isoformat()
    # Mondays 09:00-10:30 the Deutschkurs A1 holds the Gemeinschaftsraum
    page.goto(f"{live_server}/book?room=nord-gr&date={monday}&start=09:30&end=10:30&title=Sprachcaf%C3%A9")
    page.get_by_role("button", name="Buchen", exact=True).click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Nicht gebucht")
    expect(problem).to_contain_text("Deutschkurs A1")
    alternatives = page.locator("ul.alternatives a")
    assert alternatives.count() >= 3
    assert_accessible(page)
    screenshot(page, "booking-refused-with-alternatives")

    alternatives.first.click()
    expect(page.get_by_label("Titel (wofür?)")).to_have_value("Sprachcafé")
    page.get_by_role("button", name="Buchen", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Gebucht: Sprachcafé")


def test_weekly_booking_lists_the_clashing_weeks_and_lets_the_volunteer_choose(live_server, page):
    login(page, live_server, "volunteer@example.org")
    # the demo volunteer's Fahrradwerkstatt holds the first two of these Fridays 16:00-18:00; ask for all three
    friday = workshop_fridays(clock.today())[0].isoformat()
    page.goto(f"{live_server}/book?room=nord-gr&date={friday}&start=16:00&end=17:00&weeks=3&title=Chor")
    page.get_by_role("button", name="Buchen", exact=True).click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("2 Wochen können nicht gebucht werden")
    expect(problem).to_contain_text("Es ist noch nichts gebucht")
    expect(page.get_by_role("link", name="Nichts buchen")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "weekly-clash")
    page.get_by_role("button", name="Die übrige 1 Woche buchen").click()
    expect(page.get_by_role("status")).to_contain_text("Gebucht: Chor, 1 Termin.")
    expect(page.get_by_role("status")).to_contain_text("Nicht gebucht am")


def test_week_view_on_a_phone_shows_one_room_at_a_time_without_horizontal_scrolling(live_server, phone):
    login(phone, live_server, "volunteer@example.org")
    phone.goto(f"{live_server}/accommodations/nord?week={next_monday().isoformat()}")
    assert not has_horizontal_scroll(phone)
    first_day = phone.locator("section.day").first
    expect(first_day.locator(".room").nth(0)).to_be_visible()
    expect(first_day.locator(".room").nth(1)).to_be_hidden()
    assert_accessible(phone)
    screenshot(phone, "week-view-phone")

    phone.get_by_role("navigation", name="Raum wählen").get_by_role("link", name="Beratungsraum").click()
    first_day = phone.locator("section.day").first
    expect(first_day.locator(".room").nth(1)).to_be_visible()
    expect(first_day.locator(".room").nth(0)).to_be_hidden()
    assert not has_horizontal_scroll(phone)
    for url in ("/my/bookings", "/book", "/accommodations/nord/offers?lang=ar"):
        phone.goto(live_server + url)
        assert not has_horizontal_scroll(phone), url
    screenshot(phone, "public-schedule-phone-ar")


def test_main_pages_have_no_serious_accessibility_violations(live_server, page):
    anonymous = ["/", "/accommodations/mitte", "/accommodations/west/offers?lang=fa",
                 "/accommodations/sued/poster?lang=uk"]
    for url in anonymous:
        page.goto(live_server + url)
        assert page.title(), url
        violations = serious_accessibility_violations(page)
        assert violations == [], (url, describe(violations))
    login(page, live_server, "department@example.org")
    for url in ("/department",):
        page.goto(live_server + url)
        violations = serious_accessibility_violations(page)
        assert violations == [], (url, describe(violations))
    screenshot(page, "department")


def test_everything_works_with_the_keyboard(live_server, page):
    """Log in and reach a free slot's booking link with the Tab key alone; focus is always visible."""
    page.goto(f"{live_server}/login")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("E-Mail").focus()
    page.keyboard.type("volunteer@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Sie sind angemeldet.")
    page.goto(f"{live_server}/accommodations/nord?week={next_monday().isoformat()}")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.entry.free') !== null"):
            break
    else:
        raise AssertionError("no free slot reachable by keyboard")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/book\?"))


def test_pages_respect_the_content_security_policy(live_server, browser):
    """No inline script or style on these pages: the CSP (enforced here) reports no violation."""
    # the harness's pages bypass the CSP (to inject axe-core); this one enforces it
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", viewport={"width": 1280, "height": 900})
    strict = context.new_page()
    problems = []
    strict.on("console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text
              else None)
    login(strict, live_server, "volunteer@example.org")
    for url in (f"/accommodations/nord?week={next_monday().isoformat()}", "/book", "/my/bookings", "/my/profile",
                "/accommodations/nord/offers?lang=ar", "/accommodations/nord/poster"):
        strict.goto(live_server + url)
        strict.wait_for_load_state("load")
    expect(strict.get_by_role("button", name="Drucken")).to_be_visible()  # print.js ran
    login(strict, live_server, "coordinator@example.org")
    strict.goto(f"{live_server}/manage/volunteers")
    strict.wait_for_load_state("load")
    context.close()
    assert problems == []


@pytest.mark.parametrize("lang,direction,heading", [("de", "ltr", "Angebote in"), ("ar", "rtl", "العروض في")])
def test_poster_of_each_demo_accommodation(live_server, page, lang, direction, heading):
    for key in ("nord", "mitte", "sued", "west"):
        page.goto(f"{live_server}/accommodations/{key}/poster?lang={lang}")
        assert page.locator("html").get_attribute("dir") == direction
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert page.locator(".poster .pubday").count() == 7
        if key == "nord":
            violations = serious_accessibility_violations(page)
            assert violations == [], describe(violations)
        page.emulate_media(media="print")
        assert page.locator("header.site").is_hidden() and page.locator(".noprint").is_hidden()
        screenshot(page, f"poster-{key}-{lang}")
        SCREENSHOTS.mkdir(exist_ok=True)
        pdf = page.pdf(path=str(SCREENSHOTS / f"poster-{key}-{lang}.pdf"), format="A4", print_background=True,
                       prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")
        page.emulate_media(media="screen")
