"""The booking engine as a state machine on the real database, checked against a plain model.

Each run builds its own accommodation with two rooms (drawn opening hours and rules) inside a savepoint
that is rolled back when the run ends. The model is a list of intervals: bookings, scheduled occurrences
and closures, each with its room and whether it is still active. After every step the database must agree
with the model, and everything the engine offered instead must be free and bookable.

Times are drawn around the edges: the clock changes in Europe/Berlin (28.03. and 31.10.2027), local
midnight, windows open until 24:00, the public holidays next to both changes (Good Friday, Easter
Monday, All Saints), the room's lead-time horizon; the volunteer is held to the room's rules, staff not.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from roombook.booking.availability import availability
from roombook.booking.errors import (
    BookingConflict,
    BookingError,
    ClosureExists,
    InThePast,
    OutsideOpeningHours,
    PolicyViolation,
    RoomClosed,
)
from roombook.booking.occurrences import add_closure, add_public_holidays, materialise
from roombook.booking.service import (
    book_room,
    book_weekly,
    cancel_booking,
    check_bookable,
)
from roombook.models import Booking, Closure, Conflict, Occupancy, Room

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Opening hours: plain days, windows to 24:00 that touch a window from 00:00, the nights of the clock changes.
OPENING = {
    "days": [{"day": d, "from": "08:00", "to": "20:00"} for d in DAYS],
    "evenings": ([{"day": d, "from": "10:00", "to": "24:00"} for d in DAYS if d != "sun"]
                 + [{"day": "sun", "from": "00:00", "to": "04:00"}, {"day": "sun", "from": "18:00", "to": "24:00"}]),
    "always": [{"day": d, "from": "00:00", "to": "24:00"} for d in DAYS],
    "narrow": [{"day": "tue", "from": "18:00", "to": "20:00"}, {"day": "sun", "from": "01:00", "to": "04:00"}],
    "split": ([{"day": d, "from": "08:00", "to": "12:00"} for d in DAYS]
              + [{"day": d, "from": "12:00", "to": "13:30"} for d in ("mon", "fri", "sat", "sun")]
              + [{"day": d, "from": "14:00", "to": "24:00"} for d in DAYS]),
}

# The pinned clocks: just before both changes and inside them, on and before holidays.
NOWS = [
    dt.datetime(2027, 3, 26, 6, 0, tzinfo=UTC),     # Good Friday, 07:00
    dt.datetime(2027, 3, 27, 22, 30, tzinfo=UTC),   # Saturday 23:30, the night the clocks go forward
    dt.datetime(2027, 3, 28, 0, 45, tzinfo=UTC),    # 01:45, a quarter of an hour before 03:00 CEST
    dt.datetime(2027, 10, 30, 21, 0, tzinfo=UTC),   # Saturday 23:00, the night the clocks go back
    dt.datetime(2027, 10, 31, 0, 45, tzinfo=UTC),   # 02:45 CEST, first time round
    dt.datetime(2027, 10, 31, 1, 15, tzinfo=UTC),   # 02:15 CET, second time round
    dt.datetime(2027, 10, 24, 9, 0, tzinfo=UTC),    # a week before the change
]

HOURS = [0, 1, 2, 3, 4, 7, 8, 10, 12, 13, 17, 18, 19, 20, 22, 23]
MINUTES = [0, 30, 45]
LENGTHS = [15, 30, 60, 90, 120, 150, 180, 240, 241, 300, 600]
DAY_OFFSETS = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 13]
_titles = itertools.count(1)


# --- the model ------------------------------------------------------------------------------------------

def _wall(day: dt.date, hhmm: str) -> dt.datetime:
    if hhmm == "24:00":
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0))
    h, m = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m))


def _utc(naive: dt.datetime, fold: int = 0) -> dt.datetime:
    return naive.replace(tzinfo=BERLIN, fold=fold).astimezone(UTC)


def model_opening(windows: list[dict], start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The room's windows as merged UTC intervals around [start, end), computed day by day on their own."""
    found = []
    day = start.astimezone(BERLIN).date() - dt.timedelta(days=2)
    while day <= end.astimezone(BERLIN).date() + dt.timedelta(days=1):
        for w in windows:
            if w["day"] == DAYS[day.weekday()]:
                found.append((_utc(_wall(day, w["from"])), _utc(_wall(day, w["to"]))))
        day += dt.timedelta(days=1)
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for s, e in sorted(found):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _overlap(a, b, c, d) -> bool:
    return a < d and c < b


