"""A weekly booking series as one thing: its weeks with their states, and changing or cancelling this date,
this and following, or the whole series (all or nothing, local wall-clock time kept across DST)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook.booking import book_room, book_weekly
from roombook.booking.errors import (
    BookingConflict,
    BookingError,
    PolicyViolation,
    RoomClosed,
)
from roombook.booking.policy import open_bookings_left
from roombook.booking.series import (
    EDITABLE_FIELDS,
    SeriesChangeRefused,
    cancel_dates,
    change_dates,
    parse_changes,
    series_of,
    view_series,
    weeks_until,
)
from roombook.models import Booking, Closure, Occupancy, OutboxMessage
from tests.factories import local

# Fixed dates, handed to the engine as `now`. Mondays from 8 March 2027: clocks go forward on Sunday
# 28 March, and Monday 29 March is Easter Monday, a public holiday (the room is closed).
NOW = local(2027, 3, 1, 7, 0)
MONDAYS = [local(2027, 3, 8, 18) + dt.timedelta(weeks=k) for k in range(6)]  # wall clock, Berlin
HOLIDAY = 3  # index of Easter Monday among MONDAYS
UTC = dt.timezone.utc


def _book_series(session, user, room, *, weeks=6, book_rest=True):
    result = book_weekly(session, user, room, MONDAYS[0], MONDAYS[0] + dt.timedelta(minutes=90), "Deutschkurs",
                         weeks, book_rest=book_rest, now=NOW)
    return result.booked


def _holiday(session, room):
    day = local(2027, 3, 29)
    session.add(Closure(room=room, starts_at=day.astimezone(UTC), ends_at=(day + dt.timedelta(days=1)).astimezone(UTC),
                        reason="Ostermontag", kind="holiday", purpose="holiday"))
    session.flush()


def _series(session, booking):
    return series_of(session, booking)


def _local(instant, room):
    return instant.astimezone(room.tz)


def _snapshot(session):
    return sorted(session.execute(sa.select(Booking.id, Booking.starts_at, Booking.ends_at, Booking.room_id,
                                            Booking.title, Booking.status)).all()) + \
        sorted(session.execute(sa.select(Occupancy.booking_id, Occupancy.starts_at, Occupancy.room_id)).all())


def test_a_series_keeps_its_skipped_and_refused_weeks_with_their_reasons(session, make_room, make_user):
    room, volunteer = make_room(), make_user()
    _holiday(session, room)
    book_room(session, make_user(), room, MONDAYS[1], MONDAYS[1] + dt.timedelta(hours=1), "Schon da", now=NOW)
    booked = _book_series(session, volunteer, room)
    view = view_series(session, _series(session, booked[0]))
    assert [d.state for d in view.dates] == ["active", "refused", "active", "skipped", "active", "active"]
    assert "belegt" in view.dates[1].reason and "Ostermontag" in view.dates[3].reason
    assert [_local(d.start, room).hour for d in view.dates] == [18] * 6


def test_a_series_counts_once_toward_the_open_booking_limit(session, make_room, make_user):
    """A term-long group fits a limit of 2: the series is one open booking, however many weeks it has."""
    room, volunteer = make_room(max_open_bookings=2, max_days_ahead=400), make_user()
    result = book_weekly(session, volunteer, room, MONDAYS[0], MONDAYS[0] + dt.timedelta(hours=1), "Chor", 30,
                         book_rest=False, now=NOW)
    assert len(result.booked) == 30 and result.refused == []
    assert open_bookings_left(session, volunteer, room, NOW) == 1
    book_room(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Einmal", now=NOW)
    assert open_bookings_left(session, volunteer, room, NOW) == 0
    second = book_weekly(session, volunteer, room, local(2027, 3, 3, 10), local(2027, 3, 3, 11), "Noch einer", 3,
                         book_rest=True, now=NOW)
    assert second.booked == [] and {type(e) for _w, e in second.refused} == {PolicyViolation}


def test_the_form_end_date_gives_the_number_of_weeks():
    assert weeks_until(dt.date(2027, 3, 8), dt.date(2027, 3, 8)) == 1
    assert weeks_until(dt.date(2027, 3, 8), dt.date(2027, 4, 12)) == 6
    assert weeks_until(dt.date(2027, 3, 8), dt.date(2027, 4, 14)) == 6
    with pytest.raises(BookingError) as refused:
        weeks_until(dt.date(2027, 3, 8), dt.date(2027, 3, 1))
    assert refused.value.field == "until"


KINDS = {
    "time": {"start_time": "17:00"},
    "duration": {"minutes": 120},
    "room": "room",
    "title": {"title": "Deutsch für Eltern"},
}
# which of the six weeks (index into MONDAYS; the holiday week holds no booking) a change from the third
# week touches
IN_SCOPE = {"this": {2}, "following": {2, 4, 5}, "series": {0, 1, 2, 4, 5}}


@pytest.mark.parametrize("scope", ["this", "following", "series"])
@pytest.mark.parametrize("kind", ["time", "duration", "room", "title", "cancel"])
def test_a_change_from_the_third_week_applies_to_its_scope_across_dst_and_the_holiday(
        session, make_room, make_user, scope, kind):
    room, volunteer = make_room(), make_user()
    other_room = make_room(accommodation=room.accommodation)
    _holiday(session, room)
    booked = _book_series(session, volunteer, room)
    assert len(booked) == 5
    by_week = {k: b for k, b in zip([0, 1, 2, 4, 5], booked, strict=True)}
    before = {k: (b.starts_at, b.ends_at, b.room_id, b.title, b.status) for k, b in by_week.items()}
    if kind == "cancel":
        done = cancel_dates(session, volunteer, by_week[2], scope, "Kursende", now=NOW)
    else:
        changes = {"room": other_room.id} if KINDS[kind] == "room" else KINDS[kind]
        done = change_dates(session, volunteer, by_week[2], scope, parse_changes(changes), now=NOW)
    assert {b.id for b in done} == {by_week[k].id for k in IN_SCOPE[scope]}
    for week, booking in by_week.items():
        session.refresh(booking)
        start, end, room_id, title, status = before[week]
        if week not in IN_SCOPE[scope]:
            assert (booking.starts_at, booking.ends_at, booking.room_id, booking.title, booking.status) == \
                before[week], "weeks out of scope (weeks 1-2 of a change from week 3) stay as they were"
            continue
        local_start, local_end = _local(booking.starts_at, room), _local(booking.ends_at, room)
        assert local_start.date() == MONDAYS[week].date()
        if kind == "time":
            assert (local_start.hour, local_start.minute, local_end.hour, local_end.minute) == (17, 0, 18, 30)
        elif kind == "duration":
            assert (local_start.hour, local_end.hour, local_end.minute) == (18, 20, 0)
        elif kind == "room":
            assert booking.room_id == other_room.id and (booking.starts_at, booking.ends_at) == (start, end)
        elif kind == "title":
            assert booking.title == "Deutsch für Eltern" and (booking.starts_at, booking.room_id) == (start, room_id)
        else:
            assert booking.status == "cancelled" and booking.status_reason == "Kursende"
        occupied = session.execute(sa.select(Occupancy.starts_at, Occupancy.ends_at, Occupancy.room_id)
                                   .where(Occupancy.booking_id == booking.id)).one_or_none()
        if kind == "cancel":
            assert occupied is None
        else:
            assert tuple(occupied) == (booking.starts_at, booking.ends_at, booking.room_id)
    states = [d.state for d in view_series(session, _series(session, booked[0])).dates]
    assert states[HOLIDAY] == "skipped", "the holiday week stays in the series, skipped"


def test_a_later_scope_change_overwrites_an_earlier_single_date_edit_of_the_same_field(
        session, make_room, make_user):
    room, volunteer = make_room(), make_user()
    booked = _book_series(session, volunteer, room, weeks=4)
    change_dates(session, volunteer, booked[2], "this", parse_changes({"start_time": "16:00", "title": "Extra"}),
                 now=NOW)
    change_dates(session, volunteer, booked[0], "series", parse_changes({"start_time": "17:30"}), now=NOW)
    assert [_local(b.starts_at, room).strftime("%H:%M") for b in booked] == ["17:30"] * 4
    assert [b.title for b in booked] == ["Deutschkurs", "Deutschkurs", "Extra", "Deutschkurs"], \
        "a field the scope change does not name keeps its single-date edit"


def test_past_dates_never_change(session, make_room, make_user):
    room, volunteer = make_room(), make_user()
    booked = _book_series(session, volunteer, room, weeks=4)
    later = MONDAYS[1] + dt.timedelta(hours=3)  # the first two weeks are over
    done = change_dates(session, volunteer, booked[3], "series", parse_changes({"title": "Neu"}), now=later)
    assert [b.title for b in booked] == ["Deutschkurs", "Deutschkurs", "Neu", "Neu"] and len(done) == 2
    cancelled = cancel_dates(session, volunteer, booked[0], "series", "Aus", now=later)
    assert [b.status for b in booked] == ["active", "active", "cancelled", "cancelled"] and len(cancelled) == 2


def test_a_refused_scope_change_leaves_everything_unchanged_and_lists_each_date(session, make_room, make_user):
    room, volunteer = make_room(), make_user()
    booked = _book_series(session, volunteer, room, weeks=5)
    book_room(session, make_user(), room, local(2027, 3, 22, 16), local(2027, 3, 22, 17), "Andere", now=NOW)
    session.add(Closure(room=room, starts_at=local(2027, 4, 5, 12).astimezone(UTC),
                        ends_at=local(2027, 4, 5, 20).astimezone(UTC), reason="Malerarbeiten"))
    session.flush()
    before = _snapshot(session)
    with pytest.raises(SeriesChangeRefused) as refused:
        change_dates(session, volunteer, booked[1], "following", parse_changes({"start_time": "16:30"}), now=NOW)
    assert [(b.id, type(e)) for b, _s, e in refused.value.refused] == [(booked[2].id, BookingConflict),
                                                                        (booked[4].id, RoomClosed)]
    assert all(e.alternatives for _b, _s, e in refused.value.refused), "each refused date offers alternatives"
    session.expire_all()
    assert _snapshot(session) == before


def test_a_change_into_the_skipped_hour_is_refused_for_that_date(session, make_room, make_user):
    room, volunteer = make_room(), make_user()
    sunday = local(2027, 3, 21, 10)
    booked = book_weekly(session, make_user("coordinator"), room, sunday, sunday + dt.timedelta(hours=1), "Nacht", 2,
                         book_rest=False, now=NOW).booked
    room.open = [{"day": "sun", "from": "00:00", "to": "24:00"}]
    with pytest.raises(SeriesChangeRefused) as refused:
        change_dates(session, None, booked[0], "series", parse_changes({"start_time": "02:30"}), now=NOW)
    assert [b.id for b, _s, _e in refused.value.refused] == [booked[1].id]
    assert refused.value.refused[0][2].field == "start_time"
    del volunteer


def test_bad_changes_name_their_field():
    for raw, field in [({"start_time": "25:00"}, "start_time"), ({"minutes": 0}, "minutes"),
                       ({"minutes": "abc"}, "minutes"), ({"room": "x"}, "room"), ({"title": " "}, "title"),
                       ({"colour": "red"}, "colour"), ({}, "body")]:
        with pytest.raises(BookingError) as refused:
            parse_changes(raw)
        assert refused.value.field == field
    assert set(EDITABLE_FIELDS) >= {"start_time", "minutes", "room", "title"}


def test_staff_changing_a_volunteers_series_tell_its_owner_once(session, make_room, make_user):
    room, volunteer = make_room(), make_user()
    manager = make_user("facility_manager", accommodations=[room.accommodation])
    booked = _book_series(session, volunteer, room, weeks=3)
    from roombook.notifications.booking_changes import tell_owner

    done = change_dates(session, manager, booked[0], "series", parse_changes({"start_time": "17:00"}), now=NOW)
    tell_owner(session, manager, done, cancelled=False)
    tell_owner(session, volunteer, done, cancelled=False)  # their own change: nobody is told
    session.flush()
    sent = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == volunteer.email)).all()
    assert len(sent) == 1 and "Deutschkurs" in sent[0].subject and "17:00" in sent[0].body
