"""Plans in the app: solve the city, preview, publish all-or-nothing, past weeks keep their time."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking import book_room
from roombook.models import (
    AuditEvent,
    Booking,
    Conflict,
    Occurrence,
    OfferSession,
    OutboxMessage,
    Provider,
)
from roombook.planning.publishing import apply_plan, preview_plan, solve_city
from roombook.scenario.demo import demo_scenario
from roombook.scenario.importer import import_scenario
from roombook.solver import check_plan
from tests.dates import quiet_monday
from tests.factories import local_on

# A term starting in the coming weeks: publishing displaces bookings and offers alternatives from the
# real clock on, and `flask solve` publishes from today. The plan takes effect in its third week, one
# without a public holiday, so the booking that week can be made.
EFFECTIVE = quiet_monday(clock.today(), weeks_ahead=3)
TERM_START = EFFECTIVE - dt.timedelta(weeks=2)
TERM_END = TERM_START + dt.timedelta(weeks=26, days=-1)  # the demo's term: 26 weeks
HORIZON = TERM_END


@pytest.fixture
def city(session):
    import_scenario(session, demo_scenario(TERM_START))
    return session


def _slot(session, offer_key: str, index: int = 0) -> list[OfferSession]:
    return session.scalars(sa.select(OfferSession).join(OfferSession.offer)
                           .where(OfferSession.offer.has(key=offer_key), OfferSession.index == index)
                           .order_by(OfferSession.valid_from)).all()


def test_solving_the_demo_city_keeps_every_slot_and_passes_the_validator(city):
    scenario, plan = solve_city(city, "Europe/Berlin", time_limit=20)
    assert check_plan(scenario, plan) == []
    assert plan["unplaced"] == []
    assert preview_plan(city, plan, EFFECTIVE).changes == []  # nothing moves without a reason
    # the demo's gaps are named, with the accommodation in the reason
    assert any(row["accommodation"] == "west" and "West" in row["reason"] for row in plan["unmet_requirements"])


def test_a_provider_losing_a_day_moves_only_its_session_and_past_weeks_keep_their_time(city):
    provider = city.scalar(sa.select(Provider).where(Provider.key == "fb-soziales"))
    provider.available = [w for w in provider.available if w["day"] != "mon"]
    city.flush()
    _scenario, plan = solve_city(city, "Europe/Berlin", time_limit=20)
    preview = preview_plan(city, plan, EFFECTIVE)
    assert [(c.offer, c.before["day"]) for c in preview.changes] == [("nord-sprechstunde", "mon")]
    assert preview.changes[0].after["day"] in ("wed", "thu")

    apply_plan(city, None, plan, effective=EFFECTIVE, horizon=HORIZON)
    old, new = _slot(city, "nord-sprechstunde")
    assert old.valid_until == EFFECTIVE - dt.timedelta(days=1) and new.valid_from == EFFECTIVE
    assert old.sequence == 1  # ending the old slot is a change calendar clients must pick up
    tz = new.room.tz
    days = {o.starts_at.astimezone(tz).date(): o.starts_at.astimezone(tz).strftime("%a %H:%M")
            for o in city.scalars(sa.select(Occurrence).where(Occurrence.offer_session_id.in_([old.id, new.id])))}
    assert days[TERM_START + dt.timedelta(weeks=1)] == "Mon 10:00"  # before the plan took effect
    assert all(day < EFFECTIVE for day, label in days.items() if label.startswith("Mon"))
    assert any(day >= EFFECTIVE and not label.startswith("Mon") for day, label in days.items())
    assert city.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan.published")) is not None


def test_publishing_displaces_a_booking_in_the_new_slot_and_opens_a_conflict(city):
    _scenario, plan = solve_city(city, "Europe/Berlin", time_limit=20)
    volunteer_room = city.scalar(sa.select(OfferSession).where(OfferSession.offer.has(key="nord-hausaufgaben")))
    thursday = EFFECTIVE + dt.timedelta(days=3)
    booking = book_room(city, None, volunteer_room.room, local_on(thursday, 16), local_on(thursday, 17),
                        "Fahrradwerkstatt", now=local_on(TERM_START))
    moved = copy.deepcopy(plan)
    row = next(r for r in moved["sessions"] if r["offer"] == "nord-hausaufgaben")
    row.update(day="thu", start="16:00", end="17:30")
    apply_plan(city, None, moved, effective=EFFECTIVE, horizon=HORIZON)
    assert city.get(Booking, booking.id).status == "displaced"
    conflict = city.scalar(sa.select(Conflict).where(Conflict.booking_id == booking.id))
    assert conflict.kind == "displaced_booking" and conflict.alternatives


def test_publishing_after_the_term_has_ended_adds_no_slot(city):
    """Once the offers have ended there is no week left to schedule: nothing is added, nothing fails."""
    _scenario, plan = solve_city(city, "Europe/Berlin", time_limit=20)
    before = city.scalar(sa.select(sa.func.count()).select_from(OfferSession))
    after_term = TERM_END + dt.timedelta(days=1)
    apply_plan(city, None, plan, effective=after_term, horizon=after_term + dt.timedelta(weeks=4))
    assert city.scalar(sa.select(sa.func.count()).select_from(OfferSession)) == before
    assert city.scalar(sa.select(sa.func.max(OfferSession.valid_until))) == TERM_END


def test_a_failing_publish_changes_nothing(app, city):
    from roombook.db import db, transaction

    _scenario, plan = solve_city(city, "Europe/Berlin", time_limit=20)
    broken = copy.deepcopy(plan)
    broken["sessions"][0]["start"] = "10:10"
    broken["sessions"][-1]["room"] = "no-such-room"
    before = city.scalar(sa.select(sa.func.count()).select_from(OfferSession))
    with pytest.raises(KeyError):
        with transaction():
            apply_plan(db.session, None, broken, effective=EFFECTIVE, horizon=HORIZON)
    assert city.scalar(sa.select(sa.func.count()).select_from(OfferSession)) == before
    assert city.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan.published")) is None


def test_solve_command_prints_a_summary_and_publishes(app, city, make_user):
    """The five minimums the demo city cannot meet go to the coordinator as one notice, none to a house's inbox."""
    make_user("coordinator", email="koordination@example.org").language = "en"
    result = app.test_cli_runner().invoke(args=["solve", "--time-limit", "20", "--publish"])
    assert result.exit_code == 0, result.output
    assert "placed" in result.output and "unmet" in result.output and "Published" in result.output
    assert city.scalar(sa.select(sa.func.count()).select_from(Conflict)
                       .where(Conflict.kind == "requirement_unmet")) == 0
    [notice] = city.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "koordination@example.org"))
    assert notice.subject.startswith("Minimum not met: ") and notice.body.count(" minutes a week – ") == 5


