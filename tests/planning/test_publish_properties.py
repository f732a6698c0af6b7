"""Publishing plan after plan: every publish the validator accepts leaves the city consistent.

Hypothesis draws a few publishes in a row over the demo city: sessions move to another free time, day
or room of their accommodation, swap or rotate their places, drop out and come back, with effective
dates that stay or move on to a later week, and volunteer bookings, fixed bookings and closures put in
the way between them. After every publish the database is checked against what the plan promises.
Each example runs in its own SAVEPOINT on the one imported city, rolled back when it ends.
"""
from __future__ import annotations

import copy
import datetime as dt
from collections import Counter

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st

from roombook.access.accounts import create_user
from roombook.booking import book_room
from roombook.booking.availability import availability
from roombook.booking.errors import BookingError
from roombook.booking.occurrences import add_closure
from roombook.booking.recurrence import to_utc, weekly_local
from roombook.conflicts.decisions import ACCEPT, facts, resolve_conflict
from roombook.models import (
    Booking,
    Closure,
    Conflict,
    Occupancy,
    Occurrence,
    OfferSession,
    Room,
)
from roombook.planning.publishing import apply_plan
from roombook.scenario.exporter import export_scenario
from roombook.solver import check_plan
from tests.factories import BERLIN
from tests.planning.test_planning import EFFECTIVE, HORIZON, TERM_END, TERM_START, city  # noqa: F401 (the fixture)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UTC = dt.timezone.utc
BOOKED_AT = dt.datetime.combine(TERM_START, dt.time(0)).astimezone(UTC)  # every test booking is made then


# ---------------------------------------------------------------- plans the validator accepts

def _minute(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:5])


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _covered(windows: list[dict], day: str, start: int, end: int) -> bool:
    return any(w["day"] == day and _minute(w["from"]) <= start and end <= _minute(w["to"]) for w in windows)


def _occurrence_times(scenario: dict, row: dict):
    """(date, local start, local end) of a plan row over the scenario's period, naive local times."""
    day = dt.date.fromisoformat(scenario["period"]["start"])
    last = dt.date.fromisoformat(scenario["period"]["end"])
    day += dt.timedelta(days=(DAYS.index(row["day"]) - day.weekday()) % 7)
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time(0))
        yield day, midnight + dt.timedelta(minutes=_minute(row["start"])), \
            midnight + dt.timedelta(minutes=_minute(row["end"]))
        day += dt.timedelta(weeks=1)


def make_plan(scenario: dict, rows: list[dict]) -> dict:
    """A plan of these session rows with the bookings, closures and shortfalls it must declare."""
    offers = {o["id"]: o for o in scenario["offers"]}
    placed = {(r["offer"], r["session"]) for r in rows}
    unplaced = [{"offer": o["id"], "session": n, "reason": "vom Test ausgelassen / left out by the test"}
                for o in scenario["offers"] for n in range(o["sessions_per_week"]) if (o["id"], n) not in placed]
    minutes: Counter = Counter()
    for row in rows:
        offer = offers[row["offer"]]
        minutes[(offer["accommodation"], offer["category"])] += offer["duration_minutes"]
    unmet = [{"accommodation": q["accommodation"], "category": q["category"],
              "required_minutes": q["min_minutes_per_week"], "planned_minutes": minutes[(q["accommodation"], q["category"])],
              "reason": "zu wenig Angebot / not enough on offer"}
             for q in scenario["requirements"] if minutes[(q["accommodation"], q["category"])] < q["min_minutes_per_week"]]
    displaced, cancelled = [], []
    for row in rows:
        for day, start, end in _occurrence_times(scenario, row):
            for booking in scenario["bookings"]:
                if booking["room"] == row["room"] and booking["displaceable"] and \
                        start < dt.datetime.fromisoformat(booking["end"]) and \
                        dt.datetime.fromisoformat(booking["start"]) < end:
                    displaced.append({"booking": booking["id"], "offer": row["offer"], "session": row["session"],
                                      "alternatives": []})
            for closure in scenario["closures"]:
                if closure["room"] == row["room"] and start < dt.datetime.fromisoformat(closure["end"]) and \
                        dt.datetime.fromisoformat(closure["start"]) < end:
                    cancelled.append({"offer": row["offer"], "session": row["session"], "date": day.isoformat(),
                                      "reason": closure["reason"]})
                    break
    short = unmet or any(offers[u["offer"]]["guaranteed"] for u in unplaced)
    return {"format": "roombook-plan/1", "status": "infeasible" if short else "feasible",
            "sessions": [dict(r) for r in rows], "unplaced": unplaced, "unmet_requirements": unmet,
            "displaced_bookings": displaced, "cancelled_occurrences": cancelled, "moved": 0, "solve_seconds": 0.0}


