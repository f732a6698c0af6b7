"""Text in feeds: escaping and folding as RFC 5545 wants them, read back the same by both parsers."""
from __future__ import annotations

import datetime as dt

import icalendar

from roombook import clock
from roombook.booking.occurrences import materialise
from roombook.booking.service import book_room
from roombook.feeds.catalogue import build_feed, private_feed, room_feed
from roombook.feeds.ical import escape_text, fold, render
from roombook.feeds.tokens import create_feed_token
from tests.factories import BERLIN
from tests.feeds.conftest import run_icaljs

TRICKY_TITLE = "Beratung: Wohnen, Arbeit; Schule – für Ältere \\ Jüngere"
TRICKY_TEXT = ("Erste Zeile, mit Komma; und Semikolon\nZweite Zeile: Größe, Übergänge, Straße\r\n"
               "Dritte Zeile " + "äöüß€ " * 30)


def test_text_escapes_backslash_semicolon_comma_and_newlines():
    assert escape_text("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"


def test_text_keeps_tabs_makes_other_line_breaks_one_and_drops_other_controls():
    assert escape_text("a\tb\x0bc\u2028d\x85e\x00\x07\x1b\x7f\x9ff") == "a\tb\\nc\\nd\\nef"
    assert escape_text("\u200fدرس\u200c") == "\u200fدرس\u200c"  # format marks are not control characters
    assert escape_text("Größe: 10") == "Größe: 10"  # colons and umlauts stay as they are


def test_folding_keeps_lines_within_75_octets_and_characters_whole():
    line = "DESCRIPTION:" + "ä€x" * 60
    folded = fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 3
    assert all(len(p.encode()) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join([physical[0]] + [p[1:] for p in physical[1:]]) == line
    for p in physical:
        p.encode().decode("utf-8")  # no character cut in half
    assert fold("SUMMARY:kurz") == "SUMMARY:kurz"
    assert len(fold("X:" + "a" * 73).split("\r\n")) == 1 and len(fold("X:" + "a" * 74).split("\r\n")) == 2


def test_tricky_text_survives_the_round_trip_through_both_parsers(session, make_offer):
    offer = make_offer(title=TRICKY_TITLE, description=TRICKY_TEXT)
    slot = offer.sessions[0]
    materialise(session, slot, dt.date(2027, 12, 31))
    body = build_feed(session, room_feed(slot.room), dt.date(2027, 2, 1), "Europe/Berlin", "roombook")
    assert body.endswith(b"END:VCALENDAR\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    for physical in body.split(b"\r\n"):
        assert len(physical) <= 75
        physical.decode("utf-8")
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == TRICKY_TITLE
    assert TRICKY_TEXT.strip().replace("\r\n", "\n") in str(event["DESCRIPTION"])
    start = int(dt.datetime(2027, 2, 1, tzinfo=dt.timezone.utc).timestamp())
    answer = run_icaljs({"mode": "expand", "feeds": {"room": body.decode()}, "start": start,
                         "end": start + 120 * 86400})
    assert {e["summary"] for e in answer["room"]} == {TRICKY_TITLE}


def test_render_ends_every_line_with_crlf():
    assert render(["BEGIN:VCALENDAR", "END:VCALENDAR"]) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_control_characters_stored_from_before_leave_no_trace_in_a_calendar(session, make_room, make_user):
    """RFC 5545 allows no control character in TEXT but the tab. Titles written before the input rule may
    hold them: a line break of any kind becomes one, the others go; both parsers read the event."""
    room, volunteer = make_room(max_days_ahead=800), make_user("volunteer")
    day = clock.today() + dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(10), BERLIN)
    book_room(session, volunteer, room, start, start + dt.timedelta(hours=1), "Chor\x07 Probe\x0bTeil\u20282\x1f")
    token, _secret = create_feed_token(session, volunteer, "volunteer")
    body = build_feed(session, private_feed(session, token), day, "Europe/Berlin", "roombook")
    controls = {c for c in body.decode() if (ord(c) < 0x20 and c not in "\r\n\t") or 0x7f <= ord(c) < 0xa0}
    assert controls == set()
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Chor Probe\nTeil\n2"
    window = int(start.timestamp()) - 86400
    answer = run_icaljs({"mode": "expand", "feeds": {"mine": body.decode()}, "start": window,
                         "end": window + 3 * 86400})
    assert [e["summary"] for e in answer["mine"]] == ["Chor Probe\nTeil\n2"]


def test_a_series_beyond_its_materialised_weeks_skips_the_holidays_and_closures_known(session, make_offer):
    """Hardening 14: past the occurrence horizon the RRULE ran without EXDATE, so a weekly course showed on
    Whit Monday (a public holiday the system knows) until the nightly job reached that week."""
    from roombook.booking.occurrences import add_public_holidays
    from tests.feeds.conftest import expand_icaljs, expand_python

    offer = make_offer(slots=(("mon", "10:00"),), valid_from=dt.date(2027, 3, 1), valid_until=dt.date(2027, 12, 31))
    slot = offer.sessions[0]
    materialise(session, slot, dt.date(2027, 4, 30))  # the horizon ends before May
    add_public_holidays(session, [slot.room], [2027])
    body = build_feed(session, room_feed(slot.room), dt.date(2027, 2, 1), "Europe/Berlin", "roombook")
    window = (dt.datetime(2027, 5, 9, tzinfo=dt.timezone.utc), dt.datetime(2027, 5, 26, tzinfo=dt.timezone.utc))
    mondays = sorted(start.astimezone(BERLIN).date() for _uid, start, *_rest in expand_python(body, *window))
    assert mondays == [dt.date(2027, 5, 10), dt.date(2027, 5, 24)]  # 17 May, Pfingstmontag, is left out
    read = sorted(start.astimezone(BERLIN).date() for _uid, start, *_rest in
                  expand_icaljs({"room": body}, *window)["room"])
    assert read == mondays
