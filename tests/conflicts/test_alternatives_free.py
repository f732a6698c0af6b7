"""What a conflict offers instead is free once the operation that opened it is done.

A weekly slot that takes the room, an override that gives a booking or an occurrence its slot back, a
closure: each may push someone out, and the alternatives offered to them are worked out only after the
thing that pushed them out holds the room. Each case is checked against the room as it then is.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook.booking import book_room, rooms
from roombook.booking.availability import availability, clashes
from roombook.booking.occurrences import add_closure, displace_booking, materialise
from roombook.conflicts import decisions
from roombook.models import Conflict, Occurrence, Room
from tests.factories import local

NOW = local(2027, 3, 1, 7, 0)


def offered(conflict: Conflict) -> list[tuple[str, dt.datetime, dt.datetime]]:
    return [(a["room"], dt.datetime.fromisoformat(a["start"]), dt.datetime.fromisoformat(a["end"]))
            for a in conflict.alternatives]


def assert_offered_slots_are_free(session, conflict: Conflict) -> None:
    assert conflict.alternatives, "nothing offered: the check below would prove nothing"
    for room_key, start, end in offered(conflict):
        room = session.scalar(sa.select(Room).where(Room.key == room_key))
        assert clashes(session, room, start, end) == [], f"{room_key} {start:%d.%m. %H:%M} is offered but taken"
        assert availability(session, room, start, end) == [(start, end)]


def test_booking_displaced_by_a_new_weekly_slot_is_not_offered_the_time_the_slot_takes(session, make_room,
                                                                                       make_user, make_offer):
    room = make_room()
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 18), local(2027, 3, 2, 19), "Chor", now=NOW)
    offer = make_offer(room=room, slots=[("tue", "18:00")])  # 18:00-19:30
    materialise(session, offer.sessions[0], dt.date(2027, 3, 7), now=NOW)

    assert booking.status == "displaced"
    assert session.scalar(sa.select(Occurrence.status)) == "scheduled"
    conflict = session.scalar(sa.select(Conflict).where(Conflict.booking_id == booking.id))
    starts = [start for _room, start, _end in offered(conflict)]
    assert local(2027, 3, 2, 19) not in starts  # the slot runs until 19:30
    assert starts[0] == local(2027, 3, 2, 17)  # the free hour right before it is the nearest
    assert_offered_slots_are_free(session, conflict)


def test_booking_displaced_by_a_weekly_slot_is_not_offered_the_slot_of_the_following_week(session, make_room,
                                                                                          make_user, make_offer):
    # open two evenings a week only, so the alternatives are few and exact
    room = make_room(open=[{"day": "tue", "from": "18:00", "to": "20:00"},
                           {"day": "thu", "from": "18:00", "to": "20:00"}])
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 18), local(2027, 3, 2, 19), "Chor", now=NOW)
    offer = make_offer(room=room, slots=[("tue", "18:00")], valid_until=dt.date(2027, 3, 30))
    created = materialise(session, offer.sessions[0], dt.date(2027, 3, 30), now=NOW)

    assert [o.status for o in created] == ["scheduled"] * 5
    conflict = session.scalar(sa.select(Conflict).where(Conflict.booking_id == booking.id))
    # not 19:00 that Tuesday, nor 18:00 the Tuesday after: the run's own occurrences hold both
    assert offered(conflict) == [(room.key, local(2027, 3, 4, 18), local(2027, 3, 4, 19)),
                                 (room.key, local(2027, 3, 4, 19), local(2027, 3, 4, 20))]
    assert_offered_slots_are_free(session, conflict)


def test_reinstated_booking_is_not_offered_to_the_booking_it_displaces(session, make_room, make_user):
    room = make_room()
    manager = make_user("facility_manager")
    first = book_room(session, make_user(), room, local(2027, 3, 2, 18), local(2027, 3, 2, 19, 30), "Chor", now=NOW)
    displace_booking(session, None, first, "Probe", now=NOW)
    meanwhile = book_room(session, make_user(), room, local(2027, 3, 2, 18), local(2027, 3, 2, 19), "Spieleabend",
                          now=NOW)
    conflict = session.scalar(sa.select(Conflict).where(Conflict.booking_id == first.id))
    decision = decisions.resolve_conflict(session, manager, conflict, "override", note="Chor hat Vorrang", now=NOW)

    assert first.status == "active" and meanwhile.status == "displaced"
    [opened] = decision.opened
    assert opened.kind == "displaced_booking" and opened.booking_id == meanwhile.id
    assert local(2027, 3, 2, 19) not in [start for _room, start, _end in offered(opened)]
    assert_offered_slots_are_free(session, opened)


def test_reinstated_occurrence_is_not_offered_to_the_booking_it_displaces(session, make_room, make_user,
                                                                          make_offer):
    room = make_room()
    manager = make_user("facility_manager")
    offer = make_offer(room=room, slots=[("tue", "18:00")])
    materialise(session, offer.sessions[0], dt.date(2027, 3, 7), now=NOW)
    occurrence = session.scalar(sa.select(Occurrence))
    closure = add_closure(session, manager, room, local(2027, 3, 2, 18), local(2027, 3, 2, 19, 30), "Strom aus",
                          now=NOW)
    rooms.remove_closure(session, manager, closure)
    meanwhile = book_room(session, make_user(), room, local(2027, 3, 2, 18), local(2027, 3, 2, 19), "Spieleabend",
                          now=NOW)
    hit = session.scalar(sa.select(Conflict).where(Conflict.kind == "closure_hit"))
    decision = decisions.resolve_conflict(session, manager, hit, "override", note="Kurs hat Vorrang", now=NOW)

    assert occurrence.status == "scheduled" and meanwhile.status == "displaced"
    [opened] = decision.opened
    assert opened.kind == "displaced_booking" and opened.booking_id == meanwhile.id
    assert local(2027, 3, 2, 19) not in [start for _room, start, _end in offered(opened)]
    assert_offered_slots_are_free(session, opened)


def test_what_a_closure_cancels_and_displaces_is_offered_only_free_time(session, make_room, make_user, make_offer):
    """A guard rather than a repair: the closure holds the room before anything is offered."""
    room = make_room()
    offer = make_offer(room=room, slots=[("tue", "10:00")])  # 10:00-11:30
    materialise(session, offer.sessions[0], dt.date(2027, 3, 7), now=NOW)
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 11, 30), local(2027, 3, 2, 12, 30), "Chor",
                        now=NOW)
    add_closure(session, None, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "Wasserrohrbruch", now=NOW)

    assert booking.status == "displaced" and session.scalar(sa.select(Occurrence.status)) == "cancelled"
    found = session.scalars(sa.select(Conflict).order_by(Conflict.id)).all()
    assert [c.kind for c in found] == ["closure_hit", "displaced_booking"]
    for conflict in found:
        assert_offered_slots_are_free(session, conflict)


def test_every_hit_of_a_closure_is_offered_the_time_the_others_free_beyond_it(session, make_room, make_user,
                                                                              make_offer):
    # the booking reaches half an hour past the closure; the course it cancels first may have that time
    room = make_room(open=[{"day": "tue", "from": "10:00", "to": "13:30"}])
    offer = make_offer(room=room, slots=[("tue", "10:00")])  # 10:00-11:30
    materialise(session, offer.sessions[0], dt.date(2027, 3, 7), now=NOW)
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 11, 30), local(2027, 3, 2, 13), "Chor",
                        now=NOW)
    add_closure(session, None, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "Wasserrohrbruch", now=NOW)

    hit, displaced = session.scalars(sa.select(Conflict).order_by(Conflict.id)).all()
    assert (hit.kind, displaced.kind, displaced.booking_id) == ("closure_hit", "displaced_booking", booking.id)
    # 12:00-13:30 is free only because the booking left; the course's nearest slot that Tuesday
    assert offered(hit)[0] == (room.key, local(2027, 3, 2, 12), local(2027, 3, 2, 13, 30))
    assert (room.key, local(2027, 3, 2, 12), local(2027, 3, 2, 13, 30)) in offered(displaced)
    for conflict in (hit, displaced):
        assert_offered_slots_are_free(session, conflict)