def _subtract(base, cuts):
    result = []
    for s, e in base:
        pieces = [(s, e)]
        for cs, ce in cuts:
            pieces = [p for ps, pe in pieces
                      for p in ([(ps, pe)] if not _overlap(ps, pe, cs, ce) else
                                [x for x in ((ps, min(pe, cs)), (max(ps, ce), pe)) if x[0] < x[1]])]
        result.extend(pieces)
    return sorted(result)


@dataclass
class Item:
    kind: str  # booking, occurrence, closure
    room_id: int
    start: dt.datetime
    end: dt.datetime
    obj: object = None
    user_id: int | None = None
    displaceable: bool = True
    active: bool = True
    series: str | None = None
    local_start: dt.datetime | None = None  # a series member's wall-clock start and length, as asked
    local_length: dt.timedelta | None = None


class BookingModel:
    """What the engine should have: intervals per room, and the rules that decide a request."""

    def __init__(self, now: dt.datetime, rooms: dict[int, Room]):
        self.now = now
        self.rooms = rooms
        self.items: list[Item] = []

    def active(self, room_id: int, kinds=("booking", "occurrence", "closure")) -> list[Item]:
        return [i for i in self.items if i.room_id == room_id and i.active and i.kind in kinds]

    def open_bookings(self, user, room_id) -> int:
        """A weekly series counts once, however many of its dates are open."""
        return len({i.series or id(i) for i in self.active(room_id, ("booking",))
                    if i.user_id == user.id and i.end > self.now})

    def expected_refusal(self, user, room: Room, start, end, *, new_bookings=1) -> tuple[type, str] | None:
        """The refusal (class, field) the engine owes for [start, end), or None when it must book it."""
        if end <= start:
            return BookingError, "end"
        if start < self.now:
            return InThePast, "start"
        rule = self.rule_refusal(user, room, start, end, new_bookings=new_bookings)
        if rule:
            return rule
        if not any(s <= start and end <= e for s, e in model_opening(room.open, start, end)):
            return OutsideOpeningHours, "start"
        if any(_overlap(start, end, i.start, i.end) for i in self.active(room.id, ("closure",))):
            return RoomClosed, "start"
        if any(_overlap(start, end, i.start, i.end) for i in self.active(room.id, ("booking", "occurrence"))):
            return BookingConflict, "start"
        return None

    def rule_refusal(self, user, room: Room, start, end, *, new_bookings=1) -> tuple[type, str] | None:
        if user.role not in ("volunteer", "department"):
            return None
        if end - start > dt.timedelta(minutes=room.max_booking_minutes):
            return PolicyViolation, "end"
        if start > self.now + dt.timedelta(days=room.max_days_ahead):
            return PolicyViolation, "start"
        if new_bookings and self.open_bookings(user, room.id) + new_bookings > room.max_open_bookings:
            return PolicyViolation, "room"
        return None

    def open_bookings_left(self, user, room: Room) -> int | None:
        if user.role not in ("volunteer", "department"):
            return None
        return max(room.max_open_bookings - self.open_bookings(user, room.id), 0)

    def is_free(self, room: Room, start, end) -> bool:
        return (start >= self.now and any(s <= start and end <= e for s, e in model_opening(room.open, start, end))
                and not any(_overlap(start, end, i.start, i.end) for i in self.active(room.id)))


