"""The one rule for text people type (roombook.db.text_fault) where text enters: forms, API fields, URL keys.
No control characters (a line break only where text has lines), no bidi embeddings, overrides or
isolates, nothing made only of invisible characters; the marks right-to-left text needs stay. (Where text
leaves, in calendars: tests/feeds/test_ical.py.) And the data export is kept by no cache."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook.db import TextFault, text_fault
from roombook.models import Booking
from tests.conftest import csrf_token, login
from tests.hardening.conftest import PASSWORD, slot
from tests.web.test_week_view_queries import counting_selects

# Titles people write in the languages the public pages speak, with the marks their scripts need.
ACCEPTED = {"German": "Nähcafé für alle", "Persian with ZWNJ": "کلاس\u200cهای زبان آلمانی",
            "Arabic with RLM": "\u200fدرس اللغة (A1)", "Hebrew then Latin with LRM": "שיעור\u200e A1",
            "emoji with ZWJ": "Familien 👨\u200d👩\u200d👧", "a tab": "Teil 1\tTeil 2"}
BIDI = {f"U+{ord(c):04X}": f"Kurs \u0645{c}txt.exe" for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"}
INVISIBLE = {"zero-width space": "\u200b\u200b", "word joiner": "\u2060", "Hangul filler": "\u3164",
             "blank Braille": "\u2800 \u2800", "RLM alone": "\u200f", "soft hyphen": "\u00ad",
             "variation selector": "\ufe0f"}
CONTROL = {"CR LF": "Treffen\r\nBcc: x@example.org", "LF": "Treffen\nTeil 2", "U+2028": "Treffen\u2028Teil 2",
           "NEL": "Treffen\x85", "bell": "Treffen\x07", "DEL": "Treffen\x7f"}
REFUSED = {**{k: (v, TextFault.BIDI) for k, v in BIDI.items()},
           **{k: (v, TextFault.INVISIBLE) for k, v in INVISIBLE.items()},
           **{k: (v, TextFault.CONTROL) for k, v in CONTROL.items()}}


@pytest.mark.parametrize("value", ACCEPTED.values(), ids=ACCEPTED)
def test_text_people_write_is_accepted(value):
    assert text_fault(value) is None and text_fault(value, multiline=True) is None


@pytest.mark.parametrize("value,fault", REFUSED.values(), ids=REFUSED)
def test_one_line_text_is_refused_for_its_fault(value, fault):
    assert text_fault(value) == fault


def test_text_of_several_lines_may_hold_line_breaks_but_no_other_control():
    assert text_fault("Erste Zeile\r\nzweite\u2028dritte\n", multiline=True) is None
    assert text_fault("Erste Zeile\x07", multiline=True) == TextFault.CONTROL
    assert text_fault("\u202eenil", multiline=True) == TextFault.BIDI
    assert text_fault("", multiline=True) is None and text_fault("   ") is None  # blank: the field's "required"


def _titles(session) -> list[str]:
    return session.scalars(sa.select(Booking.title).order_by(Booking.id)).all()


def _log_in(client, world) -> str:
    """The volunteer signed in; the CSRF token their forms carry."""
    login(client, world.users["volunteer"].email, PASSWORD)
    return csrf_token(client.get("/").get_data(as_text=True))


def _book_form(client, world, token: str, title: str, week: int):
    start, end = slot(week)
    return client.post("/book", data={"room": world.room_a.key, "date": start.date().isoformat(),
                                      "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "title": title,
                                      "weeks": "1", "csrf_token": token})


MESSAGES = {TextFault.BIDI: "Enthält ein Steuerzeichen der Schreibrichtung",
            TextFault.INVISIBLE: "Besteht nur aus unsichtbaren Zeichen.",
            TextFault.CONTROL: "Enthält ein Steuerzeichen (etwa einen Zeilenumbruch)"}
FORM_CASES = {name: REFUSED[name] for name in ("U+202E", "U+2067", "zero-width space", "Hangul filler", "RLM alone",
                                                "CR LF", "U+2028")}


@pytest.mark.parametrize("title,fault", FORM_CASES.values(), ids=FORM_CASES)
def test_the_booking_form_refuses_the_title_at_its_field(client, world, session, title, fault):
    token = _log_in(client, world)
    before = _titles(session)
    page = _book_form(client, world, token, title, week=3)
    assert page.status_code == 422
    assert f'id="title-error">{MESSAGES[fault]}' in page.get_data(as_text=True)
    assert _titles(session) == before


def test_the_booking_form_takes_persian_with_its_marks(client, world, session):
    token = _log_in(client, world)
    assert _book_form(client, world, token, ACCEPTED["Persian with ZWNJ"], week=3).status_code == 302
    assert _titles(session)[-1] == ACCEPTED["Persian with ZWNJ"]


def test_a_form_in_english_words_the_refusal_in_english(client, world, session):
    token = _log_in(client, world)
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    page = _book_form(client, world, token, BIDI["U+202E"], week=3)
    assert 'id="title-error">Contains a text direction control character' in page.get_data(as_text=True)


API_CASES = {name: REFUSED[name] for name in ("U+202E", "U+2069", "word joiner", "blank Braille", "LF", "bell")}


@pytest.mark.parametrize("title,fault", API_CASES.values(), ids=API_CASES)
@pytest.mark.parametrize("path", ["/api/v1/bookings", "/api/v1/booking-series"])
def test_the_api_refuses_the_title_naming_it(client, world, session, path, title, fault):
    start, end = slot(4)
    before = _titles(session)
    answer = client.post(path, headers=world.headers["volunteer"],
                         json={"room": world.room_a.id, "start": start.isoformat(), "end": end.isoformat(),
                               "title": title, **({"weeks": 2} if "series" in path else {})})
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["field"] == "title"
    assert {TextFault.BIDI: "bidirectional", TextFault.INVISIBLE: "invisible",
            TextFault.CONTROL: "control character"}[fault] in answer.get_json()["detail"]
    assert _titles(session) == before


@pytest.mark.parametrize("title", ACCEPTED.values(), ids=ACCEPTED)
def test_the_api_takes_titles_people_write(client, world, session, title):
    start, end = slot(4)
    answer = client.post("/api/v1/bookings", headers=world.headers["volunteer"],
                         json={"room": world.room_a.id, "start": start.isoformat(), "end": end.isoformat(),
                               "title": title})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["title"] == title.strip()


def test_a_cancellation_reason_may_have_lines_but_no_override(client, world, session):
    refused = client.delete(f"/api/v1/bookings/{world.booking_a.id}", query_string={"reason": "krank\u202e"},
                            headers=world.headers["volunteer"])
    assert refused.status_code == 422 and refused.get_json()["field"] == "reason"
    session.refresh(world.booking_a)
    assert world.booking_a.active
    taken = client.delete(f"/api/v1/bookings/{world.booking_a.id}", query_string={"reason": "krank\nbis Freitag"},
                          headers=world.headers["volunteer"])
    assert taken.status_code == 200
    assert taken.get_json()["status_reason"] == "krank\nbis Freitag"


def test_a_password_is_only_checked_for_what_cannot_be_stored(client, world):
    """Refusing a character of a password could lock its owner out; it is never shown."""
    answer = client.post("/api/v1/tokens", json={"email": world.users["volunteer"].email,
                                                 "password": "geheim\u202e\u200b"})
    assert answer.status_code == 401  # checked, and wrong; not refused as text


@pytest.mark.parametrize("key", ["{key}\u202e", "\u200b\u200b", "{key}%0A"])
@pytest.mark.parametrize("page", ["/accommodations/{key}", "/accommodations/{key}/offers",
                                  "/calendars/room/{key}.ics"])
def test_a_url_key_that_breaks_the_rule_names_nothing_without_asking_the_database(client, world, page, key):
    """The routing refuses the key (a key is typed into a form first), so no query looks for it."""
    existing = world.room_a.key if "room" in page else world.room_a.accommodation.key
    with counting_selects() as selects:
        answer = client.get(page.format(key=key.format(key=existing)))
    assert answer.status_code == 404
    assert selects == []


def test_the_data_export_is_kept_by_no_cache(client, world):
    assert client.get("/api/v1/me/export", headers=world.headers["volunteer"]).headers["Cache-Control"] == "no-store"
    _log_in(client, world)
    download = client.get("/privacy/export.json")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
