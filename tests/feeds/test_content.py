"""What a feed says about weekly slots, their cancelled and moved weeks, bookings, and what stays stable."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa

from roombook.booking.occurrences import cancel_occurrence, materialise
from roombook.booking.service import book_room, cancel_booking
from roombook.feeds.catalogue import (
    accommodation_feed,
    build_feed,
    category_feed,
    city_feed,
    room_feed,
)
from roombook.feeds.data import window_start
from roombook.models import Occurrence
from tests.factories import local
from tests.feeds.conftest import (
    change_slot_time,
    expand_python,
    move_occurrence,
    occurrence_on,
)

TODAY = dt.date(2027, 2, 15)
UTC = dt.timezone.utc
SPAN = (local(2027, 2, 1), local(2027, 6, 1))


def feed(session, what, today=TODAY) -> bytes:
    return build_feed(session, what, today, "Europe/Berlin", "roombook")


def unfold(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


def events(body: bytes) -> list[dict[str, list[str]]]:
    """Each VEVENT as {property name: [full lines]}."""
    found, current = [], None
    for line in unfold(body):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            current.setdefault(re.split("[;:]", line, maxsplit=1)[0], []).append(line)
    return found


def value(event, name) -> str:
    return event[name][0].split(":", 1)[1]


def weekly(session, make_offer, **params):
    offer = make_offer(**params)
    for slot in offer.sessions:
        materialise(session, slot, dt.date(2027, 12, 31))
    return offer


def test_calendar_carries_what_clients_need_and_no_method(session, make_offer):
    offer = weekly(session, make_offer, title="Sprechstunde Soziales", description="Bitte Ausweis mitbringen.")
    room = offer.sessions[0].room
    lines = unfold(feed(session, room_feed(room)))
    assert lines[:3] == ["BEGIN:VCALENDAR", "VERSION:2.0", lines[2]] and lines[2].startswith("PRODID:")
    assert f"X-WR-CALNAME:roombook: {room.accommodation.name}\\, {room.name}" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines and "X-PUBLISHED-TTL:PT1H" in lines
    assert not any(line.startswith("METHOD") for line in lines)
    assert lines.count("BEGIN:VTIMEZONE") == 1 and "TZID:Europe/Berlin" in lines
    [event] = events(feed(session, room_feed(room)))
    for name in ("UID", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "RRULE", "SUMMARY",
                 "DESCRIPTION", "LOCATION", "CATEGORIES", "STATUS"):
        assert name in event, name
    assert event["DTSTART"] == ["DTSTART;TZID=Europe/Berlin:20270301T100000"]
    assert event["DTEND"] == ["DTEND;TZID=Europe/Berlin:20270301T113000"]
    # the last Monday, 26 April 10:00 summer time, is 08:00 UTC
    assert event["RRULE"] == ["RRULE:FREQ=WEEKLY;UNTIL=20270426T080000Z;BYDAY=MO"]
    assert value(event, "SUMMARY") == "Sprechstunde Soziales"
    assert "Bitte Ausweis mitbringen." in value(event, "DESCRIPTION")
    assert value(event, "CATEGORIES") == "Sprechstunde"
    assert room.name in value(event, "LOCATION") and room.accommodation.name in value(event, "LOCATION")
    assert value(event, "STATUS") == "CONFIRMED"
    assert re.fullmatch(r"\d{8}T\d{6}Z", value(event, "DTSTAMP"))


def test_no_floating_times_and_no_range(demo_city):
    from tests.feeds.conftest import DEMO_TODAY
    for line in unfold(feed(demo_city, city_feed(), DEMO_TODAY)):
        name = re.split("[;:]", line, maxsplit=1)[0]
        if name in ("DTSTART", "DTEND", "EXDATE", "RECURRENCE-ID") and "TZID=" not in line:
            assert line.startswith("DTSTART:1970"), line  # only the VTIMEZONE's own rule starts
        if name == "RRULE" and "UNTIL=" in line:
            assert re.search(r"UNTIL=\d{8}T\d{6}Z", line), line
        assert "RANGE=" not in line


def test_cancelled_week_is_an_exdate_like_dtstart_and_gone_from_the_expansion(session, make_offer):
    offer = weekly(session, make_offer)
    slot = offer.sessions[0]
    cancel_occurrence(session, occurrence_on(session, slot, dt.date(2027, 3, 29)), "Fortbildung; alle, Team")
    [event] = events(feed(session, room_feed(slot.room)))
    assert event["EXDATE"] == ["EXDATE;TZID=Europe/Berlin:20270329T100000"]
    assert "29.03.2027 10:00 (Fortbildung\\; alle\\, Team)" in value(event, "DESCRIPTION")
    starts = [s for _uid, s, *_ in expand_python(feed(session, room_feed(slot.room)), *SPAN)]
    assert local(2027, 3, 22, 10) in starts and local(2027, 4, 5, 10) in starts
    assert local(2027, 3, 29, 10) not in starts and len(starts) == 8


def test_moved_week_overrides_its_instance(session, make_offer):
    offer = weekly(session, make_offer)
    slot = offer.sessions[0]
    occ = occurrence_on(session, slot, dt.date(2027, 3, 15))
    move_occurrence(session, occ, local(2027, 3, 16, 12), local(2027, 3, 16, 13, 30), reason="Raum belegt")
    body = feed(session, room_feed(slot.room))
    master, override = sorted(events(body), key=lambda e: "RECURRENCE-ID" in e)
    assert value(master, "UID") == value(override, "UID")
    assert override["RECURRENCE-ID"] == ["RECURRENCE-ID;TZID=Europe/Berlin:20270315T100000"]
    assert override["DTSTART"] == ["DTSTART;TZID=Europe/Berlin:20270316T120000"]
    assert "EXDATE" not in master
    assert "Verlegt" in value(override, "DESCRIPTION")
    starts = [s for _uid, s, *_ in expand_python(body, *SPAN)]
    assert local(2027, 3, 16, 12) in starts and local(2027, 3, 15, 10) not in starts and len(starts) == 9


def test_week_moved_to_another_room_has_one_uid_in_every_feed(session, make_offer, make_room):
    offer = weekly(session, make_offer)
    slot = offer.sessions[0]
    other = make_room(slot.room.accommodation, name="Ausweichraum")
    occ = occurrence_on(session, slot, dt.date(2027, 3, 8))
    move_occurrence(session, occ, local(2027, 3, 8, 10), local(2027, 3, 8, 11, 30), room=other)
    single = f"occurrence-{occ.id}@roombook"
    old_room = feed(session, room_feed(slot.room))
    new_room = feed(session, room_feed(other))
    house = feed(session, accommodation_feed(slot.room.accommodation))
    assert "EXDATE;TZID=Europe/Berlin:20270308T100000" in unfold(old_room)
    assert [value(e, "UID") for e in events(new_room)] == [single]
    assert value(events(new_room)[0], "LOCATION").startswith("Ausweichraum")
    assert {value(e, "UID") for e in events(house)} == {single, f"slot-{slot.id}@roombook"}
    assert [s for uid, s, *_ in expand_python(house, *SPAN) if uid == single] == [local(2027, 3, 8, 10)]
    assert len(expand_python(house, *SPAN)) == 9


def test_a_time_change_mid_term_keeps_the_old_weeks_at_the_old_time(session, make_offer):
    offer = weekly(session, make_offer)
    old = offer.sessions[0]
    old_uid = f"slot-{old.id}@roombook"
    sequence_before = int(value(events(feed(session, room_feed(old.room)))[0], "SEQUENCE"))
    new = change_slot_time(session, old, dt.date(2027, 4, 5), "wed", dt.time(14, 0), dt.date(2027, 12, 31))
    body = feed(session, room_feed(old.room))
    by_uid = {value(e, "UID"): e for e in events(body)}
    assert set(by_uid) == {old_uid, f"slot-{new.id}@roombook"}
    assert by_uid[old_uid]["RRULE"] == ["RRULE:FREQ=WEEKLY;UNTIL=20270329T080000Z;BYDAY=MO"]
    assert int(value(by_uid[old_uid], "SEQUENCE")) > sequence_before
    assert by_uid[f"slot-{new.id}@roombook"]["DTSTART"] == ["DTSTART;TZID=Europe/Berlin:20270407T140000"]
    starts = [s for _uid, s, *_ in expand_python(body, *SPAN)]
    assert starts[:5] == [local(2027, 3, d, 10) for d in (1, 8, 15, 22, 29)]
    assert starts[5:] == [local(2027, 4, d, 14) for d in (7, 14, 21, 28)]


def test_uids_stay_and_sequence_grows_with_every_change(session, make_offer, make_user):
    offer = weekly(session, make_offer)
    slot = offer.sessions[0]
    volunteer = make_user("volunteer")
    booking = book_room(session, volunteer, slot.room, local(2027, 3, 2, 16), local(2027, 3, 2, 17), "Nähkurs",
                        now=dt.datetime(2027, 1, 1, tzinfo=UTC))
    other = book_room(session, volunteer, slot.room, local(2027, 3, 3, 16), local(2027, 3, 3, 17), "Nähkurs",
                      now=dt.datetime(2027, 1, 1, tzinfo=UTC))

    def state() -> dict[tuple[str, str], int]:
        """SEQUENCE of each component, by (UID, RECURRENCE-ID or '')."""
        return {(value(e, "UID"), value(e, "RECURRENCE-ID") if "RECURRENCE-ID" in e else ""): int(value(e, "SEQUENCE"))
                for e in events(feed(session, room_feed(slot.room)))}

    master = (f"slot-{slot.id}@roombook", "")
    first = state()
    assert set(first) == {master, (f"booking-{booking.id}@roombook", ""), (f"booking-{other.id}@roombook", "")}
    cancel_occurrence(session, occurrence_on(session, slot, dt.date(2027, 3, 8)), "krank")
    second = state()
    assert set(second) == set(first) and second[master] > first[master]
    move_occurrence(session, occurrence_on(session, slot, dt.date(2027, 3, 15)), local(2027, 3, 15, 12),
                    local(2027, 3, 15, 13, 30))
    third = state()
    assert third[master] > second[master]
    assert third[(master[0], "20270315T100000")] >= third[master]
    cancel_booking(session, volunteer, other, "doch nicht")
    fourth = state()
    assert (f"booking-{other.id}@roombook", "") not in fourth  # a cancelled booking leaves the feed
    assert fourth[(f"booking-{booking.id}@roombook", "")] == 0 and fourth[master] == third[master]


def test_same_data_gives_the_same_bytes(session, make_offer):
    offer = weekly(session, make_offer, slots=(("mon", "10:00"), ("thu", "08:15")))
    cancel_occurrence(session, occurrence_on(session, offer.sessions[1], dt.date(2027, 3, 4)), "zu")
    what = accommodation_feed(offer.accommodation)
    first = feed(session, what)
    session.expire_all()
    assert feed(session, what) == first
    assert feed(session, what, TODAY + dt.timedelta(days=10)) == first  # the window moves by whole months
    cancel_occurrence(session, occurrence_on(session, offer.sessions[0], dt.date(2027, 3, 8)), "zu")
    assert feed(session, what) != first


def test_the_past_is_bounded_to_three_months(session, make_offer):
    offer = weekly(session, make_offer, valid_from=dt.date(2026, 1, 5), valid_until=dt.date(2027, 4, 30))
    slot = offer.sessions[0]
    assert window_start(dt.date(2027, 2, 15)) == dt.date(2026, 11, 1)
    assert window_start(dt.date(2027, 1, 31)) == dt.date(2026, 10, 1)
    [event] = events(feed(session, room_feed(slot.room)))
    assert event["DTSTART"] == ["DTSTART;TZID=Europe/Berlin:20261102T100000"]  # the first Monday in November
    starts = [s for _uid, s, *_ in expand_python(feed(session, room_feed(slot.room)), local(2025, 1, 1),
                                                 local(2028, 1, 1))]
    assert min(starts) == local(2026, 11, 2, 10)
    assert session.scalar(sa.select(sa.func.min(Occurrence.starts_at))
                          .where(Occurrence.offer_session_id == slot.id)) < local(2026, 1, 6)


def test_category_feed_shows_only_its_category(session, make_offer, make_room):
    room = make_room()
    weekly(session, make_offer, room=room, title="Deutsch", category="language_course")
    weekly(session, make_offer, room=room, title="Sprechstunde", slots=(("tue", "10:00"),))
    titles = {value(e, "SUMMARY") for e in events(feed(session, category_feed("language_course")))}
    assert titles == {"Deutsch"}


def test_a_week_without_an_occurrence_row_is_excluded_and_a_stray_row_still_shown(session, make_offer):
    """The feed shows what the database holds even when rows and rule disagree (a slot edited in place)."""
    from roombook.booking.occupancy import release_occurrence

    offer = weekly(session, make_offer)
    slot = offer.sessions[0]
    gone = occurrence_on(session, slot, dt.date(2027, 3, 15))
    release_occurrence(session, gone)
    session.delete(gone)
    stray = occurrence_on(session, slot, dt.date(2027, 4, 19))
    stray.original_start = stray.starts_at = local(2027, 4, 20, 10)  # a Tuesday: not a week of the Monday rule
    stray.ends_at = local(2027, 4, 20, 11, 30)
    session.flush()
    body = feed(session, room_feed(slot.room))
    lines = unfold(body)
    assert "EXDATE;TZID=Europe/Berlin:20270315T100000" in lines
    assert "EXDATE;TZID=Europe/Berlin:20270419T100000" in lines
    found = expand_python(body, *SPAN)
    starts = [s for _uid, s, *_ in found]
    assert local(2027, 3, 15, 10) not in starts and local(2027, 4, 19, 10) not in starts
    assert (f"occurrence-{stray.id}@roombook", local(2027, 4, 20, 10)) in [(u, s) for u, s, *_ in found]
    assert len(found) == 8


def test_every_public_feed_is_a_valid_calendar_even_without_events(session, make_offer):
    """RFC 5545 wants at least one component: a category nobody offers yet holds the city's VTIMEZONE.
    icalendar's validation and ical.js both accept every feed; each names the city's zone."""
    from icalendar import Calendar

    from roombook.coordination.categories import VALUES
    from roombook.feeds.catalogue import public_feeds
    from tests.feeds.conftest import run_icaljs

    weekly(session, make_offer, category="language_course")
    feeds = public_feeds(session)
    bodies = {f.path: feed(session, f) for f in feeds}
    empty = [path for path, body in bodies.items() if b"BEGIN:VEVENT" not in body]
    assert len(empty) == len(VALUES) - 1  # every category but the language course
    for path, body in bodies.items():
        calendar = Calendar.from_ical(body)
        calendar.validate()
        assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin", path
        assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"], path
    start = int(SPAN[0].timestamp())
    answer = run_icaljs({"mode": "expand", "feeds": {path: bodies[path].decode() for path in empty},
                         "start": start, "end": start + 90 * 86400})
    assert answer == {path: [] for path in empty}


def test_uids_end_in_the_configured_domain(app, session, make_offer):
    """The README's default: ROOMBOOK_FEED_UID_DOMAIN unset gives UIDs ending in @roombook."""
    from roombook.feeds import uid_domain

    offer = weekly(session, make_offer)
    with app.app_context():
        domain = uid_domain(app)
    body = build_feed(session, room_feed(offer.sessions[0].room), TODAY, "Europe/Berlin", domain)
    [event] = events(body)
    assert domain == "roombook" and value(event, "UID").endswith("@roombook")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "| `ROOMBOOK_FEED_UID_DOMAIN` | `roombook` |" in readme