def spots(scenario: dict, rows: list[dict], row: dict) -> list[tuple[str, str, str]]:
    """(day, start, room) where the row's session could go: room fits and is open, its provider is
    available, no other session of its offer that day, no other session in that room then."""
    offer = next(o for o in scenario["offers"] if o["id"] == row["offer"])
    provider = next(p for p in scenario["providers"] if p["id"] == row["provider"])
    place = next(a for a in scenario["accommodations"] if a["id"] == offer["accommodation"])
    others = [r for r in rows if r is not row]
    homes = {o["id"]: o["accommodation"] for o in scenario["offers"]}
    busy = [(r["day"], _minute(r["start"]) - _travel(scenario, homes[r["offer"]], place["id"]),
             _minute(r["end"]) + _travel(scenario, homes[r["offer"]], place["id"]))
            for r in others if r["provider"] == row["provider"]]
    length = offer["duration_minutes"]
    step = scenario.get("slot_minutes", 15)
    found = []
    for room in place["rooms"]:
        if room["capacity"] < offer["participants"] or set(offer["needs_features"]) - set(room["features"]):
            continue
        for window in room["open"]:
            day = window["day"]
            if any(r["offer"] == row["offer"] and r["day"] == day for r in others):
                continue
            for start in range(_minute(window["from"]), _minute(window["to"]) - length + 1, step):
                end = start + length
                if not _covered(provider["available"], day, start, end) or \
                        any(d == day and start < hi and lo < end for d, lo, hi in busy):
                    continue
                if any(r["room"] == room["id"] and r["day"] == day and start < _minute(r["end"])
                       and _minute(r["start"]) < end for r in others):
                    continue
                if (day, _hhmm(start), room["id"]) != (row["day"], row["start"], row["room"]):
                    found.append((day, _hhmm(start), room["id"]))
    return found


def _travel(scenario: dict, first: str, second: str) -> int:
    if first == second:
        return 0
    return next((leg["minutes"] for leg in scenario.get("travel", []) if {leg["from"], leg["to"]} == {first, second}),
                scenario.get("travel_minutes", 0))


def _place(row: dict, day: str, start: str, room: str) -> None:
    length = _minute(row["end"]) - _minute(row["start"])
    row.update(day=day, start=start, end=_hhmm(_minute(start) + length), room=room)


def _offer(scenario: dict, key: str) -> dict:
    return next(o for o in scenario["offers"] if o["id"] == key)


def draw_change(data, scenario: dict, rows: list[dict], left_out: list[dict]) -> list[dict] | None:
    """The rows after one change the validator accepts, or None when the drawn change is not valid."""
    rows = copy.deepcopy(rows)
    kind = data.draw(st.sampled_from(["move", "move", "swap", "rotate", "drop", "restore"]), label="change")
    if kind == "move":
        row = data.draw(st.sampled_from(rows), label="session")
        where = spots(scenario, rows, row)
        if not where:
            return None
        _place(row, *data.draw(st.sampled_from(where), label="to"))
    elif kind in ("swap", "rotate"):
        row = data.draw(st.sampled_from(rows), label="session")
        home = _offer(scenario, row["offer"])["accommodation"]
        mates = [r for r in rows if r is not row and _offer(scenario, r["offer"])["accommodation"] == home]
        if len(mates) < (1 if kind == "swap" else 2):
            return None
        ring = [row] + data.draw(st.permutations(mates), label="with")[:1 if kind == "swap" else 2]
        places = [(r["day"], r["start"], r["room"]) for r in ring]
        for r, spot in zip(ring, places[1:] + places[:1]):  # each takes the next one's start, keeps its length
            _place(r, *spot)
    elif kind == "drop":
        optional = [r for r in rows if not _offer(scenario, r["offer"])["guaranteed"]]
        if not optional:
            return None
        row = data.draw(st.sampled_from(optional), label="dropped")
        rows.remove(row)
        left_out.append(row)
    else:
        if not left_out:
            return None
        row = copy.deepcopy(left_out[0])
        rows.append(row)
        where = spots(scenario, rows, row)
        if data.draw(st.booleans(), label="elsewhere") and where:
            _place(row, *data.draw(st.sampled_from(where), label="to"))
    ok = check_plan(scenario, make_plan(scenario, rows)) == []
    event(f"{kind} {'ok' if ok else 'refused'}")
    return rows if ok else None


