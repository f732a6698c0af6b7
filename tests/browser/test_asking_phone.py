"""Filling a gap from a phone (360 px): the coordinator asks a volunteer from a red coverage cell, the volunteer
accepts on their start page, the plan is run and published, and the cell turns green. Axe clean on each page.

The demo city's Unterkunft West has no counselling; Jonas (counselling, anywhere, Tue and Thu 17–20) could help."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from roombook import clock
from tests.browser.conftest import (
    _page,
    assert_accessible,
    has_horizontal_scroll,
    login,
    screenshot,
)
from tests.dates import quiet_monday

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


@pytest.fixture
def volunteer_phone(browser):
    """Jonas's own phone, beside the coordinator's."""
    context, page = _page(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    yield page
    context.close()


def test_a_volunteer_asked_from_a_red_cell_accepts_and_the_cell_turns_green(app, live_server, phone,
                                                                            volunteer_phone, monkeypatch):
    monkeypatch.setitem(app.config, "ROOMBOOK_PLAN_TIME_LIMIT", 10)
    week = quiet_monday(clock.today(), 1).isoformat()
    cell = f'a[href="/manage/coverage/west/counselling?week={week}"]'
    login(phone, live_server, "coordinator@example.org")
    phone.goto(f"{live_server}/manage/coverage?week={week}")
    expect(phone.locator(f"td.cell.red {cell}")).to_have_count(1)
    phone.locator(cell).click()

    # the drill-down: who could help, with why; tick Jonas and ask
    expect(phone.get_by_role("heading", name=re.compile("Unterkunft West · Beratung"))).to_be_visible()
    helpers = phone.locator("#could-help")
    expect(helpers).to_contain_text("Wunschzeiten passen für 60 Minuten")
    helpers.get_by_label("Jonas B.").check()
    assert not has_horizontal_scroll(phone)
    assert_accessible(phone)
    screenshot(phone, "asking-drill-down-phone")
    helpers.get_by_role("button", name="Anfragen").click()
    expect(phone.get_by_text(re.compile("Angefragt; die Gefragten bekommen eine Mail"))).to_be_visible()
    expect(helpers).to_contain_text("gefragt")

    # Jonas accepts on his start page
    login(volunteer_phone, live_server, "jonas@example.org")
    requests = volunteer_phone.locator("#help-requests")
    expect(requests).to_contain_text("Beratung, Unterkunft West")
    assert not has_horizontal_scroll(volunteer_phone)
    assert_accessible(volunteer_phone)
    screenshot(volunteer_phone, "asking-start-page-phone")
    requests.get_by_role("button", name=re.compile("Zusagen")).click()
    expect(volunteer_phone.get_by_text(re.compile("Danke! Ihre Zusage ist bei der Koordination"))).to_be_visible()
    expect(volunteer_phone.locator("#help-requests")).to_have_count(0)

    # the coordinator plans West, publishes, and sees the cell green
    phone.goto(f"{live_server}/manage/plans")
    phone.get_by_label("Unterkünfte").select_option(label="Unterkunft West")
    phone.get_by_role("button", name=re.compile("Planung starten")).click()
    expect(phone.get_by_role("heading", name=re.compile("Vorschau"))).to_be_visible(timeout=60000)
    phone.get_by_role("button", name=re.compile("Veröffentlichen")).click()
    expect(phone.locator("#run-status")).to_have_text("veröffentlicht")
    phone.goto(f"{live_server}/manage/coverage?week={week}")
    expect(phone.locator(f"td.cell.green {cell}")).to_have_count(1)
    assert_accessible(phone)
    phone.goto(f"{live_server}/manage/help-requests")
    expect(phone.locator(".help-request")).to_contain_text("zugesagt")
    expect(phone.locator(".help-request .tag.green")).to_be_visible()
    assert_accessible(phone)
    screenshot(phone, "asking-requests-phone")
