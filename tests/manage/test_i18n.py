"""The management pages speak the page language: German by default, English after the switch, with no German
heading, label or button left over (the names of houses, rooms and offers are data and stay as they are)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from roombook.i18n import CATALOGS
from roombook.models import Accommodation, Offer, PlanRun, Provider, Room, User
from roombook.planning import runs as plan_runs
from tests.conftest import login
from tests.manage.conftest import token_from

PAGES = ["/manage/", "/manage/changes", "/manage/conflicts", "/manage/audit", "/manage/plans", "/manage/coverage",
         "/manage/coverage/nord/language_course", "/manage/offers", "/manage/offers/new", "/manage/rooms/nord-gr",
         "/manage/accommodations/west/requirements", "/manage/outbox", "/manage/volunteers", "/manage/reports"]
# Where a page names things: headings, table heads, labels, buttons, links of the navigation.
NAMING = {"title", "h1", "h2", "h3", "th", "caption", "label", "button", "summary", "option", "nav"}


class _Naming(HTMLParser):
    """The texts inside the naming elements of a page."""

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in NAMING:
            self.open.append(tag)
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.texts[-1] += data


def naming_texts(page: str) -> list[str]:
    parser = _Naming()
    parser.feed(page)
    return [" ".join(t.split()) for t in parser.texts if t.strip()]


def german_phrases() -> set[str]:
    """The literal parts of the German texts that their English translation does not contain."""
    with (CATALOGS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    phrases = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for german in ids:
            if german in strings:
                continue  # the same in both languages ("Name", "Details")
            for part in re.split(r"%\(\w+\)\w", german):
                part = part.strip(" :·()„“.,;?–")
                if len(part) >= 4 and not any(part.lower() in english.lower() for english in strings):
                    phrases.add(part)  # not "Plan" of "Plan %(status)s", which English keeps
    return phrases


def german_left(page: str, names: list[str]) -> list[tuple[str, str]]:
    """(text, German phrase) for each naming text of the page that still holds German once the data's `names`
    (places, rooms, people: the same in every language) are taken out."""
    german = german_phrases()
    leftovers = []
    for text in naming_texts(page):
        for name in names:
            text = text.replace(name, "")
        leftovers += [(text, phrase) for phrase in german if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)]
    return leftovers


@pytest.fixture
def in_english(client, demo):
    login(client, "coordinator@example.org")
    response = client.post("/language", data={"csrf_token": token_from(client), "lang": "en",
                                               "next": "/manage/"})
    assert response.status_code == 302 and response.headers["Location"] == "/manage/"
    return client


def _data_names(session) -> list[str]:
    names = [*session.scalars(sa.select(Accommodation.name)), *session.scalars(sa.select(Room.name)),
             *session.scalars(sa.select(Offer.title)), *session.scalars(sa.select(Provider.name)),
             *session.scalars(sa.select(User.display_name))]
    return sorted(names, key=len, reverse=True)  # longest first, so no name is cut by a shorter one


def test_the_language_switch_is_on_the_management_pages(client, demo):
    login(client, "manager@example.org")
    page = client.get("/manage/").get_data(as_text=True)
    assert '<html lang="de"' in page and 'action="/language"' in page and 'value="en"' in page
    assert "<h1>Verwaltung</h1>" in page and "Management" not in page


@pytest.mark.parametrize("url", PAGES)
def test_a_management_page_in_english_has_no_german_names(in_english, demo, url):
    response = in_english.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en"' in page
    assert german_left(page, _data_names(demo)) == []


def test_english_management_pages_read_in_english(in_english, demo):
    home = in_english.get("/manage/").get_data(as_text=True)
    assert "<h1>Management</h1>" in home and re.search(r"\d+ open conflicts?<", home) and "Verwaltung" not in home
    coverage = in_english.get("/manage/coverage").get_data(as_text=True)
    assert "Coverage of the mandatory offers" in coverage and "Language course" in coverage
    assert "Abdeckung" not in coverage and "Sprachkurs" not in coverage
    closure = {"csrf_token": token_from(in_english), "start": "2031-01-01T10:00", "end": "2031-01-01T12:00",
               "reason": "Putzen", "apply": "1"}
    applied = in_english.post("/manage/rooms/nord-gr/closures", data=closure, follow_redirects=True)
    room = applied.get_data(as_text=True)
    assert "Closure recorded; it hits no session and no booking." in room and "Wed 01.01.2031 10:00" in room
    assert "Opening hours" in room and "Add a closure" in room and "Öffnungszeiten" not in room


def test_a_stored_failure_of_the_app_shows_in_the_page_language(in_english, demo):
    coordinator = demo.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    run = PlanRun(created_by_id=coordinator.id, scope=["nord"], status="failed", error=plan_runs.ABANDONED)
    demo.add(run)
    demo.flush()
    page = in_english.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    assert f"<h1>Plan run {run.id} " in page
    assert "The plan run failed: Abandoned: the process running it ended." in page
    assert "Abgebrochen" not in page and "Discard" in page


def test_refusals_of_the_rules_follow_the_page_language(in_english, demo):
    data = {"csrf_token": token_from(in_english, "/manage/rooms/nord-gr"), "start": "2031-01-01T10:00",
            "end": "2031-01-01T09:00", "reason": "x", "preview": "1"}
    response = in_english.post("/manage/rooms/nord-gr/closures", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The end must be after the start." in page and "Das Ende muss" not in page