def weekly_slots(start: dt.datetime, end: dt.datetime, weeks: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The week asked for, then the same local wall-clock start and length each following week."""
    local_start = start.astimezone(BERLIN).replace(tzinfo=None, fold=0)
    length = end.astimezone(BERLIN).replace(tzinfo=None, fold=0) - local_start
    slots = [(start.astimezone(UTC), end.astimezone(UTC))]
    for k in range(1, weeks):
        s = local_start + dt.timedelta(weeks=k)
        slots.append((_utc(s), _utc(s + length)))
    return slots


# --- drawing times ---------------------------------------------------------------------------------------

def _instant(now: dt.datetime, offset: int, hour: int, minute: int, fold: int) -> dt.datetime:
    day = now.astimezone(BERLIN).date() + dt.timedelta(days=offset)
    return _utc(dt.datetime.combine(day, dt.time(hour, minute)), fold)


def _as_given(instant: dt.datetime, local: bool) -> dt.datetime:
    """Callers may hand over any aware datetime: UTC, or the room's zone (with the right fold)."""
    return instant.astimezone(BERLIN) if local else instant


when = st.fixed_dictionaries({
    "offset": st.one_of(st.sampled_from(DAY_OFFSETS), st.just("horizon"), st.just("near")),
    "near": st.tuples(st.integers(0, 10**6), st.booleans(), st.sampled_from([-60, -15, 0, 0, 30])),
    "horizon_shift": st.sampled_from([-1, 0, 1]),
    "hour": st.sampled_from(HOURS), "minute": st.sampled_from(MINUTES), "fold": st.sampled_from([0, 1]),
    "length": st.sampled_from(LENGTHS), "local": st.booleans(),
})


# --- the machine -----------------------------------------------------------------------------------------

def make_machine(session, make_accommodation, make_room, make_offer, users):
    class BookingMachine(RuleBasedStateMachine):
        bookings = Bundle("bookings")

        def __init__(self):
            super().__init__()
            self.savepoint = session.begin_nested()
            self.model: BookingModel | None = None
            self.seen_conflict = session.scalar(sa.select(sa.func.max(Conflict.id))) or 0

        def teardown(self):
            self.savepoint.rollback()
            session.expire_all()

        @initialize(now=st.sampled_from(NOWS),
                    opening=st.lists(st.sampled_from(sorted(OPENING)), min_size=2, max_size=2),
                    rules=st.lists(st.tuples(st.sampled_from([60, 150, 240, 600]), st.sampled_from([3, 30, 120]),
                                             st.sampled_from([1, 3, 20])), min_size=2, max_size=2))
        def setup(self, now, opening, rules):
            place = make_accommodation()
            rooms = [make_room(accommodation=place, open=OPENING[o], max_booking_minutes=m, max_days_ahead=d,
                               max_open_bookings=n) for o, (m, d, n) in zip(opening, rules)]
            session.refresh(place)
            self.now = now
            self.model = BookingModel(now, {r.id: r for r in rooms})
            self.room_list = rooms
            add_public_holidays(session, rooms, [2027], now=now)
            for closure in session.scalars(sa.select(Closure).where(Closure.room_id.in_([r.id for r in rooms]))):
                self.model.items.append(Item("closure", closure.room_id, closure.starts_at, closure.ends_at, closure))
            self.check_new_conflicts()

        # -- helpers

        def interval(self, room: Room, w: dict) -> tuple[dt.datetime, dt.datetime]:
            taken = [i for i in self.model.items if i.room_id == room.id and i.kind != "closure"]
            if w["offset"] == "near" and taken:
                # next to (or on) something already there: its start or its end, a little shifted
                index, at_end, shift = w["near"]
                item = taken[index % len(taken)]
                start = (item.end if at_end else item.start) + dt.timedelta(minutes=shift)
                return start, start + dt.timedelta(minutes=w["length"])
            offset = room.max_days_ahead + w["horizon_shift"] if w["offset"] == "horizon" else w["offset"]
            if offset == "near":
                offset = 1
            start = _instant(self.now, offset, w["hour"], w["minute"], w["fold"])
            return start, start + dt.timedelta(minutes=w["length"])

        def check_alternatives(self, user, room: Room, alternatives: list[dict], length: dt.timedelta) -> None:
            by_key = {r.key: r for r in self.room_list}
            for alt in alternatives:
                alt_room = by_key[alt["room"]]
                start, end = alt["start"], alt["end"]
                assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(0), alt
                assert end - start == length, alt
                assert self.model.is_free(alt_room, start, end), f"offered but not free: {alt}"
                check_bookable(session, None, alt_room, start, end, "Alternative", now=self.now)

        def check_new_conflicts(self) -> None:
            """Whatever a conflict opened in this step offers is free now (the step's own changes included)."""
            by_key = {r.key: r for r in self.room_list}
            for conflict in session.scalars(sa.select(Conflict).where(Conflict.id > self.seen_conflict)
                                            .order_by(Conflict.id)):
                self.seen_conflict = conflict.id
                for alt in conflict.alternatives:
                    start, end = dt.datetime.fromisoformat(alt["start"]), dt.datetime.fromisoformat(alt["end"])
                    room = by_key[alt["room"]]
                    assert self.model.is_free(room, start, end), f"conflict {conflict.kind} offers taken {alt}"
                    check_bookable(session, None, room, start, end, "Alternative", now=self.now)

        def refused_as_expected(self, error: BookingError, expected, user, room, start, end) -> None:
            assert expected is not None, f"refused {start}–{end}, the model would book: {error!r}"
            cls, field_ = expected
            assert type(error) is cls or (cls is BookingError and isinstance(error, BookingError)), \
                (type(error), expected, start, end)
            assert error.field == field_, (error.field, expected, start, end)
            if cls is PolicyViolation:
                assert error.alternatives == []
            self.check_alternatives(user, room, error.alternatives, end - start)

        # -- rules

        @rule(target=bookings, who=st.sampled_from(["volunteer", "volunteer2", "coordinator"]),
              room_index=st.sampled_from([0, 1]), w=when, displaceable=st.booleans())
        def book_once(self, who, room_index, w, displaceable):
            user, room = users[who], self.room_list[room_index]
            start, end = self.interval(room, w)
            expected = self.model.expected_refusal(user, room, start, end)
            try:
                booking = book_room(session, user, room, _as_given(start, w["local"]), _as_given(end, w["local"]),
                                    f"Treffen {next(_titles)}", displaceable=displaceable, now=self.now)
            except BookingError as error:
                self.refused_as_expected(error, expected, user, room, start, end)
                return multiple()
            assert expected is None, f"booked {start}–{end}, the model expects {expected}"
            assert (booking.starts_at, booking.ends_at) == (start, end)
            item = Item("booking", room.id, start, end, booking, user.id, displaceable)
            self.model.items.append(item)
            return multiple(item)

        @rule(target=bookings, who=st.sampled_from(["volunteer", "coordinator"]), room_index=st.sampled_from([0, 1]),
              w=when, weeks=st.integers(1, 6), book_rest=st.booleans())
        def book_series(self, who, room_index, w, weeks, book_rest):
            user, room = users[who], self.room_list[room_index]
            start, end = self.interval(room, w)
            slots = weekly_slots(start, end, weeks)
            # each week on its own, the open-booking limit aside; then the series needs one open booking of the
            # limit for all its free weeks, or every free week is refused for it
            expected = [self.model.expected_refusal(user, room, s, e, new_bookings=0) for s, e in slots]
            left = self.model.open_bookings_left(user, room)
            free = []
            for index, slot in enumerate(slots):
                if expected[index] is None:
                    if left is not None and left < 1:
                        expected[index] = (PolicyViolation, "room")
                    else:
                        free.append(slot)
            result = book_weekly(session, user, room, _as_given(start, w["local"]), _as_given(end, w["local"]),
                                 f"Kurs {next(_titles)}", weeks, book_rest=book_rest, now=self.now)
            refused = dict(result.refused)
            assert [s for s, _e in slots if s in refused] == list(refused), "refusals not in week order"
            if result.refused and not book_rest:
                assert result.booked == []
            else:
                assert [(b.starts_at, b.ends_at) for b in result.booked] == free
                assert len({b.series for b in result.booked}) <= 1
            local = start.astimezone(BERLIN).replace(tzinfo=None, fold=0)
            length = end.astimezone(BERLIN).replace(tzinfo=None, fold=0) - local
            items = [Item("booking", room.id, b.starts_at, b.ends_at, b, user.id, True,
                          series=b.series, local_start=local, local_length=length)
                     for b in result.booked]
            self.model.items.extend(items)
            # what a refused week is offered must still be free once the free weeks are booked
            for (s, e), refusal in zip(slots, expected):
                if refusal is None:
                    assert s not in refused, f"week {s} refused: {refused.get(s)!r}"
                else:
                    assert s in refused, f"week {s} not refused, expected {refusal}"
                    self.refused_as_expected(refused[s], refusal, user, room, s, e)
            return multiple(*items)

        @rule(item=bookings, who=st.sampled_from(["volunteer", "coordinator"]))
        def cancel(self, item, who):
            try:
                cancel_booking(session, users[who], item.obj, "Geht doch nicht")
            except BookingError as error:
                assert not item.active and error.field == "booking"
                return
            assert item.active, "cancelled a booking that was no longer active"
            item.active = False

        @rule(room_index=st.sampled_from([0, 1]), w=when, hours=st.sampled_from([1, 2, 5, 24, 30]))
        def close(self, room_index, w, hours):
            room = self.room_list[room_index]
            start, _ = self.interval(room, w)
            end = start + dt.timedelta(hours=hours)
            # one closure per room, kind and start: a second one is refused and changes nothing
            if any(i.start == start and i.obj.kind == "closure" for i in self.model.active(room.id, ("closure",))):
                with pytest.raises(ClosureExists):
                    add_closure(session, None, room, start, end, f"Reparatur {next(_titles)}", now=self.now)
                return
            closure = add_closure(session, None, room, start, end, f"Reparatur {next(_titles)}", now=self.now)
            for item in self.model.active(room.id, ("booking", "occurrence")):
                if _overlap(start, end, item.start, item.end):
                    item.active = False
                    assert item.obj.status == ("displaced" if item.kind == "booking" else "cancelled")
            self.model.items.append(Item("closure", room.id, start, end, closure))
            self.check_new_conflicts()

        @rule(room_index=st.sampled_from([0, 1]), day=st.sampled_from(DAYS), hour=st.sampled_from(HOURS),
              minute=st.sampled_from(MINUTES), minutes=st.sampled_from([45, 90, 180]),
              first=st.sampled_from([-7, 0, 1, 3]), weeks=st.integers(0, 3))
        def materialise_slot(self, room_index, day, hour, minute, minutes, first, weeks):
            self.place_offer(self.room_list[room_index], day, hour, minute, minutes, first, weeks)

        def place_offer(self, room, day, hour, minute, minutes, first, weeks):
            valid_from = self.now.astimezone(BERLIN).date() + dt.timedelta(days=first)
            valid_until = valid_from + dt.timedelta(weeks=weeks, days=6)
            offer = make_offer(room=room, slots=[(day, f"{hour:02}:{minute:02}")], valid_from=valid_from,
                               valid_until=valid_until, duration_minutes=minutes)
            created = materialise(session, offer.sessions[0], valid_until, now=self.now)
            # each week in turn: a closure, a fixed booking or another offer's week keeps it out (and then it
            # displaces nothing); otherwise the bookings in its way make way
            for occurrence in created:
                start, end = occurrence.starts_at, occurrence.ends_at
                wanted = dt.datetime.combine(start.astimezone(BERLIN).date(), dt.time(hour, minute))
                assert DAYS[wanted.weekday()] == day
                assert (start, end) == (_utc(wanted), _utc(wanted) + dt.timedelta(minutes=minutes))
                in_way = [i for i in self.model.active(room.id) if _overlap(start, end, i.start, i.end)]
                item = Item("occurrence", room.id, start, end, occurrence)
                kept_out = any(i.kind in ("closure", "occurrence") or not i.displaceable for i in in_way)
                expected = "cancelled" if kept_out else "scheduled"
                for i in in_way:
                    if i.kind == "booking" and not kept_out:
                        i.active = False
                        assert i.obj.status == "displaced"
                assert occurrence.status == expected, (start, end, in_way)
                item.active = expected == "scheduled"
                self.model.items.append(item)
            self.check_new_conflicts()

        @rule(item=bookings, shift=st.sampled_from([-30, 0, 30]), minutes=st.sampled_from([45, 90, 180]),
              weeks=st.integers(0, 2))
        def materialise_over_booking(self, item, shift, minutes, weeks):
            """A weekly slot placed where a booking is: it must make way, unless it is fixed or already gone."""
            local = (item.start + dt.timedelta(minutes=shift)).astimezone(BERLIN)
            if local.hour == 2:
                return
            first = (local.date() - self.now.astimezone(BERLIN).date()).days
            self.place_offer(self.model.rooms[item.room_id], DAYS[local.weekday()], local.hour, local.minute,
                             minutes, first, weeks)

        # -- invariants

        @invariant()
        def occupancy_matches_the_model(self):
            if self.model is None:
                return
            ids = list(self.model.rooms)
            rows = session.execute(sa.select(Occupancy.room_id, Occupancy.starts_at, Occupancy.ends_at,
                                             Occupancy.booking_id, Occupancy.occurrence_id)
                                   .where(Occupancy.room_id.in_(ids))).all()
            for room_id in ids:
                spans = sorted((r.starts_at, r.ends_at) for r in rows if r.room_id == room_id)
                assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), f"overlapping occupancy {spans}"
            want = sorted((i.room_id, i.start, i.end, i.obj.id if i.kind == "booking" else None,
                           i.obj.id if i.kind == "occurrence" else None)
                          for i in self.model.items if i.active and i.kind != "closure")
            assert sorted(tuple(r) for r in rows) == want
            statuses = dict(session.execute(sa.select(Booking.id, Booking.status)
                                            .where(Booking.room_id.in_(ids))).all())
            for i in self.model.items:
                if i.kind == "booking":
                    assert (statuses[i.obj.id] == "active") == i.active

        @invariant()
        def availability_is_opening_hours_less_what_is_active(self):
            if self.model is None:
                return
            local_now = self.now.astimezone(BERLIN)
            a = _utc(dt.datetime.combine(local_now.date() - dt.timedelta(days=1), dt.time(0)))
            b = a + dt.timedelta(days=10)
            for room in self.room_list:
                free = availability(session, room, a, b)
                opening = [(max(s, a), min(e, b)) for s, e in model_opening(room.open, a, b) if s < b and a < e]
                busy = [(i.start, i.end) for i in self.model.active(room.id)]
                assert free == _subtract(opening, busy), room.open
                for s, e in free:
                    s = max(s, self.now)
                    e = min(e, s + dt.timedelta(hours=3))
                    if e > s:
                        check_bookable(session, None, room, s, e, "Frei", now=self.now)
                        if self.model.rule_refusal(users["volunteer"], room, s, e) is None:
                            check_bookable(session, users["volunteer"], room, s, e, "Frei", now=self.now)

        @invariant()
        def a_series_keeps_its_wall_clock_time(self):
            if self.model is None:
                return
            members = sorted((i for i in self.model.items if i.series), key=lambda i: (i.series, i.start))
            for _series, group in itertools.groupby(members, key=lambda i: i.series):
                for i in group:
                    s, e = (x.astimezone(BERLIN).replace(tzinfo=None, fold=0) for x in (i.start, i.end))
                    asked_start = dt.datetime.combine(s.date(), i.local_start.time())
                    asked_end = asked_start + i.local_length
                    if _utc(s) != i.start or _utc(e) != i.end and _utc(e).astimezone(BERLIN).replace(tzinfo=None) != e \
                            or any(_utc(t).astimezone(BERLIN).replace(tzinfo=None) != t
                                   for t in (asked_start, asked_end)):
                        continue  # a wall-clock start or end the clocks skip that night: the engine moves it on
                    assert (s - i.local_start) % dt.timedelta(weeks=1) == dt.timedelta(0), (i.start, i.local_start)
                    assert e - s == i.local_length, (i.start, i.end, i.local_length)

    return BookingMachine