# ---------------------------------------------------------------- things in the way

def _local(day: dt.date, minute: int, tz) -> dt.datetime:
    return to_utc(dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minute), tz)


def _week_day(monday: dt.date, day: str) -> dt.date:
    return monday + dt.timedelta(days=DAYS.index(day))


def put_obstacle(data, session, moved: list[dict], effective: dt.date, manager) -> None:
    """A volunteer booking or a closure, often right where a session is about to move, a fixed booking, or
    a manager's decision that moves one closed week of a course to one of its free alternatives."""
    rooms = {r.key: r for r in session.scalars(sa.select(Room))}
    kind = data.draw(st.sampled_from(["booking", "booking", "fixed", "closure", "closure", "decision"]),
                     label="obstacle")
    if kind == "decision":
        closed = session.scalars(sa.select(Conflict).where(Conflict.kind == "closure_hit", Conflict.status == "open",
                                                           Conflict.occurrence_id.is_not(None))
                                 .order_by(Conflict.id)).all()
        if closed:
            conflict = data.draw(st.sampled_from(closed), label="decided")
            free = [a.index for a in facts(session, conflict, now=BOOKED_AT).alternatives if a.free]
            if free:
                resolve_conflict(session, manager, conflict, ACCEPT, alternative=data.draw(st.sampled_from(free)),
                                 now=BOOKED_AT)
        return
    monday = effective - dt.timedelta(days=effective.weekday())
    week = data.draw(st.integers(-1, 8), label="week")
    monday = max(TERM_START, min(monday + dt.timedelta(weeks=week), TERM_END - dt.timedelta(days=6)))
    if moved and kind != "fixed" and data.draw(st.integers(0, 3), label="aimed"):
        row = data.draw(st.sampled_from(moved), label="at")
        room, day = rooms[row["room"]], row["day"]
        window = next(w for w in room.open if w["day"] == day)
        first, last = _minute(window["from"]), _minute(window["to"])
        start = _minute(row["start"]) + data.draw(st.sampled_from([-30, 0, 15, 60]), label="offset")
    else:
        room = rooms[data.draw(st.sampled_from(sorted(rooms)), label="room")]
        day = data.draw(st.sampled_from([w["day"] for w in room.open]), label="day")
        window = next(w for w in room.open if w["day"] == day)
        first, last = _minute(window["from"]), _minute(window["to"])
        start = data.draw(st.integers(first // 15, last // 15 - 2), label="from") * 15
    start = max(first, min(start, last - 30))
    end = min(last, start + data.draw(st.sampled_from([30, 60, 120]), label="minutes"))
    date = _week_day(monday, day)
    begins, ends = _local(date, start, room.tz), _local(date, end, room.tz)
    if kind == "closure":
        if session.scalar(sa.select(Closure.id).where(Closure.room_id == room.id, Closure.starts_at == begins,
                                                      Closure.kind == "closure")):
            return  # the same closure again: one per room and start
        add_closure(session, None, room, begins, ends, "Wasserschaden / water damage", now=BOOKED_AT)
        return
    try:
        with session.begin_nested():
            book_room(session, None, room, begins, ends, "Fahrradwerkstatt" if kind == "booking" else "Hausversammlung",
                      displaceable=kind == "booking", now=BOOKED_AT)
    except BookingError:
        pass  # taken, closed or not open then: nothing in the way this time


# ---------------------------------------------------------------- what a publish must leave behind

def snapshot(session) -> dict:
    """Everything a publish may touch, as plain values."""
    return {
        "occurrences": {row.id: tuple(row) for row in session.execute(sa.select(
            Occurrence.id, Occurrence.offer_session_id, Occurrence.room_id, Occurrence.original_start,
            Occurrence.starts_at, Occurrence.ends_at, Occurrence.status, Occurrence.reason, Occurrence.sequence))},
        "occupancy": sorted(tuple(row) for row in session.execute(sa.select(
            Occupancy.room_id, Occupancy.starts_at, Occupancy.ends_at, Occupancy.booking_id, Occupancy.occurrence_id))),
        "bookings": {row.id: tuple(row) for row in session.execute(sa.select(
            Booking.id, Booking.status, Booking.sequence))},
        "conflicts": {row.id: (row.kind, row.status, row.booking_id, row.occurrence_id, row.summary, row.alternatives)
                      for row in session.scalars(sa.select(Conflict))},
        "slots": {row.id: tuple(row) for row in session.execute(sa.select(
            OfferSession.id, OfferSession.offer_id, OfferSession.index, OfferSession.day, OfferSession.start,
            OfferSession.room_id, OfferSession.provider_id, OfferSession.valid_from, OfferSession.valid_until,
            OfferSession.sequence))},
    }


def _cutoff(effective: dt.date) -> dt.datetime:
    """The first instant of the effective day in the city's zone (every demo room is in Berlin)."""
    return to_utc(dt.datetime.combine(effective, dt.time(0)), BERLIN)


def check_in_force(session, rows: list[dict], effective: dt.date, horizon: dt.date) -> None:
    """Invariant 1: the slots in force from `effective` are the plan's, each with its weeks up to the
    horizon at its wall-clock time, scheduled unless a closure or a fixed booking explains it; and no
    other slot has anything left from then on."""
    cutoff = _cutoff(effective)
    in_force: dict[tuple[str, int], OfferSession] = {}
    for slot in session.scalars(sa.select(OfferSession).join(OfferSession.offer)
                                .where(sa.or_(OfferSession.valid_until.is_(None), OfferSession.valid_until >= effective))
                                .order_by(OfferSession.valid_from)):
        assert (slot.offer.key, slot.index) not in in_force, f"two slots of {slot.offer.key}#{slot.index} in force"
        in_force[(slot.offer.key, slot.index)] = slot
    planned = {(r["offer"], r["session"]): (r["day"], r["start"], r["room"], r["provider"]) for r in rows}
    assert {key: (s.day, s.start.strftime("%H:%M"), s.room.key, s.provider.key) for key, s in in_force.items()} \
        == planned
    expected_ids = set()
    for (offer_key, index), slot in in_force.items():
        offer, tz = slot.offer, slot.room.tz
        first = max(effective, slot.valid_from, offer.valid_from)
        last = min(filter(None, [slot.valid_until, offer.valid_until, horizon]))
        weeks = {o.original_start: o for o in slot.occurrences}
        for local_start in weekly_local(slot.day, slot.start, first, last):
            start = to_utc(local_start, tz)
            end = to_utc(local_start + dt.timedelta(minutes=offer.duration_minutes), tz)
            where = f"{offer_key}#{index} on {local_start:%Y-%m-%d %H:%M}"
            occurrence = weeks.get(start)
            assert occurrence is not None, f"{where}: no occurrence"
            expected_ids.add(occurrence.id)
            if occurrence.status == "moved":  # a manager moved this week: that decision stands
                continue
            assert (occurrence.starts_at, occurrence.ends_at, occurrence.room_id) == (start, end, slot.room_id), where
            if occurrence.status == "scheduled":
                continue
            assert occurrence.status == "cancelled", where
            closures = session.scalars(sa.select(Closure).where(
                Closure.room_id == slot.room_id, Closure.starts_at < end, Closure.ends_at > start)).all()
            fixed = session.scalars(sa.select(Booking).where(
                Booking.room_id == slot.room_id, Booking.status == "active", Booking.displaceable.is_(False),
                Booking.starts_at < end, Booking.ends_at > start)).all()
            moved = session.scalars(sa.select(Occurrence).where(
                Occurrence.room_id == slot.room_id, Occurrence.status == "moved",
                Occurrence.starts_at < end, Occurrence.ends_at > start)).all()
            assert closures or fixed or moved, f"{where}: cancelled for no reason in the room: {occurrence.reason}"
            kinds = set(session.scalars(sa.select(Conflict.kind).where(Conflict.occurrence_id == occurrence.id)))
            if closures and all(c.kind == "closure" for c in closures):  # a holiday needs no decision
                assert "closure_hit" in kinds, f"{where}: closed, but no conflict asks about it"
            elif not closures:
                assert "slot_lost" in kinds, f"{where}: lost to a fixed booking or a moved week, but no conflict"
    stray = session.scalars(sa.select(Occurrence).where(Occurrence.original_start >= cutoff,
                                                        Occurrence.id.not_in(expected_ids or [-1]))).all()
    assert [(o.offer_session.offer.key, o.offer_session.index, o.original_start, o.status) for o in stray
            if o.original_start.astimezone(o.room.tz).date() <= horizon] == []


def check_rooms(session) -> None:
    """Invariant 3: no two claims on a room overlap; what takes place holds the room, nothing else does."""
    first, second = sa.orm.aliased(Occupancy), sa.orm.aliased(Occupancy)
    overlapping = session.execute(sa.select(first.id, second.id).where(
        first.room_id == second.room_id, first.id < second.id,
        first.starts_at < second.ends_at, second.starts_at < first.ends_at)).all()
    assert overlapping == []
    claims = Counter(session.execute(sa.select(Occupancy.room_id, Occupancy.starts_at, Occupancy.ends_at,
                                               Occupancy.booking_id, Occupancy.occurrence_id)).all())
    expected: Counter = Counter()
    for o in session.execute(sa.select(Occurrence.room_id, Occurrence.starts_at, Occurrence.ends_at, Occurrence.id)
                             .where(Occurrence.status != "cancelled")):
        expected[(o.room_id, o.starts_at, o.ends_at, None, o.id)] += 1
    for b in session.execute(sa.select(Booking.room_id, Booking.starts_at, Booking.ends_at, Booking.id)
                             .where(Booking.status == "active")):
        expected[(b.room_id, b.starts_at, b.ends_at, b.id, None)] += 1
    assert claims == expected


def check_conflicts(session, opened: set[int], displaced_now: set[int]) -> None:
    """Invariant 4: every displaced booking has its conflict; each booking this publish displaced had to
    give way to an occurrence that takes place; every alternative the publish offered is free."""
    for booking in session.scalars(sa.select(Booking).where(Booking.status == "displaced")):
        assert session.scalar(sa.select(Conflict.id).where(Conflict.booking_id == booking.id,
                                                           Conflict.kind == "displaced_booking").limit(1)), booking.title
    for booking_id in displaced_now:
        booking = session.get(Booking, booking_id)
        holder = session.scalar(sa.select(Occupancy.occurrence_id).where(
            Occupancy.room_id == booking.room_id, Occupancy.occurrence_id.is_not(None),
            Occupancy.starts_at < booking.ends_at, Occupancy.ends_at > booking.starts_at).limit(1))
        assert holder is not None, f"booking {booking.title} at {booking.starts_at} displaced for nothing"
    rooms = {r.key: r for r in session.scalars(sa.select(Room))}
    for conflict in session.scalars(sa.select(Conflict).where(Conflict.id.in_(opened or [-1]))):
        for alternative in conflict.alternatives:
            start, end = (dt.datetime.fromisoformat(alternative[k]) for k in ("start", "end"))
            assert availability(session, rooms[alternative["room"]], start, end) == [(start, end)], \
                f"{conflict.summary}: alternative {alternative} is not free"


def publish(session, rows: list[dict], effective: dt.date, horizon: dt.date) -> None:
    """Publish the rows from `effective` and check invariants 1-4 against the city before."""
    scenario = export_scenario(session, "Europe/Berlin")
    plan = make_plan(scenario, rows)
    assert check_plan(scenario, plan) == []
    before = snapshot(session)
    apply_plan(session, None, plan, effective=effective, horizon=horizon,
               now=_cutoff(effective))
    after = snapshot(session)
    cutoff = _cutoff(effective)
    earlier = {k: v for k, v in before["occurrences"].items() if v[3] < cutoff}
    assert {k: v for k, v in after["occurrences"].items() if v[3] < cutoff} == earlier  # invariant 2
    assert [c for c in after["occupancy"] if c[1] < cutoff and c[3] is None] == \
        [c for c in before["occupancy"] if c[1] < cutoff and c[3] is None]
    check_in_force(session, rows, effective, horizon)
    check_rooms(session)
    displaced_now = {k for k, v in after["bookings"].items() if v[1] == "displaced" and before["bookings"][k][1] != "displaced"}
    check_conflicts(session, set(after["conflicts"]) - set(before["conflicts"]), displaced_now)
    new = [after["conflicts"][k][0] for k in set(after["conflicts"]) - set(before["conflicts"])]
    for kind in set(new):
        event(f"publish opened {kind}")


def check_republish_changes_nothing(session, rows: list[dict], effective: dt.date, horizon: dt.date) -> None:
    """Invariant 5: publishing the plan in force again changes nothing."""
    scenario = export_scenario(session, "Europe/Berlin")
    before = snapshot(session)
    preview = apply_plan(session, None, make_plan(scenario, rows), effective=effective, horizon=horizon,
                         now=_cutoff(effective))
    assert preview.changes == []
    assert snapshot(session) == before


# ---------------------------------------------------------------- the property

# No shrinking: shrinking a failing run of several publishes took over five minutes; the failing draws
# are printed as they were. No example database: the checkout is shared.
@settings(max_examples=60, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_successive_publishes_keep_the_city_consistent(city, data):
    """One to three publishes of valid plan changes, with things in the way; invariants after each one."""
    savepoint = city.begin_nested()
    try:
        manager = create_user(city, "hausleitung@example.org", "facility_manager", "secret-pw")
        rows = copy.deepcopy(export_scenario(city, "Europe/Berlin")["current_plan"])
        left_out: list[dict] = []
        effective = EFFECTIVE + dt.timedelta(days=data.draw(st.integers(0, 6), label="first effective"))
        for _publish in range(data.draw(st.integers(1, 3), label="publishes")):
            scenario = export_scenario(city, "Europe/Berlin")
            before = rows
            for _change in range(data.draw(st.integers(1, 3), label="changes")):
                changed = draw_change(data, scenario, rows, left_out)
                if changed is not None:
                    rows = changed
            placed = {(r["offer"], r["session"]) for r in rows}
            left_out[:] = [r for r in left_out if (r["offer"], r["session"]) not in placed]
            moved = [r for r in rows if r not in before]
            for _obstacle in range(data.draw(st.integers(0, 3), label="obstacles")):
                put_obstacle(data, city, moved, effective, manager)
            scenario = export_scenario(city, "Europe/Berlin")
            if check_plan(scenario, make_plan(scenario, rows)):  # a fixed booking now stands in the way
                rows = before
                assume(check_plan(scenario, make_plan(scenario, rows)) == [])
            publish(city, rows, effective, HORIZON)
            last = effective
            effective = min(effective + dt.timedelta(days=data.draw(st.integers(0, 21), label="later")),
                            TERM_END - dt.timedelta(weeks=2))
        check_republish_changes_nothing(city, rows, last, HORIZON)
        check_republish_changes_nothing(city, rows, effective, HORIZON)  # and from a later week
    finally:
        savepoint.rollback()
        city.expire_all()


# ---------------------------------------------------------------- regressions found by the property

def test_a_booking_is_not_displaced_for_a_week_that_another_occurrence_keeps(city, make_user):
    """A closed week of one course was moved by the manager into the small room; a new plan then puts another
    session there, overlapping it that week and a volunteer's booking just before. That week's new occurrence
    cannot take place (the moved course holds the room), so the booking must keep its room."""
    manager = make_user("facility_manager")
    nord_gr, nord_br = (city.scalar(sa.select(Room).where(Room.key == key)) for key in ("nord-gr", "nord-br"))
    thursday = EFFECTIVE + dt.timedelta(weeks=1, days=3)
    add_closure(city, manager, nord_gr, _local(thursday, 14 * 60, BERLIN), _local(thursday, 16 * 60, BERLIN),
                "Wasserschaden / water damage", now=BOOKED_AT)
    closed = city.scalar(sa.select(Conflict).where(Conflict.kind == "closure_hit", Conflict.room_id == nord_gr.id))
    assert closed.alternatives[0]["room"] == "nord-br"  # same time, the other room
    resolve_conflict(city, manager, closed, ACCEPT, alternative=0, now=BOOKED_AT)
    moved = city.get(Occurrence, closed.occurrence_id)
    assert moved.status == "moved" and moved.room_id == nord_br.id
    at = moved.starts_at.astimezone(BERLIN)
    booking = book_room(city, None, nord_br, moved.starts_at - dt.timedelta(minutes=30), moved.starts_at,
                        "Fahrradwerkstatt", now=BOOKED_AT)

    scenario = export_scenario(city, "Europe/Berlin")
    rows = copy.deepcopy(scenario["current_plan"])
    beratung = next(r for r in rows if r["offer"] == "nord-beratung")  # Caritas, 120 minutes, Friday in nord-br
    _place(beratung, "thu", _hhmm(at.hour * 60 + at.minute - 30), "nord-br")
    plan = make_plan(scenario, rows)
    assert check_plan(scenario, plan) == []
    apply_plan(city, None, plan, effective=EFFECTIVE, horizon=HORIZON, now=_cutoff(EFFECTIVE))

    lost = city.scalar(sa.select(Occurrence).join(Occurrence.offer_session).where(
        OfferSession.offer.has(key="nord-beratung"), Occurrence.starts_at == moved.starts_at - dt.timedelta(minutes=30)))
    assert lost.status == "cancelled"
    assert city.scalar(sa.select(Conflict.kind).where(Conflict.occurrence_id == lost.id)) == "slot_lost"
    assert city.get(Booking, booking.id).status == "active"
    check_rooms(city)
