"""Alternatives are instants in UTC, whatever offset the caller's times carry, like every stored time."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook.booking import book_room
from roombook.booking.availability import suggest_alternatives
from roombook.booking.occurrences import add_closure
from roombook.models import Conflict
from tests.factories import local

BOOKED_ON = local(2027, 3, 1, 7, 0)


def test_alternative_starting_right_now_is_utc_though_now_is_local(session, make_room, make_user):
    room = make_room()
    book_room(session, make_user(), room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor", now=BOOKED_ON)
    now = local(2027, 3, 2, 9, 0)  # +01:00, inside the free hour before the booking
    found = suggest_alternatives(session, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), now=now)

    assert found[0]["start"] == now  # the same instant ...
    for alternative in found:
        for key in ("start", "end"):
            assert alternative[key].tzinfo is dt.timezone.utc, alternative  # ... but in UTC, all of them
    assert [a["start"].isoformat() for a in found[:2]] == ["2027-03-02T08:00:00+00:00", "2027-03-02T10:00:00+00:00"]


def test_stored_alternatives_carry_no_local_offset(session, make_room, make_user):
    room = make_room()
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor",
                        now=BOOKED_ON)
    add_closure(session, None, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Wasserrohrbruch",
                now=local(2027, 3, 2, 9, 0))

    conflict = session.scalar(sa.select(Conflict).where(Conflict.booking_id == booking.id))
    assert conflict.alternatives[0] == {"room": room.key, "start": "2027-03-02T08:00:00+00:00",
                                        "end": "2027-03-02T09:00:00+00:00"}
    assert all(a["start"].endswith("+00:00") and a["end"].endswith("+00:00") for a in conflict.alternatives)