def test_booking_engine_agrees_with_the_model(session, make_accommodation, make_room, make_offer, make_user):
    users = {"volunteer": make_user(), "volunteer2": make_user(), "coordinator": make_user("coordinator")}
    machine = make_machine(session, make_accommodation, make_room, make_offer, users)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=150, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], report_multiple_bugs=False))


# --- what the machine found, as plain examples -------------------------------------------------------------

NOW = dt.datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
AUTUMN = dt.datetime(2027, 10, 1, 6, 0, tzinfo=UTC)
ALWAYS = OPENING["always"]


def test_a_booking_over_the_spring_change_counts_its_real_minutes(session, make_room, make_user):
    """01:00–03:00 on 28.03.2027 is one hour; two times of one zone subtract by their wall-clock times."""
    room = make_room(open=ALWAYS, max_booking_minutes=60)
    start, end = dt.datetime(2027, 3, 28, 1, tzinfo=BERLIN), dt.datetime(2027, 3, 28, 3, tzinfo=BERLIN)
    booking = book_room(session, make_user(), room, start, end, "Nachtcafé", now=NOW)
    assert booking.ends_at - booking.starts_at == dt.timedelta(hours=1)
    cancel_booking(session, None, booking, "doch nicht")
    [booking] = book_weekly(session, make_user(), room, start, end, "Nachtcafé", 1, book_rest=False, now=NOW).booked
    assert booking.ends_at - booking.starts_at == dt.timedelta(hours=1)


