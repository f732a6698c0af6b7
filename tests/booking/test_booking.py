"""The booking engine: what may be booked, what is refused and why, and what is offered instead."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking import availability, book_room, book_weekly, cancel_booking
from roombook.booking.errors import (
    BookingConflict,
    BookingError,
    InThePast,
    InvalidInterval,
    OutsideOpeningHours,
    PolicyViolation,
    RoomClosed,
)
from roombook.booking.occurrences import add_closure, materialise
from roombook.db import transaction
from roombook.models import Booking, Conflict, Occupancy
from tests.dates import quiet_monday
from tests.factories import local, local_on

# handed to the engine as `now`: nothing asserted on these fixed dates depends on the real clock
NOW = local(2027, 3, 1, 7, 0)


def test_book_free_slot_creates_booking_and_occupancy(session, make_room, make_user):
    room, user = make_room(), make_user()
    booking = book_room(session, user, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "Nähcafé", now=NOW)
    assert booking.status == "active"
    assert booking.starts_at == local(2027, 3, 2, 10).astimezone(dt.timezone.utc)
    assert session.scalar(sa.select(Occupancy.booking_id)) == booking.id


def test_overlap_is_refused_naming_the_clash_and_offering_alternatives(session, make_room, make_user):
    room, user = make_room(), make_user()
    book_room(session, user, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "Nähcafé", now=NOW)
    with pytest.raises(BookingConflict) as refused:
        book_room(session, make_user(), room, local(2027, 3, 2, 11), local(2027, 3, 2, 13), "Chor", now=NOW)
    assert "02.03.2027 10:00" in refused.value.message and "12:00" in refused.value.message
    assert refused.value.clashes[0].kind == "booking"
    starts = [a["start"] for a in refused.value.alternatives]
    assert starts and all(a["end"] - a["start"] == dt.timedelta(hours=2) for a in refused.value.alternatives)
    assert local(2027, 3, 2, 12).astimezone(dt.timezone.utc) in starts  # right after the clash


def test_touching_bookings_do_not_clash(session, make_room, make_user):
    room, user = make_room(), make_user()
    book_room(session, user, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "A", now=NOW)
    book_room(session, user, room, local(2027, 3, 2, 12), local(2027, 3, 2, 13), "B", now=NOW)
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 2


@pytest.mark.parametrize("start,end,error,field", [
    (local(2027, 3, 2, 12), local(2027, 3, 2, 12), InvalidInterval, "end"),
    (local(2027, 3, 2, 12), local(2027, 3, 2, 11), InvalidInterval, "end"),
    (local(2027, 2, 27, 10), local(2027, 2, 27, 11), InThePast, "start"),
    (local(2027, 3, 2, 19), local(2027, 3, 2, 21), OutsideOpeningHours, "start"),
    (local(2027, 3, 2, 6), local(2027, 3, 2, 9), OutsideOpeningHours, "start"),
])
def test_invalid_times_are_refused_with_the_field(session, make_room, make_user, start, end, error, field):
    with pytest.raises(error) as refused:
        book_room(session, make_user(), make_room(), start, end, "Treffen", now=NOW)
    assert refused.value.field == field
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_empty_title_is_refused(session, make_room, make_user):
    with pytest.raises(BookingError) as refused:
        book_room(session, make_user(), make_room(), local(2027, 3, 2, 10), local(2027, 3, 2, 11), "  ", now=NOW)
    assert refused.value.field == "title"


def test_closed_room_is_refused_with_the_reason(session, make_room, make_user):
    room = make_room()
    add_closure(session, None, room, local(2027, 3, 2, 0), local(2027, 3, 3, 0), "Wasserschaden")
    with pytest.raises(RoomClosed, match="Wasserschaden"):
        book_room(session, make_user(), room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Treffen", now=NOW)


def test_room_rules_limit_length_lead_time_and_open_bookings(session, make_room, make_user):
    room = make_room(max_booking_minutes=120, max_days_ahead=30, max_open_bookings=1)
    volunteer = make_user()
    with pytest.raises(PolicyViolation, match="120"):
        book_room(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 13), "Lang", now=NOW)
    with pytest.raises(PolicyViolation, match="30"):
        book_room(session, volunteer, room, local(2027, 5, 2, 10), local(2027, 5, 2, 11), "Weit", now=NOW)
    book_room(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Eins", now=NOW)
    with pytest.raises(PolicyViolation) as refused:
        book_room(session, volunteer, room, local(2027, 3, 3, 10), local(2027, 3, 3, 11), "Zwei", now=NOW)
    assert refused.value.field == "room"
    # a facility manager plans the room and is not held to the volunteers' limits
    manager = make_user("facility_manager", accommodations=[room.accommodation])
    book_room(session, manager, room, local(2027, 3, 4, 10), local(2027, 3, 4, 14), "Hausversammlung", now=NOW)


def test_cancel_frees_the_slot_and_keeps_the_reason(session, make_room, make_user):
    room, user = make_room(), make_user()
    booking = book_room(session, user, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "A", now=NOW)
    cancel_booking(session, user, booking, "krank")
    assert (booking.status, booking.status_reason, booking.sequence) == ("cancelled", "krank", 1)
    book_room(session, make_user(), room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "B", now=NOW)
    with pytest.raises(BookingError):
        cancel_booking(session, user, booking, "again")


def test_availability_subtracts_bookings_occurrences_and_closures(session, make_room, make_user, make_offer):
    room = make_room(open=[{"day": "tue", "from": "08:00", "to": "18:00"}])
    offer = make_offer(room=room, slots=[("tue", "09:00")])
    materialise(session, offer.sessions[0], dt.date(2027, 3, 10))
    book_room(session, make_user(), room, local(2027, 3, 2, 12), local(2027, 3, 2, 13), "A", now=NOW)
    add_closure(session, None, room, local(2027, 3, 2, 16), local(2027, 3, 2, 18), "Reinigung")
    free = availability(session, room, local(2027, 3, 2), local(2027, 3, 3))
    utc = [(s.astimezone(room.tz).strftime("%H:%M"), e.astimezone(room.tz).strftime("%H:%M")) for s, e in free]
    assert utc == [("08:00", "09:00"), ("10:30", "12:00"), ("13:00", "16:00")]


def test_weekly_booking_lists_clashing_weeks_and_lets_the_volunteer_decide(session, make_room, make_user):
    room, volunteer = make_room(), make_user()
    book_room(session, make_user(), room, local(2027, 3, 16, 10), local(2027, 3, 16, 11), "Besetzt", now=NOW)
    nothing = book_weekly(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor", 4,
                          book_rest=False, now=NOW)
    assert nothing.booked == [] and [d for d, _ in nothing.refused] == [local(2027, 3, 16, 10)]
    rest = book_weekly(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor", 4,
                       book_rest=True, now=NOW)
    assert len(rest.booked) == 3 and len({b.series for b in rest.booked}) == 1


def _tuesdays(first: int, count: int) -> list[dt.datetime]:
    """Tuesdays 10:00 from the `first`-th week of March 2027 on, as the engine reports them (UTC)."""
    return [(local(2027, 3, 2, 10) + dt.timedelta(weeks=first - 1 + k)).astimezone(dt.timezone.utc)
            for k in range(count)]


@pytest.mark.parametrize("book_rest", [True, False])
def test_a_weekly_series_counts_once_toward_the_open_booking_limit(session, make_room, make_user, book_rest):
    """Six weeks fit a limit of two open bookings with one already held: the series is one more."""
    room, volunteer = make_room(max_open_bookings=2), make_user()
    book_room(session, volunteer, room, local(2027, 3, 1, 10), local(2027, 3, 1, 11), "Schon da", now=NOW)
    result = book_weekly(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor", 6,
                         book_rest=book_rest, now=NOW)
    assert [b.starts_at for b in result.booked] == _tuesdays(1, 6) and result.refused == []
    assert len({b.series for b in result.booked}) == 1


def test_a_clashing_week_is_left_out_and_the_others_booked(session, make_room, make_user):
    room, volunteer = make_room(max_open_bookings=1), make_user()
    book_room(session, make_user(), room, local(2027, 3, 9, 10), local(2027, 3, 9, 11), "Besetzt", now=NOW)
    result = book_weekly(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor", 5,
                         book_rest=True, now=NOW)
    first, second, third, fourth, fifth = _tuesdays(1, 5)
    assert [b.starts_at for b in result.booked] == [first, third, fourth, fifth]
    assert [(week, type(error)) for week, error in result.refused] == [(second, BookingConflict)]
    assert result.refused[0][1].alternatives, "a taken week is still offered alternatives"


def test_a_volunteer_at_the_limit_is_refused_every_free_week(session, make_room, make_user):
    room, volunteer = make_room(max_open_bookings=1), make_user()
    book_room(session, volunteer, room, local(2027, 3, 1, 10), local(2027, 3, 1, 11), "Schon da", now=NOW)
    result = book_weekly(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor", 2,
                         book_rest=True, now=NOW)
    assert result.booked == []
    assert [(week, error.field) for week, error in result.refused] == [(week, "room") for week in _tuesdays(1, 2)]


@pytest.mark.parametrize("role", ["coordinator", "facility_manager", "admin"])
def test_staff_are_not_held_to_the_open_booking_limit_in_a_series(session, make_room, make_user, role):
    room = make_room(max_open_bookings=2)
    staff = make_user(role, accommodations=[room.accommodation]) if role == "facility_manager" else make_user(role)
    book_room(session, staff, room, local(2027, 3, 1, 10), local(2027, 3, 1, 11), "Schon da", now=NOW)
    result = book_weekly(session, staff, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Plenum", 4,
                         book_rest=False, now=NOW)
    assert len(result.booked) == 4 and result.refused == []


def test_weekly_booking_keeps_local_time_across_dst(session, make_room, make_user):
    room = make_room()
    result = book_weekly(session, make_user("coordinator"), room, local(2027, 3, 22, 10), local(2027, 3, 22, 11),
                         "Kurs", 3, book_rest=False, now=NOW)
    assert [b.starts_at.astimezone(room.tz).hour for b in result.booked] == [10, 10, 10]
    assert [b.starts_at.hour for b in result.booked] == [9, 8, 8]  # UTC moves with summer time


@pytest.mark.dates
def test_closure_displaces_bookings_and_opens_conflicts(session, make_room, make_user):
    # a closure offers alternatives from the real clock on, so the booking lies in a coming week
    room, user = make_room(), make_user()
    tuesday = quiet_monday(clock.today()) + dt.timedelta(days=1)
    booking = book_room(session, user, room, local_on(tuesday, 10), local_on(tuesday, 12), "Nähcafé")
    add_closure(session, None, room, local_on(tuesday, 9), local_on(tuesday, 13), "Malerarbeiten")
    assert booking.status == "displaced" and "Malerarbeiten" in booking.status_reason
    conflict = session.scalar(sa.select(Conflict))
    assert conflict.kind == "displaced_booking" and conflict.booking_id == booking.id
    assert conflict.alternatives, "a displaced volunteer is offered alternatives"
    assert session.scalar(sa.select(sa.func.count()).select_from(Occupancy)) == 0


def test_a_weekly_slot_longer_than_a_week_is_refused_by_the_overlap_guard(session, make_room, make_user):
    """Each week is checked alone; the weeks of one series that would overlap each other are refused by the
    database, as one conflict for the whole series, and nothing is written."""
    around_the_clock = [{"day": d, "from": "00:00", "to": "24:00"}
                        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
    room, coordinator = make_room(open=around_the_clock), make_user("coordinator")
    with pytest.raises(BookingConflict):
        with transaction():
            book_weekly(session, coordinator, room, local(2027, 3, 2, 10), local(2027, 3, 10, 10), "Ausstellung",
                        2, book_rest=True, now=NOW)
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking).where(Booking.room_id == room.id)) == 0
