"""Fixtures for the feed tests: a demo city on a fixed date (its term spans the spring DST change),
a private calendars/ folder, both expanders (recurring-ical-events and ical.js) and helpers that
change the schedule the way the booking code does."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa

from roombook.booking.occupancy import occupy_for_occurrence, release_occurrence
from roombook.booking.occurrences import cancel_occurrence, materialise
from roombook.booking.recurrence import to_utc
from roombook.booking.service import book_room
from roombook.feeds.publish import stamp_cache
from roombook.models import Occurrence, OfferSession, Room, User
from roombook.models.offers import OccurrenceStatus
from roombook.scenario.demo import load_demo
from tests.factories import BERLIN

HERE = Path(__file__).parent
ICALJS = HERE.parent.parent / "node_modules" / "ical.js" / "dist" / "ical.js"
# The demo term starts on this Monday and runs 26 weeks: across the change to summer time (28 March 2027).
DEMO_MONDAY = dt.date(2027, 1, 4)
DEMO_TODAY = DEMO_MONDAY
UTC = dt.timezone.utc


@pytest.fixture
def calendars(app, tmp_path, monkeypatch):
    """A fresh calendars/ folder for this test, and no stamp caching across requests."""
    root = tmp_path / "calendars"
    monkeypatch.setitem(app.config, "ROOMBOOK_CALENDARS_DIR", str(root))
    monkeypatch.setitem(app.config, "ROOMBOOK_FEED_STAMP_TTL", 0)
    stamp_cache.clear()
    yield root
    stamp_cache.clear()


def by_key(session, model, key):
    return session.scalar(sa.select(model).where(model.key == key))


def occurrence_on(session, slot: OfferSession, day: dt.date) -> Occurrence:
    start = to_utc(dt.datetime.combine(day, slot.start), BERLIN)
    return session.scalar(sa.select(Occurrence).where(Occurrence.offer_session_id == slot.id,
                                                      Occurrence.original_start == start))


def slot_of(session, offer_key: str, index: int = 0) -> OfferSession:
    from roombook.models import Offer
    offer = by_key(session, Offer, offer_key)
    return min((s for s in offer.sessions if s.index == index), key=lambda s: s.valid_from)


def move_occurrence(session, occurrence: Occurrence, start: dt.datetime, end: dt.datetime,
                    room: Room | None = None, reason: str = "verlegt") -> None:
    """Move one occurrence as a conflict resolution does: free the room, take the new time, bump SEQUENCE."""
    release_occurrence(session, occurrence)
    occurrence.starts_at, occurrence.ends_at = start.astimezone(UTC), end.astimezone(UTC)
    if room is not None:
        occurrence.room_id = room.id
    occurrence.status, occurrence.reason = OccurrenceStatus.MOVED, reason
    occurrence.sequence += 1
    session.flush()
    occupy_for_occurrence(session, occurrence)
    session.flush()


def change_slot_time(session, slot: OfferSession, effective: dt.date, day: str, start: dt.time,
                     until: dt.date) -> OfferSession:
    """Change a weekly slot from `effective` on: the old slot ends the day before, a new one starts."""
    cutoff = to_utc(dt.datetime.combine(effective, dt.time(0)), BERLIN)
    for occurrence in session.scalars(sa.select(Occurrence).where(Occurrence.offer_session_id == slot.id,
                                                                  Occurrence.original_start >= cutoff)):
        release_occurrence(session, occurrence)
        session.delete(occurrence)
    slot.valid_until = effective - dt.timedelta(days=1)
    slot.sequence += 1
    session.flush()
    fresh = OfferSession(offer=slot.offer, index=slot.index, day=day, start=start, room=slot.room,
                         provider=slot.provider, valid_from=effective, valid_until=slot.offer.valid_until,
                         sequence=slot.sequence)
    session.add(fresh)
    session.flush()
    materialise(session, fresh, until)
    return fresh


@pytest.fixture
def demo_city(app, session):
    """The demo city for the term from DEMO_MONDAY, with one of each kind of change the feeds must show."""
    load_demo(session, DEMO_MONDAY)
    volunteer = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    now = dt.datetime(2027, 1, 1, tzinfo=UTC)
    gr = by_key(session, Room, "nord-gr")
    mz = by_key(session, Room, "mitte-mz")
    for day in (dt.date(2027, 1, 29), dt.date(2027, 4, 9)):  # on both sides of the DST change
        start = dt.datetime.combine(day, dt.time(16, 30), BERLIN)
        book_room(session, volunteer, gr, start, start + dt.timedelta(hours=1), "Fahrradwerkstatt; Teil 2", now=now)
    deutsch = slot_of(session, "nord-deutsch", 0)  # Mondays 09:00, nord-gr
    cancel_occurrence(session, occurrence_on(session, deutsch, dt.date(2027, 2, 8)), "Kursleitung krank")
    moved = occurrence_on(session, deutsch, dt.date(2027, 3, 29 - 7))  # the Monday before the DST change
    move_occurrence(session, moved, dt.datetime(2027, 3, 23, 9, 0, tzinfo=BERLIN),
                    dt.datetime(2027, 3, 23, 10, 30, tzinfo=BERLIN))
    alltag = slot_of(session, "mitte-alltag", 0)  # Fridays 10:00, mitte-mz; one week in nord-gr instead
    away = occurrence_on(session, alltag, dt.date(2027, 2, 19))
    move_occurrence(session, away, dt.datetime(2027, 2, 19, 11, 0, tzinfo=BERLIN),
                    dt.datetime(2027, 2, 19, 12, 30, tzinfo=BERLIN), room=gr, reason="Mehrzweckraum wird renoviert")
    sprechstunde = slot_of(session, "nord-sprechstunde", 0)  # Mondays 10:00 → Tuesdays 14:00 from 12 April
    change_slot_time(session, sprechstunde, dt.date(2027, 4, 12), "tue", dt.time(14, 0), dt.date(2027, 7, 4))
    assert mz is not None
    _changed_series(session, volunteer, gr, mz, now)
    session.flush()
    return session


def _changed_series(session, volunteer: User, gr: Room, mz: Room, now: dt.datetime) -> None:
    """A volunteer's weekly series across the DST change with one of each change a series can have: a week
    cancelled, the time changed from a week on, a week's title changed, a week in another room."""
    from roombook.booking.series import cancel_dates, change_dates
    from roombook.booking.service import book_weekly

    start = dt.datetime(2027, 3, 3, 17, 0, tzinfo=BERLIN)  # Wednesdays, 3 March to 21 April
    dates = book_weekly(session, volunteer, gr, start, start + dt.timedelta(minutes=90), "Elterncafé", 8,
                        book_rest=True, now=now).booked
    assert len(dates) == 8
    cancel_dates(session, volunteer, dates[2], "this", "Ferien", now=now)
    coordinator = session.scalar(sa.select(User).where(User.role == "coordinator"))
    change_dates(session, coordinator, dates[3], "this", {"room": mz.id}, now=now)  # the week before DST
    change_dates(session, volunteer, dates[4], "following", {"start_time": dt.time(18, 0)}, now=now)
    change_dates(session, volunteer, dates[5], "this", {"title": "Elterncafé: Sondertermin"}, now=now)