def test_a_booking_into_the_repeated_hour_ends_after_it_starts(session, make_room, make_user):
    """02:45 summer time to 02:15 winter time (31.10.2027) is half an hour, not an end before the start."""
    room = make_room(open=ALWAYS)
    start, end = dt.datetime(2027, 10, 31, 0, 45, tzinfo=UTC), dt.datetime(2027, 10, 31, 1, 15, tzinfo=UTC)
    booking = book_room(session, make_user(), room, start.astimezone(BERLIN), end.astimezone(BERLIN), "Nachtcafé",
                        now=AUTUMN)
    assert (booking.starts_at, booking.ends_at) == (start, end)


def test_a_series_from_the_second_time_round_of_the_repeated_hour_starts_when_asked(session, make_room, make_user):
    room = make_room(open=ALWAYS)
    start = dt.datetime(2027, 10, 31, 1, 0, tzinfo=UTC)  # 02:00 winter time, the second 02:00 that night
    result = book_weekly(session, make_user("coordinator"), room, start, start + dt.timedelta(minutes=30),
                         "Nachtcafé", 2, book_rest=False, now=AUTUMN)
    assert [(b.starts_at, b.ends_at) for b in result.booked] == [
        (start, start + dt.timedelta(minutes=30)),
        (dt.datetime(2027, 11, 7, 1, 0, tzinfo=UTC), dt.datetime(2027, 11, 7, 1, 30, tzinfo=UTC))]


