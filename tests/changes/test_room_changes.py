"""A room change is one decision: a closure groups what it hits per series, proposes a repair true to seats and
features, applies all or nothing, and tells each party once. On SQLite and PostgreSQL (the suite's database)."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking.errors import BookingError
from roombook.booking.service import book_room
from roombook.changes import deciding
from roombook.changes.recording import record_closure
from roombook.models import (
    Booking,
    Occurrence,
    OutboxMessage,
    Room,
    RoomChange,
)
from roombook.models.changes import ChangeStatus, ItemStatus
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus
from tests.changes.conftest import CLOSED_FROM, CLOSED_TO, NOW
from tests.factories import local


def close(session, house, **params):
    return record_closure(session, house["manager"], house["big"], params.get("start", CLOSED_FROM),
                          params.get("end", CLOSED_TO), "Verwaltung nutzt den Raum als Lager", "other_use")


def rooms(session) -> dict[int, Room]:
    return {r.id: r for r in session.scalars(sa.select(Room))}


def test_a_closure_opens_one_change_with_an_item_per_series(session, house):
    change = close(session, house).change
    by_title = {item.title: item for item in change.items}
    assert sorted(by_title) == ["Deutschkurs A1", "Elterncafé", "Gesprächsgruppe", "Sprechstunde"]
    assert [by_title[t].kind for t in sorted(by_title)] == ["offer", "booking", "booking_series", "offer"]
    assert [len(by_title[t].hits) for t in sorted(by_title)] == [3, 1, 3, 3]
    assert change.status == ChangeStatus.PROPOSED
    # nothing is left in the closed room, and no conflict per date was opened
    assert session.scalar(sa.select(sa.func.count()).select_from(Occurrence).where(
        Occurrence.room_id == house["big"].id, Occurrence.starts_at < CLOSED_TO, Occurrence.starts_at >= CLOSED_FROM,
        Occurrence.status != OccurrenceStatus.CANCELLED)) == 0
    assert session.execute(sa.text("SELECT count(*) FROM conflict")).scalar() == 0


def test_a_closure_that_hits_nothing_opens_no_change(session, house):
    recorded = record_closure(session, house["manager"], house["medium"], CLOSED_FROM, CLOSED_TO, "Malerarbeiten",
                              "maintenance")
    assert recorded.change is None and recorded.closure.purpose == "maintenance"
    assert session.scalar(sa.select(sa.func.count()).select_from(RoomChange)) == 0


def test_no_proposal_or_option_has_too_few_seats_or_misses_a_feature(session, house):
    change = close(session, house).change
    known = rooms(session)
    for item in change.items:
        needs = set(item.offer_session_id and session.get(Occurrence, item.hits[0]["occurrence"])
                    .offer_session.offer.needs_features or [])
        for slot in [item.proposal, *item.options]:
            if slot is None:
                continue
            room = known[slot["room_id"]]
            assert item.participants is None or room.capacity >= item.participants, (item.title, room.key)
            assert needs <= set(room.features), (item.title, room.key)
            assert room.id != house["big"].id or slot["shift"] or slot["local_start"] != "09:00"


def test_the_15_person_course_is_not_proposed_into_the_4_seat_room(session, house):
    item = next(i for i in close(session, house).change.items if i.title == "Deutschkurs A1")
    # the medium room has the seats but no whiteboard, the office neither: nothing in the house fits
    assert item.proposal is None and item.options == [] and item.reason == "no_room_fits"


def test_another_room_at_the_same_time_comes_first(session, house):
    item = next(i for i in close(session, house).change.items if i.title == "Sprechstunde")
    assert item.proposal["tier"] == "room" and item.proposal["shift"] == 0 and item.proposal["local_start"] == "10:00"
    assert rooms(session)[item.proposal["room_id"]].key in ("nord-br", "nord-mz")


def test_a_series_keeps_one_slot_for_all_its_weeks(session, house):
    change = close(session, house).change
    tz = house["place"].tz
    for item in change.items:
        for slot in [item.proposal, *item.options]:
            if slot is None or len(slot["starts"]) < 2:
                continue
            starts = [dt.datetime.fromisoformat(s).astimezone(tz) for s in slot["starts"]]
            assert len({(s.weekday(), s.time()) for s in starts}) == 1, (item.title, starts)
            assert [b - a for a, b in zip(starts, starts[1:])] == [dt.timedelta(weeks=1)] * (len(starts) - 1)


def test_two_series_are_never_proposed_into_the_same_time(session, house):
    change = close(session, house).change
    taken = []
    for item in change.items:
        if item.proposal is None:
            continue
        length = dt.datetime.fromisoformat(item.hits[0]["end"]) - dt.datetime.fromisoformat(item.hits[0]["start"])
        for start in map(dt.datetime.fromisoformat, item.proposal["starts"]):
            for room_id, other_start, other_end in taken:
                assert not (room_id == item.proposal["room_id"] and start < other_end and other_start < start + length)
            taken.append((item.proposal["room_id"], start, start + length))


def decide_all(change):
    """Take every proposal; cancel what has none."""
    return [{"item": item.id, "action": "accept" if item.proposal else "cancel"} for item in change.items]


def test_applying_moves_every_series_and_tells_each_party_once(session, house):
    change = close(session, house).change
    deciding.apply_change(session, house["manager"], change, decide_all(change), base_url="https://rb.example")
    assert change.status == ChangeStatus.APPLIED
    statuses = {item.title: item.status for item in change.items}
    assert statuses == {"Deutschkurs A1": ItemStatus.CANCELLED, "Sprechstunde": ItemStatus.MOVED,
                        "Gesprächsgruppe": ItemStatus.MOVED, "Elterncafé": ItemStatus.MOVED}
    hours = next(i for i in change.items if i.title == "Sprechstunde")
    moved = [session.get(Occurrence, h["occurrence"]) for h in hours.hits]
    assert {o.status for o in moved} == {OccurrenceStatus.MOVED} and {o.room_id for o in moved} == {
        hours.proposal["room_id"]}
    series = next(i for i in change.items if i.title == "Gesprächsgruppe")
    held = [session.get(Booking, h["booking"]) for h in series.hits]
    assert {b.status for b in held} == {BookingStatus.ACTIVE} and len({b.series_id for b in held}) == 1
    sent = Counter(session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.change_id == change.id)))
    providers = {f"{o.providers[0].key}@example.org" for o in (house["course"], house["hours"])}
    assert set(sent) == providers | {"vol@example.org", "manager@example.org", "coord@example.org"}
    assert set(sent.values()) == {1}  # one message per address per change, never one per date
    volunteer_mail = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "vol@example.org"))
    assert "Room change" in volunteer_mail.subject and "Gesprächsgruppe" in volunteer_mail.body  # in English
    assert "Deutschkurs A1" not in volunteer_mail.body  # only what concerns them
    manager_mail = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "manager@example.org"))
    assert all(title in manager_mail.body for title in statuses)


def test_a_change_applied_twice_is_refused(session, house):
    change = close(session, house).change
    deciding.apply_change(session, house["manager"], change, decide_all(change))
    before = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    with pytest.raises(deciding.ChangeRefused) as refused:
        deciding.apply_change(session, house["manager"], change, decide_all(change))
    assert refused.value.status == 409
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before


def test_an_item_without_proposal_must_be_decided(session, house):
    change = close(session, house).change
    course = next(i for i in change.items if i.title == "Deutschkurs A1")
    with pytest.raises(deciding.ChangeRefused) as refused:
        deciding.apply_change(session, house["manager"], change, [])
    assert refused.value.status == 422 and refused.value.items == [course.id]
    assert change.status == ChangeStatus.PROPOSED


def test_a_slot_booked_between_proposal_and_apply_refuses_the_whole_change_cleanly(session, house):
    change = close(session, house).change
    hours = next(i for i in change.items if i.title == "Sprechstunde")
    start = dt.datetime.fromisoformat(hours.proposal["starts"][1])
    book_room(session, house["volunteer"], rooms(session)[hours.proposal["room_id"]], start,
              start + dt.timedelta(minutes=30), "Schnell noch", now=NOW)
    session.flush()
    with pytest.raises(deciding.ChangeRefused) as refused:
        deciding.apply_change(session, house["manager"], change, decide_all(change))
    assert refused.value.status == 409 and refused.value.items == [hours.id]
    assert change.status == ChangeStatus.PROPOSED
    assert all(item.status == ItemStatus.OPEN for item in change.items)
    moved = session.scalar(sa.select(sa.func.count()).select_from(Occurrence).where(
        Occurrence.status == OccurrenceStatus.MOVED))
    assert moved == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.change_id == change.id)) == 0


def test_a_volunteer_asked_keeps_the_slot_held_and_answers(session, house):
    change = close(session, house).change
    series = next(i for i in change.items if i.title == "Gesprächsgruppe")
    decisions = decide_all(change)
    next(d for d in decisions if d["item"] == series.id)["action"] = "ask_volunteer"
    deciding.apply_change(session, house["manager"], change, decisions)
    assert series.status == ItemStatus.ASKED
    assert series.deadline == min(NOW + dt.timedelta(days=3), dt.datetime.fromisoformat(series.proposal["starts"][0]))
    assert deciding.open_questions(session, house["volunteer"]) == [series]
    held = [session.get(Booking, booking_id) for booking_id in series.made]
    assert {b.status for b in held} == {BookingStatus.ACTIVE}  # held for them until they answer
    with pytest.raises(deciding.ChangeRefused):
        deciding.answer(session, house["manager"], series, "give_up")  # only the volunteer answers
    deciding.answer(session, house["volunteer"], series, "give_up")
    assert series.status == ItemStatus.CANCELLED and {b.status for b in held} == {BookingStatus.CANCELLED}
    assert deciding.open_questions(session, house["volunteer"]) == []


def test_a_volunteer_may_take_another_option(session, house):
    change = close(session, house).change
    series = next(i for i in change.items if i.title == "Gesprächsgruppe")
    assert series.options, "the test needs a second choice"
    decisions = [{"item": i.id, "action": "ask_volunteer" if i is series else
                  ("accept" if i.proposal else "cancel")} for i in change.items]
    deciding.apply_change(session, house["manager"], change, decisions)
    deciding.answer(session, house["volunteer"], series, "option", 0)
    held = [session.get(Booking, booking_id) for booking_id in series.made]
    assert [b.starts_at.isoformat() for b in held] == series.options[0]["starts"]
    assert {b.room_id for b in held} == {series.options[0]["room_id"]} and series.status == ItemStatus.MOVED


def test_without_an_answer_the_proposal_stands_and_the_volunteer_is_told(session, house):
    change = close(session, house).change
    series = next(i for i in change.items if i.title == "Gesprächsgruppe")
    decisions = [{"item": i.id, "action": "ask_volunteer" if i is series else
                  ("accept" if i.proposal else "cancel")} for i in change.items]
    deciding.apply_change(session, house["manager"], change, decisions)
    before = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == "vol@example.org"))
    assert deciding.settle_expired(session, now=series.deadline - dt.timedelta(minutes=1)) == 0
    assert deciding.settle_expired(session, now=series.deadline) == 1
    assert series.status == ItemStatus.MOVED and series.answer == "timeout"
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == "vol@example.org")) == before + 1
    with pytest.raises(deciding.ChangeRefused):
        deciding.answer(session, house["volunteer"], series, "give_up", now=series.deadline)


def test_a_booking_in_a_closed_room_is_refused_with_the_closure_named(session, house):
    close(session, house)
    with pytest.raises(BookingError) as refused:
        book_room(session, house["volunteer"], house["big"], local(2027, 3, 9, 12), local(2027, 3, 9, 13), "Probe",
                  now=NOW)
    assert "Lager" in refused.value.message


def test_asking_is_only_for_a_volunteers_series(session, house):
    change = close(session, house).change
    hours = next(i for i in change.items if i.title == "Sprechstunde")
    with pytest.raises(deciding.ChangeRefused) as refused:
        deciding.apply_change(session, house["manager"], change, [{"item": hours.id, "action": "ask_volunteer"}])
    assert refused.value.status == 422 and refused.value.items == [hours.id]


def test_every_decision_lands_in_the_audit_trail_with_its_change(session, house):
    change = close(session, house).change
    deciding.apply_change(session, house["manager"], change, decide_all(change))
    rows = session.execute(sa.text("SELECT action, details FROM audit_event WHERE action LIKE 'change.%'")).all()
    decided = [r for r in rows if r[0] == "change.item_decided"]
    assert len(decided) == len(change.items)
    assert all((r[1] if isinstance(r[1], dict) else __import__("json").loads(r[1]))["change"] == change.id
               for r in decided)
    assert {r[0] for r in rows} >= {"change.recorded", "change.applied"}


def test_the_settling_job_runs_once_per_minute_across_processes(app, session, house):
    from roombook.jobs import settle_changes

    change = close(session, house).change
    series = next(i for i in change.items if i.title == "Gesprächsgruppe")
    decisions = [{"item": i.id, "action": "ask_volunteer" if i is series else
                  ("accept" if i.proposal else "cancel")} for i in change.items]
    deciding.apply_change(session, house["manager"], change, decisions)
    session.flush()
    with clock.frozen(series.deadline + dt.timedelta(minutes=1)):
        assert settle_changes(app) == 1
        assert settle_changes(app) is None  # this minute is claimed: another process would find it so
    session.expire_all()  # the job ran in its own app context and session
    assert series.status == ItemStatus.MOVED and series.answer == "timeout"


def test_shorter_opening_hours_open_a_change_like_a_closure(session, house):
    from roombook.changes.recording import record_room_update

    big = house["big"]
    fields = {"name": big.name, "capacity": big.capacity, "features": ["whiteboard"],
              "open_hours": "\n".join(f"{d} 08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")),
              "max_booking_minutes": big.max_booking_minutes, "max_days_ahead": big.max_days_ahead,
              "max_open_bookings": big.max_open_bookings}
    change = record_room_update(session, house["manager"], big, **fields)
    assert change is not None and change.cause == "opening_hours" and change.closure_id is None
    # the volunteers' evening group (17:00) lies outside the new hours: one item for all its weeks
    [series] = [item for item in change.items if item.kind == "booking_series"]
    assert series.title == "Gesprächsgruppe" and len(series.hits) == 5
    assert series.proposal is not None
    assert session.get(Booking, series.hits[0]["booking"]).status == BookingStatus.DISPLACED
    deciding.apply_change(session, house["manager"], change, decide_all(change))
    mail = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "manager@example.org"))
    assert "neue Öffnungszeiten" in mail.subject
    fields["name"] = "Großer Raum"  # nothing else changes: no change opens
    assert record_room_update(session, house["manager"], big, **fields) is None