def expand_python(body: bytes, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(uid, start UTC, end UTC, status, summary) of every instance recurring-ical-events finds."""
    calendar = icalendar.Calendar.from_ical(body)
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        found.append((str(event["UID"]), event["DTSTART"].dt.astimezone(UTC), event["DTEND"].dt.astimezone(UTC),
                      str(event.get("STATUS", "")), str(event["SUMMARY"])))
    return sorted(found)


def expand_icaljs(feeds: dict[str, bytes], start: dt.datetime, end: dt.datetime) -> dict[str, list[tuple]]:
    """The same, read by ical.js under Node, for many feeds in one run."""
    answer = run_icaljs({"mode": "expand", "feeds": {k: v.decode() for k, v in feeds.items()},
                         "start": int(start.timestamp()), "end": int(end.timestamp())})
    def instant(seconds: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(seconds, UTC)

    return {name: sorted((e["uid"], instant(e["start"]), instant(e["end"]), e["status"] or "", e["summary"])
                         for e in events) for name, events in answer.items()}


def run_icaljs(request: dict) -> dict:
    node = shutil.which("node")
    if node is None or not ICALJS.exists():
        pytest.fail("node and node_modules/ical.js are needed (make test-tools installs ical.js)")
    done = subprocess.run([node, str(HERE / "icaljs_expand.mjs")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
