"""Weekly slots become dated occurrences: DST-correct, cancelled by closures, escalated on clashes."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook.booking import book_room
from roombook.booking.occurrences import (
    add_closure,
    add_public_holidays,
    extend_horizon,
    materialise,
)
from roombook.models import Conflict, Occurrence
from tests.factories import local

# handed to the engine as `now`: nothing asserted on these fixed dates depends on the real clock
NOW = local(2027, 3, 1, 7, 0)


def test_weekly_slot_stays_at_local_wall_clock_time_across_dst(session, make_offer):
    offer = make_offer(slots=[("fri", "10:00")], valid_from=dt.date(2027, 3, 15), valid_until=dt.date(2027, 11, 5))
    materialise(session, offer.sessions[0], dt.date(2027, 11, 5))
    occurrences = session.scalars(sa.select(Occurrence).order_by(Occurrence.starts_at)).all()
    tz = offer.accommodation.tz
    assert {o.starts_at.astimezone(tz).strftime("%a %H:%M") for o in occurrences} == {"Fri 10:00"}
    by_date = {o.starts_at.astimezone(tz).date(): o.starts_at for o in occurrences}
    assert by_date[dt.date(2027, 3, 26)].hour == 9   # CET, UTC+1
    assert by_date[dt.date(2027, 4, 2)].hour == 8    # CEST after 28 March, UTC+2
    assert by_date[dt.date(2027, 10, 29)].hour == 8  # still CEST
    assert by_date[dt.date(2027, 11, 5)].hour == 9   # CET again after 31 October
    assert all(o.ends_at - o.starts_at == dt.timedelta(minutes=90) for o in occurrences)


def test_materialise_is_idempotent(session, make_offer):
    offer = make_offer()
    first = materialise(session, offer.sessions[0], dt.date(2027, 4, 30))
    again = materialise(session, offer.sessions[0], dt.date(2027, 4, 30))
    assert len(first) == 9 and again == []


def test_public_holidays_of_nrw_cancel_occurrences_without_a_conflict(session, make_room, make_offer):
    room = make_room()
    add_public_holidays(session, [room], [2027])
    offer = make_offer(room=room, slots=[("mon", "10:00")])  # Easter Monday 2027 is 29 March
    materialise(session, offer.sessions[0], dt.date(2027, 4, 30))
    easter = session.scalar(sa.select(Occurrence).where(Occurrence.original_start == local(2027, 3, 29, 10)))
    assert easter.status == "cancelled" and "Ostermontag" in easter.reason
    assert session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0


def test_closure_cancels_occurrences_and_asks_the_manager(session, make_room, make_offer):
    room = make_room()
    offer = make_offer(room=room, slots=[("tue", "10:00")])
    materialise(session, offer.sessions[0], dt.date(2027, 4, 30), now=NOW)
    add_closure(session, None, room, local(2027, 3, 9), local(2027, 3, 10), "Heizungsausfall", now=NOW)
    hit = session.scalar(sa.select(Occurrence).where(Occurrence.original_start == local(2027, 3, 9, 10)))
    assert hit.status == "cancelled" and hit.reason == "Heizungsausfall"
    conflict = session.scalar(sa.select(Conflict))
    assert conflict.kind == "closure_hit" and conflict.occurrence_id == hit.id
    # the nearest free 90 minutes on either side of the closed day
    assert [a["start"] for a in conflict.alternatives][:2] == [
        local(2027, 3, 8, 18, 30).astimezone(dt.timezone.utc).isoformat(),
        local(2027, 3, 10, 8).astimezone(dt.timezone.utc).isoformat()]


def test_new_occurrence_displaces_a_displaceable_booking_with_a_conflict(session, make_room, make_user, make_offer):
    room = make_room()
    booking = book_room(session, make_user(), room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Chor", now=NOW)
    offer = make_offer(room=room, slots=[("tue", "10:00")])
    materialise(session, offer.sessions[0], dt.date(2027, 3, 7), now=NOW)
    assert booking.status == "displaced"
    assert session.scalar(sa.select(Conflict.kind)) == "displaced_booking"


def test_fixed_booking_wins_and_the_lost_slot_becomes_a_conflict(session, make_room, make_user, make_offer):
    room = make_room()
    booking = book_room(session, make_user("facility_manager"), room, local(2027, 3, 2, 10), local(2027, 3, 2, 11),
                        "Brandschutzübung", displaceable=False, now=NOW)
    offer = make_offer(room=room, slots=[("tue", "10:00")])
    materialise(session, offer.sessions[0], dt.date(2027, 3, 7), now=NOW)
    occurrence = session.scalar(sa.select(Occurrence))
    assert booking.status == "active" and occurrence.status == "cancelled"
    assert session.scalar(sa.select(Conflict.kind)) == "slot_lost"


def test_extend_horizon_materialises_current_slots_ahead(session, make_offer):
    offer = make_offer(valid_from=dt.date(2027, 1, 4), valid_until=None)
    added = extend_horizon(session, dt.date(2027, 1, 4), weeks=26)
    assert added == 27  # 4 January up to and including 5 July, Mondays
    assert extend_horizon(session, dt.date(2027, 1, 4), weeks=26) == 0
    assert offer.sessions[0].occurrences[-1].starts_at.astimezone(offer.accommodation.tz).date() == dt.date(2027, 7, 5)
