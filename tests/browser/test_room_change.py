"""The Zechenring story in a real browser, on a 360 px phone and on a desktop: the administration needs Unterkunft
Nord's Gemeinschaftsraum as a store for three weeks. The manager records the closure, lands on the one page of
the room change and confirms it in a handful of clicks (counted); the volunteer answers from the notice at the
top of their pages; the residents' schedule in Arabic shows the room closed and the sessions at their new
place; the manager is asked to reprint the poster, which shows the change too. Every page passes the axe
check, fits the phone without sideways scrolling, and keeps the content security policy.

The demo city is loaded afresh for each device: the story changes it.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from roombook import clock
from roombook.db import db, transaction
from roombook.models import Booking, ChangeItem, Occurrence, RoomChange
from roombook.notifications import outbox
from roombook.scenario.demo import load_demo
from tests.browser.conftest import (
    _page,
    _wipe,
    describe,
    has_horizontal_scroll,
    login,
    screenshot,
    serious_accessibility_violations,
)
from tests.dates import quiet_monday
from tests.manage.conftest import Sink, free_port

REASON = "Verwaltung nutzt den Raum als Lager"
GROUP = "Deutsch-Gesprächsgruppe"
# Log in, open the management area, the room, preview, record, hand the volunteer's group to them, confirm:
# the clicks (and the one choice of the closure's kind) a manager needs for a three-week closure.
MOST_CLICKS = 8
DEVICES = {"phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
           "desktop": {"viewport": {"width": 1280, "height": 900}}}


class Clicks:
    """Counts what the person does with the mouse or a finger; typing into a field is not counted."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def choose(self, locator, label: str) -> None:
        self.count += 1
        locator.select_option(label=label)


def check_page(page, name: str) -> None:
    """Every page of the story: no serious accessibility violation, no sideways scrolling, a screenshot."""
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)
    assert not has_horizontal_scroll(page), name
    screenshot(page, name)


@pytest.fixture
def city(app, live_server):
    """The demo city, loaded afresh (the story changes it); the server keeps running."""
    with app.app_context():
        _wipe()
        with transaction():
            load_demo(db.session, clock.today())
        db.session.remove()
    return live_server


@pytest.fixture
def mailbox(app, monkeypatch):
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