def test_a_refused_week_is_not_offered_the_weeks_the_series_just_booked(session, make_room, make_user):
    room = make_room(open=[{"day": "tue", "from": "18:00", "to": "19:00"}])
    taken = dt.datetime(2027, 3, 9, 18, tzinfo=BERLIN)
    book_room(session, make_user(), room, taken, taken + dt.timedelta(hours=1), "Chor", now=NOW)
    start = dt.datetime(2027, 3, 2, 18, tzinfo=BERLIN)
    result = book_weekly(session, make_user(), room, start, start + dt.timedelta(hours=1), "Kurs", 3,
                         book_rest=True, now=NOW)
    assert len(result.booked) == 2
    [(week, refusal)] = result.refused
    assert week == taken and isinstance(refusal, BookingConflict)
    booked = {b.starts_at for b in result.booked}
    assert not [a for a in refusal.alternatives if a["start"] in booked]


def test_a_weekly_slot_in_the_skipped_hour_is_materialised(session, make_room, make_offer):
    room = make_room(open=ALWAYS)
    offer = make_offer(room=room, slots=[("sun", "02:30")], duration_minutes=45, valid_from=dt.date(2027, 3, 22),
                       valid_until=dt.date(2027, 3, 28))
    [occurrence] = materialise(session, offer.sessions[0], dt.date(2027, 3, 28), now=NOW)
    # 02:30 does not exist that night: read with the offset before the change (RFC 5545), 03:30 summer time
    assert occurrence.starts_at == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.timezone.utc)
    assert occurrence.ends_at - occurrence.starts_at == dt.timedelta(minutes=45)