def _swap_tuesdays_in_mitte(city) -> dict:
    """A valid plan in which mitte-deutsch (10:00–11:30) and mitte-sprechstunde (13:00–15:00) swap their
    Tuesday times."""
    scenario, plan = solve_city(city, "Europe/Berlin", time_limit=20)
    tuesday = sorted((s for s in plan["sessions"] if (s["room"], s["day"]) == ("mitte-mz", "tue")),
                     key=lambda s: s["start"])
    assert [(s["offer"], s["start"]) for s in tuesday] == [("mitte-deutsch", "10:00"), ("mitte-sprechstunde", "13:00")]
    swapped = copy.deepcopy(plan)
    for row in swapped["sessions"]:
        if (row["room"], row["day"]) == ("mitte-mz", "tue"):  # each takes the other's start, keeps its length
            start, end = (dt.datetime.strptime(row[k], "%H:%M") for k in ("start", "end"))
            moved = start.replace(hour=13 if start.hour == 10 else 10)
            row["start"], row["end"] = moved.strftime("%H:%M"), (moved + (end - start)).strftime("%H:%M")
    assert check_plan(scenario, swapped) == []
    return swapped


def test_two_slots_that_swap_their_times_are_both_placed(city):
    swapped = _swap_tuesdays_in_mitte(city)
    apply_plan(city, None, swapped, effective=EFFECTIVE, horizon=HORIZON)
    assert city.scalars(sa.select(Conflict.kind).where(Conflict.kind == "slot_lost")).all() == []
    for offer_key, local_start in (("mitte-deutsch", dt.time(13)), ("mitte-sprechstunde", dt.time(10))):
        new = _slot(city, offer_key, 0)[-1]
        assert new.valid_from == EFFECTIVE and new.start == local_start
        weeks = city.scalars(sa.select(Occurrence).where(Occurrence.offer_session_id == new.id)).all()
        assert weeks and {o.status for o in weeks} == {"scheduled"}


