"""No double booking, ever: concurrent attempts from threads with their own connections."""
from __future__ import annotations

import datetime as dt
import functools

import pytest
import sqlalchemy as sa

from roombook.access.accounts import create_user
from roombook.booking import book_room
from roombook.booking.errors import BookingConflict
from roombook.booking.occupancy import occupy_for_booking
from roombook.db import transaction
from roombook.models import Accommodation, Booking, Occupancy, Room, User
from tests.concurrency import at_once
from tests.factories import ALL_WEEK, local

ATTEMPTS = 20


def _seed(db):
    with transaction():
        place = Accommodation(key="race", name="Unterkunft Wettlauf")
        room = Room(key="race-room", name="Gemeinschaftsraum", capacity=10, open=ALL_WEEK, accommodation=place)
        db.session.add_all([place, room])
        users = [create_user(db.session, f"racer{i}@example.org", "volunteer", "pw") for i in range(ATTEMPTS)]
        db.session.flush()
        return room.id, [u.id for u in users]


def test_twenty_concurrent_attempts_at_one_slot_exactly_one_wins(app, committed):
    db = committed
    room_id, user_ids = _seed(db)

    def attempt(user_id: int) -> str:
        room, user = db.session.get(Room, room_id), db.session.get(User, user_id)
        book_room(db.session, user, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "Slot", now=local(2027, 3, 1))
        return "booked"

    outcomes = at_once(app, db, [functools.partial(attempt, uid) for uid in user_ids], {BookingConflict: "conflict"})
    assert outcomes == ["booked"] + ["conflict"] * (ATTEMPTS - 1), outcomes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Occupancy)) == 1


def test_database_itself_refuses_overlapping_occupancy(app, session, make_room):
    """Even code that skips the checks cannot write a double booking: the constraint or trigger refuses."""
    room = make_room()
    utc = dt.timezone.utc
    first = Booking(room=room, starts_at=local(2027, 3, 2, 10).astimezone(utc),
                    ends_at=local(2027, 3, 2, 12).astimezone(utc), title="A")
    second = Booking(room=room, starts_at=local(2027, 3, 2, 11).astimezone(utc),
                     ends_at=local(2027, 3, 2, 13).astimezone(utc), title="B")
    session.add_all([first, second])
    session.flush()
    occupy_for_booking(session, first)
    session.flush()
    with pytest.raises(sa.exc.IntegrityError, match="occupancy_no_overlap"):
        with session.begin_nested():
            occupy_for_booking(session, second)
    # touching is allowed by the guard as well
    third = Booking(room=room, starts_at=local(2027, 3, 2, 12).astimezone(utc),
                    ends_at=local(2027, 3, 2, 13).astimezone(utc), title="C")
    session.add(third)
    session.flush()
    occupy_for_booking(session, third)
    session.flush()
