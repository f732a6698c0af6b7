"""Facility manager and coordinator in a real browser: a closure previewed and recorded, its room change
decided by moving the booking to another offered time (the volunteer's "My bookings", feed and mailbox show
it), a plan run on the demo city previewed and published, the coverage dashboard."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from roombook import clock
from roombook.db import db
from roombook.models import Booking, PlanRun, RoomChange, User
from roombook.notifications import outbox
from tests.browser.conftest import (
    _page,
    assert_accessible,
    has_horizontal_scroll,
    login,
    screenshot,
)
from tests.manage.conftest import Sink, free_port


@pytest.fixture
def second_page(browser):
    """The volunteer's own browser, beside the manager's."""
    context, page = _page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def smtp_sink(app, monkeypatch):
    sink = Sink(free_port())
    monkeypatch.setitem(app.config, "ROOMBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "ROOMBOOK_SMTP_PORT", sink.port)
    sink.start()
    yield sink
    sink.stop()


def _query(app, fn):
    with app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _first_workshop(session) -> dict:
    user = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    booking = session.scalars(sa.select(Booking).where(Booking.user_id == user.id, Booking.status == "active",
                                                       Booking.title == "Fahrradwerkstatt")
                              .order_by(Booking.starts_at)).first()
    return {"id": booking.id, "start": booking.starts_at.astimezone(booking.room.tz),
            "end": booking.ends_at.astimezone(booking.room.tz)}


def test_manager_closes_a_room_and_moves_the_displaced_booking_to_another_time(app, live_server, page,
                                                                               second_page, smtp_sink):
    booking = _query(app, _first_workshop)
    day = booking["start"].date()
    login(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/manage/rooms/nord-gr")
    expect(page.get_by_role("heading", name=re.compile("Gemeinschaftsraum"))).to_be_visible()
    page.get_by_label("Beginn").fill(f"{day}T15:00")
    page.get_by_label("Ende").fill(f"{day}T19:00")
    page.get_by_label("Art").select_option(label="Wartung")
    page.get_by_label("Grund").fill("Wasserschaden im Boden")
    page.get_by_role("button", name=re.compile("Vorschau")).click()

    # the preview names the booking and its owner before anything changes
    expect(page.get_by_role("heading", name=re.compile("Vorschau"))).to_be_visible()
    expect(page.get_by_text(re.compile("Fahrradwerkstatt"))).to_be_visible()
    expect(page.get_by_text(re.compile("volunteer@example.org"))).to_be_visible()
    assert _query(app, lambda s: s.get(Booking, booking["id"]).status) == "active"
    assert_accessible(page)
    screenshot(page, "manage-closure-preview")
    page.get_by_role("button", name=re.compile("Schließung anwenden")).click()

    # the room change: the booking as a series with who it belongs to and ranked options
    expect(page).to_have_url(re.compile(r"/manage/changes/\d+$"))
    series = page.locator("fieldset.series", has_text="Fahrradwerkstatt")
    expect(series).to_be_visible()
    expect(series.get_by_text("Betroffen: Ehrenamtliche Demo")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "manage-room-change")

    options = _query(app, lambda s: next(i.options for i in s.scalar(sa.select(RoomChange).order_by(
        RoomChange.id.desc())).items if i.title == "Fahrradwerkstatt"))
    # an option at another time than the lost one, so the new time is plain to see
    index, option = next((n, o) for n, o in enumerate(options)
                         if dt.datetime.fromisoformat(o["starts"][0]) != booking["start"])
    new_start = dt.datetime.fromisoformat(option["starts"][0]).astimezone(booking["start"].tzinfo)
    series.locator(f"input[value='option-{index}']").check()
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_text(re.compile("Raumänderung angewendet"))).to_be_visible()
    expect(page.locator(".series-list li", has_text="Fahrradwerkstatt")).to_contain_text("verlegt")

    moved = _query(app, lambda s: s.get(Booking, booking["id"]))
    assert moved.status == "active" and moved.starts_at == new_start and moved.title == "Fahrradwerkstatt"

    # the volunteer: "My bookings" and the private feed show the new time
    login(second_page, live_server, "volunteer@example.org")
    second_page.goto(f"{live_server}/my/bookings")
    row = second_page.locator(f"#booking-{moved.id}")
    expect(row).to_contain_text(new_start.strftime("%H:%M"))
    expect(row).to_contain_text("Fahrradwerkstatt")
    expect(row).to_contain_text("verlegt")
    second_page.goto(f"{live_server}/feeds/tokens")
    second_page.get_by_role("button", name=re.compile("Link erstellen")).first.click()
    feed_url = second_page.locator("section.new-link input[readonly]").input_value()
    feed = second_page.request.get(feed_url).text()
    assert f"DTSTART;TZID=Europe/Berlin:{new_start:%Y%m%dT%H%M%S}" in feed

    # and the mail: one for the change, with the old and the new time
    result = outbox.send_pending(app)
    assert result["failed"] == 0
    to_volunteer = [m for m in smtp_sink.messages if m["To"] == "volunteer@example.org"]
    bodies = [m.get_payload(decode=True).decode() for m in to_volunteer]
    assert len(bodies) == 1 and "Fahrradwerkstatt" in bodies[0]
    assert f"{booking['start']:%d.%m.%Y %H:%M} → " in bodies[0] and new_start.strftime("%H:%M") in bodies[0]
    # the change's page says it went out
    page.reload()
    expect(page.locator("ul.told")).to_contain_text("volunteer@example.org: gesendet")


def test_the_audit_trail_shows_the_decision(live_server, page):
    login(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/manage/audit")
    expect(page.get_by_role("heading", name=re.compile("Protokoll"))).to_be_visible()
    expect(page.locator("table").nth(1)).to_contain_text("manager@example.org")
    expect(page.locator("table").nth(1)).to_contain_text("Raumänderung entschieden")
    assert_accessible(page)


def test_a_plan_run_on_the_demo_city_previews_and_publishes(app, live_server, page, monkeypatch):
    monkeypatch.setitem(app.config, "ROOMBOOK_PLAN_TIME_LIMIT", 15)
    login(page, live_server, "coordinator@example.org")
    page.goto(f"{live_server}/manage/plans")
    page.get_by_role("button", name=re.compile("Planung starten")).click()
    expect(page.get_by_role("heading", name=re.compile(r"Planung \d+"))).to_be_visible()
    # the page polls the run's progress and shows the preview when the solver is done
    expect(page.get_by_role("heading", name=re.compile("Vorschau"))).to_be_visible(timeout=60000)
    expect(page.get_by_role("heading", name=re.compile("Nicht erfüllte Anforderungen"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"Lücken in einzelnen Wochen \(\d+\)"))).to_be_visible()
    expect(page.locator("#run-status")).to_have_text("fertig")
    assert_accessible(page)
    screenshot(page, "manage-plan-preview")
    page.get_by_role("button", name=re.compile("Veröffentlichen")).click()
    expect(page.get_by_text(re.compile("Plan veröffentlicht. Die Koordination ist"))).to_be_visible()
    expect(page.locator("#run-status")).to_have_text("veröffentlicht")
    run = _query(app, lambda s: s.scalars(sa.select(PlanRun).order_by(PlanRun.id.desc())).first())
    assert run.status == "published" and run.plan["sessions"]
    # a minimum the plan cannot meet goes to the coordinators, not into a house's conflict inbox
    page.goto(f"{live_server}/manage/outbox")
    expect(page.get_by_text(re.compile("Mindestumfang nicht erfüllt")).first).to_be_visible()


def test_the_coverage_dashboard_puts_procedural_counselling_gaps_first(live_server, page):
    login(page, live_server, "coordinator@example.org")
    page.goto(f"{live_server}/manage/coverage")
    gaps = page.get_by_role("heading", name=re.compile("Asylverfahrensberatung fehlt"))
    expect(gaps).to_be_visible()
    expect(page.locator("section.alert")).to_contain_text("Unterkunft West")
    expect(page.locator("td.cell.green").first).to_be_visible()
    expect(page.locator("td.cell.red").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "manage-coverage-dashboard")
    page.locator("td.cell a").first.click()
    expect(page.get_by_role("heading", name=re.compile("Woche ab"))).to_be_visible()


def test_the_inbox_fits_a_phone(live_server, browser):
    context, phone = _page(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        login(phone, live_server, "manager@example.org")
        phone.goto(f"{live_server}/manage/conflicts")
        assert not has_horizontal_scroll(phone)
        assert_accessible(phone)
    finally:
        context.close()


# The printable width of an A4 page with the report's 15 mm margins, in CSS pixels (96 per inch).
A4_PRINTABLE_PX = (210 - 2 * 15) / 25.4 * 96


def test_the_council_report_has_its_charts_fits_a_phone_and_prints_on_a4(live_server, page, browser):
    monday = clock.week_of(clock.today())
    url = f"{live_server}/manage/reports?from={monday}&to={monday + dt.timedelta(weeks=8)}"
    login(page, live_server, "coordinator@example.org")
    page.goto(url)
    expect(page.get_by_role("heading", name="Bericht an den Rat")).to_be_visible()
    charts = page.locator("figure.chart svg[role=img]")
    expect(charts).to_have_count(3)
    assert "<style" not in page.content()  # the charts keep to the content security policy
    expect(page.locator("#table-abdeckung_kategorien tbody tr")).to_have_count(5)  # each chart's figures follow
    assert_accessible(page)
    screenshot(page, "manage-report")

    # printed: laid out for A4's printable width, nothing reaches past it
    page.emulate_media(media="print")
    page.set_viewport_size({"width": int(A4_PRINTABLE_PX), "height": 1100})
    widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('body *')]
        .filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().right))""")
    assert widest <= A4_PRINTABLE_PX + 0.5, widest
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000

    # on a phone, and without the tests' CSP bypass: nothing refused, nothing scrolling sideways
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    refused = []
    phone.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
             else None)
    try:
        login(phone, live_server, "coordinator@example.org")
        phone.goto(url)
        expect(phone.locator("figure.chart svg")).to_have_count(3)
        assert not has_horizontal_scroll(phone)
        assert refused == []
    finally:
        context.close()