def test_a_week_the_new_plan_removes_takes_its_open_conflict_with_it(city):
    from roombook.booking.occurrences import add_closure

    swapped = _swap_tuesdays_in_mitte(city)
    course = next(slot for index in (0, 1) for slot in _slot(city, "mitte-deutsch", index) if slot.day == "tue")
    tuesday = EFFECTIVE + dt.timedelta(weeks=1, days=1)
    add_closure(city, None, course.room, local_on(tuesday, 10), local_on(tuesday, 11), "Wasserschaden")
    hit = city.scalar(sa.select(Conflict).join(Occurrence, Conflict.occurrence_id == Occurrence.id)
                      .where(Conflict.kind == "closure_hit", Conflict.status == "open",
                             Occurrence.offer_session_id == course.id))
    assert hit is not None
    about_weeks = sa.select(Conflict.id).where(Conflict.status == "open", Conflict.kind.in_(["closure_hit",
                                                                                            "slot_lost"]))
    others_open = set(city.scalars(about_weeks)) - {hit.id}

    apply_plan(city, None, swapped, effective=EFFECTIVE, horizon=HORIZON)
    city.refresh(hit)
    assert (hit.status, hit.resolution) == ("resolved", "superseded") and hit.resolved_at is not None
    assert city.scalar(sa.select(AuditEvent).where(AuditEvent.action == "conflict.resolved",
                                                   AuditEvent.object_id == str(hit.id))) is not None
    # the course now starts at 13:00, after the closure; the office hours moved to 10:00 take its place there
    new = city.scalars(sa.select(Conflict).where(Conflict.id.in_(set(city.scalars(about_weeks)) - others_open)))
    assert [(c.kind, city.get(Occurrence, c.occurrence_id).offer_session.offer.key) for c in new] == [
        ("closure_hit", "mitte-sprechstunde")]
    assert others_open <= set(city.scalars(about_weeks))


def test_a_booking_displaced_by_a_week_the_next_plan_removes_gets_its_time_back(city, make_user):
    from roombook.models import OutboxMessage, Room

    current = solve_city(city, "Europe/Berlin", time_limit=20)[1]
    swapped = _swap_tuesdays_in_mitte(city)
    room = city.scalar(sa.select(Room).where(Room.key == "mitte-mz"))
    tuesday = EFFECTIVE + dt.timedelta(weeks=1, days=1)
    volunteer = make_user(email="naehcafe@example.org")
    # free between the course (until 11:30) and the office hours (from 13:00); the swap's 10:00–12:00 takes it
    booking = book_room(city, volunteer, room, local_on(tuesday, 11, 30), local_on(tuesday, 12), "Nähcafé",
                        now=local_on(TERM_START))
    apply_plan(city, None, swapped, effective=EFFECTIVE, horizon=HORIZON, now=local_on(TERM_START))
    assert booking.status == "displaced"
    conflict = city.scalar(sa.select(Conflict).where(Conflict.booking_id == booking.id))
    assert conflict.status == "open"

    apply_plan(city, None, current, effective=EFFECTIVE, horizon=HORIZON, now=local_on(TERM_START))
    city.refresh(booking)
    city.refresh(conflict)
    assert booking.status == "active" and booking.status_reason == ""
    assert (conflict.status, conflict.resolution) == ("resolved", "superseded")
    clashing = sa.select(sa.func.count()).select_from(Occurrence).where(
        Occurrence.room_id == room.id, Occurrence.status == "scheduled",
        Occurrence.starts_at < booking.ends_at, Occurrence.ends_at > booking.starts_at)
    assert city.scalar(clashing) == 0
    told = city.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "naehcafe@example.org",
                                                       OutboxMessage.kind == "booking_decision")).all()
    assert len(told) == 1 and "wie geplant statt" in told[0].body
    assert city.scalar(sa.select(AuditEvent).where(AuditEvent.action == "booking.reinstated",
                                                   AuditEvent.object_id == str(booking.id))) is not None