def csp_problems(browser, base: str, email: str | None, urls: list[str]) -> list[str]:
    """Visit the pages with the content security policy enforced (the story's own pages bypass it, so axe-core
    can be injected): what the browser reports as refused."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    if email:
        login(page, base, email)
    for url in urls:
        page.goto(base + url)
        page.wait_for_load_state("load")
    context.close()
    return problems


def _change_of(session) -> dict:
    change = session.scalars(sa.select(RoomChange).order_by(RoomChange.id.desc())).first()
    items = {}
    for item in change.items:  # by title (the first of two courses of one title: Monday's and Wednesday's)
        items.setdefault(item.title, {"id": item.id, "status": item.status, "kind": item.kind,
                                      "options": item.options, "made": list(item.made), "hits": list(item.hits)})
    return {"id": change.id, "status": change.status, "series": len(change.items), "items": items}


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_zechenring_story(app, browser, city, mailbox, device):
    base = city
    monday = quiet_monday(clock.today())
    end = monday + dt.timedelta(weeks=3)

    # --- the manager: closure, the one page, confirm ---------------------------------------------------
    manager_context, manager = _page(browser, **DEVICES[device])
    clicks = Clicks()
    login(manager, base, "manager@example.org", click=clicks.click)
    clicks.click(manager.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Verwaltung"))
    clicks.click(manager.locator(".card", has_text="Unterkunft Nord").get_by_role("link", name="Gemeinschaftsraum"))
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Gemeinschaftsraum")
    manager.get_by_label("Beginn").fill(f"{monday}T00:00")
    manager.get_by_label("Ende").fill(f"{end}T00:00")
    clicks.choose(manager.get_by_label("Art", exact=True), "andere Nutzung durch die Verwaltung")
    manager.get_by_label("Grund").fill(REASON)
    check_page(manager, f"room-change-{device}-1-room")
    clicks.click(manager.get_by_role("button", name="Vorschau"))
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Vorschau")
    expect(manager.get_by_text("(andere Nutzung durch die Verwaltung)")).to_be_visible()
    check_page(manager, f"room-change-{device}-2-preview")
    clicks.click(manager.get_by_role("button", name="Schließung anwenden"))

    # the one page: every series with its proposal chosen
    expect(manager).to_have_url(re.compile(r"/manage/changes/\d+$"))
    change = _query(app, _change_of)
    assert change["status"] == "proposed" and {"Deutschkurs A1", "Sprechstunde Ausländerangelegenheiten", GROUP} \
        <= set(change["items"])
    series = manager.locator("fieldset.series")
    expect(series).to_have_count(change["series"])
    course = manager.locator("fieldset.series", has_text="Deutschkurs A1").first
    expect(course).to_contain_text("Volkshochschule")
    expect(course).to_contain_text("Stadtteilbibliothek Nord")
    expect(course.get_by_role("radio").first).to_be_checked()
    check_page(manager, f"room-change-{device}-3-decide")
    change_url = f"/manage/changes/{change['id']}"
    assert csp_problems(browser, base, "manager@example.org",
                        [change_url, "/manage/changes", "/manage/conflicts", "/manage/"]) == []
    group = manager.locator("fieldset.series", has_text=GROUP)
    clicks.click(group.get_by_label(re.compile("wählen lassen")))
    clicks.click(manager.get_by_role("button", name="Bestätigen"))

    # what was decided, who was told, the posters to reprint
    expect(manager.get_by_role("status")).to_contain_text("Raumänderung angewendet")
    assert clicks.count <= MOST_CLICKS, f"the manager needed {clicks.count} clicks"
    print(f"\nthe manager's clicks on the {device}: {clicks.count}")
    decided = _query(app, _change_of)
    assert decided["status"] == "applied" and decided["items"][GROUP]["status"] == "asked"
    assert decided["items"]["Deutschkurs A1"]["status"] == "moved"
    expect(manager.locator(".series-list li", has_text=GROUP)).to_contain_text("Ehrenamtliche entscheiden")
    expect(manager.locator(".series-list li", has_text="Deutschkurs A1").first).to_contain_text("verlegt")
    expect(manager.locator("ul.told")).to_contain_text("kurse@vhs.example.org: wartet auf Versand")
    assert outbox.send_pending(app)["failed"] == 0
    manager.reload()
    expect(manager.locator("ul.told")).to_contain_text("volunteer@example.org: gesendet")
    reprint = manager.locator("section.reprint")
    expect(reprint.get_by_role("link")).to_have_count(3)
    check_page(manager, f"room-change-{device}-4-decided")
    reprint.get_by_role("link").first.click()
    expect(manager).to_have_url(re.compile(rf"/accommodations/nord/poster\?week={monday}"))
    poster_course = manager.locator(".entry.occurrence", has_text="Deutschkurs A1").first
    expect(poster_course).to_contain_text("verlegt")
    expect(poster_course).to_contain_text("Stadtteilbibliothek Nord")
    expect(manager.locator(".entry.closure").first).to_contain_text("geschlossen")
    expect(manager.locator("body")).not_to_contain_text(REASON)
    check_page(manager, f"room-change-{device}-5-poster")
    manager_context.close()
    item = decided["items"][GROUP]
    assert csp_problems(browser, base, "manager@example.org", [change_url]) == []
    assert csp_problems(browser, base, "volunteer@example.org", ["/", f"/my/changes/{item['id']}", "/my/bookings"]) == []

    # --- the volunteer: the notice on their pages, the answer from it ------------------------------------
    volunteer_context, volunteer = _page(browser, **DEVICES[device])
    login(volunteer, base, "volunteer@example.org")
    notice = volunteer.locator("section.notice")
    expect(notice).to_contain_text(f"„{GROUP}“: Gemeinschaftsraum ist geschlossen.")
    expect(notice).to_contain_text("Für Sie vorgemerkt")
    check_page(volunteer, f"room-change-{device}-6-notice")
    if device == "phone":  # takes the slot held for them, right from the notice
        notice.get_by_role("button", name=re.compile("Vorschlag annehmen")).click()
        expect(volunteer.get_by_role("status")).to_contain_text(f"Gespeichert: „{GROUP}“ findet am neuen Ort statt.")
        held = _query(app, lambda s: [(s.get(Booking, i).room_id, s.get(Booking, i).starts_at) for i in item["made"]])
        answered = "accept"
    else:  # looks at the other options and takes the first
        notice.get_by_role("link", name=re.compile("andere Möglichkeit")).click()
        expect(volunteer.get_by_role("heading", level=1)).to_contain_text(GROUP)
        check_page(volunteer, f"room-change-{device}-7-question")
        volunteer.get_by_role("button", name=re.compile("Diese nehmen")).first.click()
        expect(volunteer.get_by_role("status")).to_contain_text("Gespeichert")
        option = item["options"][0]
        held = [(option["room_id"], dt.datetime.fromisoformat(start)) for start in option["starts"]]
        answered = "option"
    expect(volunteer.locator("section.notice")).to_have_count(0)
    answer = _query(app, lambda s: (s.get(ChangeItem, item["id"]).status, s.get(ChangeItem, item["id"]).answer,
                                    [(b.room_id, b.starts_at) for b in (s.get(Booking, i) for i in item["made"])]))
    assert answer == ("moved", answered, held)

    # "my bookings": the dates at their new time, marked as moved, with where they were
    volunteer.get_by_role("link", name="Meine Buchungen").first.click()
    row = volunteer.locator(f"#booking-{item['made'][0]}")  # the earliest of the dates
    expect(row).to_contain_text("verlegt")
    expect(row).to_contain_text("statt Sa.")
    check_page(volunteer, f"room-change-{device}-8-my-bookings")
    volunteer_context.close()

    # --- the residents: the week in Arabic ------------------------------------------------------------------
    resident_context, resident = _page(browser, **DEVICES[device])
    schedule = f"/accommodations/nord/offers?lang=ar&week={monday}"
    resident.goto(base + schedule)
    assert resident.locator("html").get_attribute("dir") == "rtl"
    expect(resident.locator("section.notice")).to_have_count(0)
    # the room and the course as the demo names them in Arabic
    closed = resident.locator(".entry.closure", has_text="قاعة الاجتماعات").first
    expect(closed).to_contain_text("مغلق")
    moved_course = resident.locator(".entry.occurrence", has_text="دورة اللغة الألمانية A1").first
    expect(moved_course).to_contain_text("تم نقله")
    expect(moved_course).to_contain_text("Stadtteilbibliothek Nord")
    expect(moved_course).to_contain_text("مكان بديل")
    first_course = decided["items"]["Deutschkurs A1"]["hits"][0]["occurrence"]
    new_time = _query(app, lambda s: s.get(Occurrence, first_course).starts_at.astimezone(
        s.get(Occurrence, first_course).room.tz).strftime("%H:%M"))
    expect(moved_course).to_contain_text(new_time)
    expect(resident.locator("body")).not_to_contain_text(REASON)
    check_page(resident, f"room-change-{device}-9-residents-ar")
    resident_context.close()
    assert csp_problems(browser, base, None, [schedule, f"/accommodations/nord/poster?lang=ar&week={monday}"]) == []
