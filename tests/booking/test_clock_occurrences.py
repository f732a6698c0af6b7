"""Closures and materialising take `now`: what a conflict offers instead starts no earlier than it.

Each case pins `now` on both sides of an edge where the offered alternatives change, so no single
reading of the real clock could pass them all.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook.booking import book_room
from roombook.booking.occurrences import (
    add_closure,
    add_public_holidays,
    displace_booking,
    materialise,
)
from roombook.booking.rooms import apply_closure
from roombook.conflicts.decisions import resolve_conflict
from roombook.models import Conflict, Occurrence
from tests.factories import local

BOOKED_ON = local(2027, 3, 1, 7, 0)  # `now` when the bookings in the way are made


def offered_starts(conflict: Conflict) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(a["start"]) for a in conflict.alternatives]


@pytest.mark.parametrize(("now", "offered"), [
    # the free morning before the closed hours is offered while it still lies ahead ...
    (local(2027, 3, 2, 7, 59), [local(2027, 3, 2, 8), local(2027, 3, 2, 12), local(2027, 3, 2, 18),
                                local(2027, 3, 3, 8), local(2027, 3, 3, 10)]),
    # ... and when it begins right now ...
    (local(2027, 3, 2, 8, 0), [local(2027, 3, 2, 8), local(2027, 3, 2, 12), local(2027, 3, 2, 18),
                               local(2027, 3, 3, 8), local(2027, 3, 3, 10)]),
    # ... but a minute later two hours no longer fit before the closure
    (local(2027, 3, 2, 8, 1), [local(2027, 3, 2, 12), local(2027, 3, 2, 18), local(2027, 3, 3, 8),
                               local(2027, 3, 3, 10), local(2027, 3, 3, 18)]),
])
def test_booking_displaced_by_a_closure_is_offered_alternatives_from_now_on(session, make_room, make_user,
                                                                            now, offered):
    room = make_room()
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "Nähcafé",
                        now=BOOKED_ON)
    add_closure(session, None, room, local(2027, 3, 2, 10), local(2027, 3, 2, 12), "Wasserrohrbruch", now=now)
    assert booking.status == "displaced"
    conflict = session.scalar(sa.select(Conflict))
    assert conflict.kind == "displaced_booking" and conflict.booking_id == booking.id
    assert offered_starts(conflict) == offered


@pytest.mark.parametrize(("now", "offered"), [
    # the Saturday before summer time begins (28 March) is offered while its window is still ahead;
    # Monday 5 April is not: the slot's own next occurrence, placed in the same run, holds it
    (local(2027, 3, 27, 10, 0), [local(2027, 3, 27, 10), local(2027, 4, 3, 10)]),
    (local(2027, 3, 27, 10, 1), [local(2027, 4, 3, 10)]),
])
def test_slot_lost_across_the_dst_change_is_offered_the_same_wall_clock_time(session, make_room, make_user,
                                                                             make_offer, now, offered):
    # open only in the slot's 90 minutes on Mondays and Saturdays, so the alternatives are few and exact
    room = make_room(open=[{"day": "mon", "from": "10:00", "to": "11:30"},
                           {"day": "sat", "from": "10:00", "to": "11:30"}])
    drill = book_room(session, make_user("facility_manager"), room, local(2027, 3, 29, 10), local(2027, 3, 29, 11, 30),
                      "Brandschutzübung", displaceable=False, now=BOOKED_ON)
    offer = make_offer(room=room, slots=[("mon", "10:00")], valid_from=dt.date(2027, 3, 22),
                       valid_until=dt.date(2027, 4, 12))
    materialise(session, offer.sessions[0], dt.date(2027, 4, 12), now=now)

    tz = room.tz
    occurrences = session.scalars(sa.select(Occurrence).order_by(Occurrence.starts_at)).all()
    assert [o.starts_at.astimezone(tz).strftime("%d.%m. %H:%M") for o in occurrences] == [
        "22.03. 10:00", "29.03. 10:00", "05.04. 10:00", "12.04. 10:00"]
    assert [o.starts_at.hour for o in occurrences] == [9, 8, 8, 8]  # UTC: CET, then CEST
    assert [o.status for o in occurrences] == ["scheduled", "cancelled", "scheduled", "scheduled"]
    assert drill.status == "active"

    conflict = session.scalar(sa.select(Conflict))
    assert conflict.kind == "slot_lost" and conflict.occurrence_id == occurrences[1].id
    starts = offered_starts(conflict)
    assert starts == offered
    assert {s.astimezone(tz).strftime("%a %H:%M") for s in starts} <= {"Sat 10:00"}


@pytest.mark.parametrize(("now", "offered"), [
    # on New Year's Eve the last free 90 minutes before the party are offered while they lie ahead ...
    (local(2027, 12, 31, 16, 30), [local(2027, 12, 31, 16, 30), local(2028, 1, 2, 8), local(2028, 1, 2, 18),
                                   local(2028, 1, 2, 18, 30), local(2028, 1, 3, 8)]),
    # ... a minute later the nearest lies in the new year, past the closed public holiday of 1 January
    (local(2027, 12, 31, 16, 31), [local(2028, 1, 2, 8), local(2028, 1, 2, 18), local(2028, 1, 2, 18, 30),
                                   local(2028, 1, 3, 8), local(2028, 1, 3, 18)]),
])
def test_slot_lost_at_the_turn_of_the_year_is_offered_alternatives_from_now_on(session, make_room, make_user,
                                                                               make_offer, now, offered):
    room = make_room()
    add_public_holidays(session, [room], [2027, 2028], now=now)
    party = book_room(session, make_user("facility_manager"), room, local(2027, 12, 31, 18),
                      local(2027, 12, 31, 19, 30), "Silvesterfeier", displaceable=False, now=local(2027, 12, 1))
    offer = make_offer(room=room, slots=[("fri", "18:00")], valid_from=dt.date(2027, 12, 17),
                       valid_until=dt.date(2028, 1, 14))
    created = materialise(session, offer.sessions[0], dt.date(2028, 1, 14), now=now)

    tz = room.tz
    assert [o.starts_at.astimezone(tz).date() for o in created] == [
        dt.date(2027, 12, 17), dt.date(2027, 12, 24), dt.date(2027, 12, 31), dt.date(2028, 1, 7),
        dt.date(2028, 1, 14)]
    assert [o.status for o in created] == ["scheduled", "scheduled", "cancelled", "scheduled", "scheduled"]
    assert party.status == "active"
    conflict = session.scalar(sa.select(Conflict))
    assert conflict.kind == "slot_lost" and conflict.occurrence_id == created[2].id
    assert offered_starts(conflict) == offered


@pytest.mark.parametrize(("now", "first_offered"), [
    # the free morning hour before the closed hours is offered while it is still ahead ...
    (local(2027, 3, 2, 9, 0), local(2027, 3, 2, 9)),
    # ... and a minute later it no longer fits: the closure applied from the page reads the same `now`
    (local(2027, 3, 2, 9, 1), local(2027, 3, 2, 11)),
])
def test_closure_applied_by_the_manager_offers_alternatives_from_now_on(session, make_room, make_user,
                                                                        now, first_offered):
    room = make_room()
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Nähcafé",
                        now=BOOKED_ON)
    _closure, opened = apply_closure(session, make_user("facility_manager"), room, local(2027, 3, 2, 10),
                                     local(2027, 3, 2, 11), "Wasserrohrbruch", now=now)
    [conflict] = opened
    assert conflict.booking_id == booking.id
    starts = offered_starts(conflict)
    assert starts[0] == first_offered and min(starts) >= now


@pytest.mark.parametrize(("now", "first_offered"), [
    # the free hour before the reinstated booking is offered while it is still ahead ...
    (local(2027, 3, 2, 17, 0), local(2027, 3, 2, 17)),
    # ... a minute later the next morning is nearest: the override reads the same `now`
    (local(2027, 3, 2, 17, 1), local(2027, 3, 3, 8)),
])
def test_override_offers_what_it_displaces_alternatives_from_now_on(session, make_room, make_user,
                                                                    now, first_offered):
    room = make_room()
    first = book_room(session, make_user(), room, local(2027, 3, 2, 18), local(2027, 3, 2, 19, 30), "Chor",
                      now=BOOKED_ON)
    displace_booking(session, None, first, "Probe", now=BOOKED_ON)
    meanwhile = book_room(session, make_user(), room, local(2027, 3, 2, 18), local(2027, 3, 2, 19), "Spieleabend",
                          now=BOOKED_ON)
    conflict = session.scalar(sa.select(Conflict).where(Conflict.booking_id == first.id))
    decision = resolve_conflict(session, make_user("facility_manager"), conflict, "override",
                                note="Chor hat Vorrang", now=now)
    [opened] = decision.opened
    assert opened.booking_id == meanwhile.id
    starts = offered_starts(opened)
    assert starts[0] == first_offered and min(starts) >= now