def test_alternatives_keep_to_the_rooms_lead_time(session, make_room, make_user):
    # open one hour a day: the alternatives are that hour on the days around
    room = make_room(max_days_ahead=30, open=[{"day": day, "from": "10:00", "to": "11:00"} for day in DAYS])
    start = dt.datetime(2027, 3, 30, 10, tzinfo=BERLIN)  # the last day it may be booked (NOW + 30 days: 31.03. 08:00)
    book_room(session, make_user("coordinator"), room, start, start + dt.timedelta(hours=1), "Fest", now=NOW)
    with pytest.raises(BookingConflict) as refused:
        book_room(session, make_user(), room, start, start + dt.timedelta(hours=1), "Chor", now=NOW)
    horizon = NOW + dt.timedelta(days=30)
    assert refused.value.alternatives
    assert all(a["start"] <= horizon for a in refused.value.alternatives), refused.value.alternatives
    # staff are not held to the lead time: the next day at the same time is the nearest for them
    with pytest.raises(BookingConflict) as staff_refused:
        book_room(session, make_user("coordinator"), room, start, start + dt.timedelta(hours=1), "Chor", now=NOW)
    assert start + dt.timedelta(days=1) in [a["start"] for a in staff_refused.value.alternatives]


def test_a_second_closure_from_the_same_start_is_refused_and_the_first_stays(session, make_room):
    room = make_room()
    start = dt.datetime(2027, 3, 2, 10, tzinfo=BERLIN)
    add_closure(session, None, room, start, start + dt.timedelta(hours=2), "Reinigung", now=NOW)
    with pytest.raises(ClosureExists) as refused:
        add_closure(session, None, room, start, start + dt.timedelta(hours=8), "Wasserschaden", now=NOW)
    assert refused.value.field == "start"
    assert session.scalars(sa.select(Closure.reason).where(Closure.room_id == room.id)).all() == ["Reinigung"]
