"""How the rooms were used: hours open, used per kind of offer, used for the council's purpose, and closed by kind.

Hours open are the weekly opening windows in force at the time (RoomOpeningHours, else the room's own).
Hours closed are the open hours a closure took, by the closure's kind — never read from its free-text reason;
a public holiday (or a local day off) is reported apart, not as lost. Hours used are those of the occurrences
that took place or will (not cancelled) and of the active bookings, counted in the part where they start.
The council's purpose is every care and integration offer and the volunteers' activities (bookings); a room
the administration takes for another use is a closure of that kind, so it never counts as used.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.booking.intervals import Interval, merge, subtract
from roombook.booking.recurrence import to_utc, windows_between
from roombook.coordination.categories import VALUES as CATEGORIES
from roombook.models import (
    Accommodation,
    Booking,
    Closure,
    Occurrence,
    Offer,
    OfferSession,
    Room,
    RoomOpeningHours,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus, ClosurePurpose
from roombook.reports.periods import Part

# The closures' kinds in the report's order; HOLIDAY is reported apart, the others are hours lost.
CLOSURE_KINDS = (ClosurePurpose.HOLIDAY, ClosurePurpose.MAINTENANCE, ClosurePurpose.OTHER_USE, ClosurePurpose.OTHER)
LOST_KINDS = CLOSURE_KINDS[1:]
# What counts for the council's purpose: the care and integration offers (every kind of offer there is) and
# the volunteers' activities. Change it here if a kind of offer should not count.
PURPOSE_CATEGORIES = frozenset(CATEGORIES)


# What the report reads of each booking (see booking_category).
BOOKING_COLUMNS = (Booking.id, Booking.room_id, Booking.user_id, Booking.starts_at, Booking.ends_at, Booking.title,
                   Booking.category)


def booking_category(booking) -> str | None:
    """The kind of offer a booking (a row of BOOKING_COLUMNS) is for, as its owner gave it; None for a plain
    reservation (counted as a volunteers' activity)."""
    return booking.category


def closure_kind(closure: Closure) -> str:
    """A closure's kind as the report counts it: a public holiday's closure is a holiday whatever its purpose."""
    return ClosurePurpose.HOLIDAY if closure.kind == "holiday" else closure.purpose


@dataclass
class Figures:
    """One room's (or group's) figures over one part of the period, in seconds."""

    open: int = 0
    closed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLOSURE_KINDS, 0))
    offers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    bookings: int = 0
    # bookings by category when the data has it (booking_category); None while it is not recorded
    bookings_by_category: dict[str, int] | None = None

    @property
    def holiday(self) -> int:
        return self.closed[ClosurePurpose.HOLIDAY]

    @property
    def lost(self) -> int:
        return sum(self.closed[k] for k in LOST_KINDS)

    @property
    def usable(self) -> int:
        """Open hours that were not a holiday: what the room could have been used for."""
        return self.open - self.holiday

    @property
    def used(self) -> int:
        return sum(self.offers.values()) + self.bookings

    @property
    def purpose(self) -> int:
        # a booking is a volunteers' activity or an offer for residents: either serves the council's purpose
        return sum(s for c, s in self.offers.items() if c in PURPOSE_CATEGORIES) + self.bookings

    @property
    def purpose_share(self) -> float | None:
        """Hours used for the purpose per usable open hour (None without any)."""
        return self.purpose / self.usable if self.usable > 0 else None

    def add(self, other: Figures) -> None:
        self.open += other.open
        self.bookings += other.bookings
        for kind, seconds in other.closed.items():
            self.closed[kind] += seconds
        for category, seconds in other.offers.items():
            self.offers[category] += seconds
        if other.bookings_by_category is not None:
            mine = self.bookings_by_category if self.bookings_by_category is not None else {}
            for category, seconds in other.bookings_by_category.items():
                mine[category] = mine.get(category, 0) + seconds
            self.bookings_by_category = mine


@dataclass
class Line:
    """A row of the utilisation table: a room, an accommodation or the city, in one part of the period."""

    group: str  # "room", "accommodation" or "city"
    key: str
    name: str
    accommodation: str  # the accommodation's name ("" for the city)
    part: Part
    figures: Figures


@dataclass
class Utilisation:
    parts: list[Part]
    lines: list[Line]
    booking_categories_known: bool


def _seconds_within(intervals: list[Interval], starts: list[dt.datetime], start: dt.datetime,
                    end: dt.datetime) -> int:
    """Seconds of sorted, disjoint `intervals` (whose starts are `starts`) inside [start, end): found by
    bisection, as a quarter has some hundred windows per room and a report a dozen parts."""
    total = 0
    for i in range(max(bisect.bisect_right(starts, start) - 1, 0), len(intervals)):
        s, e = intervals[i]
        if s >= end:
            break
        if e > start:
            total += (min(e, end) - max(s, start)).total_seconds()
    return int(total)


def _clip(intervals: list[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if s < end and start < e]


def _open_intervals(room: Room, history: list[RoomOpeningHours], start: dt.datetime,
                    end: dt.datetime) -> list[Interval]:
    """The room's opening windows in [start, end), each stretch by the hours in force then."""
    if not history:
        return merge(windows_between(room.open, room.tz, start, end))
    found: list[Interval] = []
    for i, row in enumerate(history):
        seg_start = max(row.valid_from, start)
        seg_end = min(history[i + 1].valid_from, end) if i + 1 < len(history) else end
        if seg_start < seg_end:
            found += windows_between(row.open, room.tz, seg_start, seg_end)
    if history[0].valid_from > start:  # before the first row: the first row's hours (nothing older is known)
        found += windows_between(history[0].open, room.tz, start, min(history[0].valid_from, end))
    return merge(found)


def utilisation(session: Session, places: list[Accommodation], parts: list[Part], group: str = "accommodation",
                ) -> Utilisation:
    """The utilisation figures of the rooms of `places` for every part, per room, accommodation or the city."""
    rooms = [room for place in places for room in place.rooms]
    if not parts:
        return Utilisation(parts, [], False)
    tz_of = {room.id: room.tz for room in rooms}
    bounds = {}  # (tz, part) → (start, end) instants
    for room in rooms:
        for part in parts:
            key = (room.accommodation.timezone, part.key)
            if key not in bounds:
                bounds[key] = (to_utc(dt.datetime.combine(part.first, dt.time(0)), room.tz),
                               to_utc(dt.datetime.combine(part.end, dt.time(0)), room.tz))
    span_start = to_utc(dt.datetime.combine(parts[0].first, dt.time(0)), dt.timezone.utc) - dt.timedelta(days=1)
    span_end = to_utc(dt.datetime.combine(parts[-1].end, dt.time(0)), dt.timezone.utc) + dt.timedelta(days=1)
    ids = [room.id for room in rooms]
    per_room: dict[int, dict[str, Figures]] = {room.id: {p.key: Figures() for p in parts} for room in rooms}

    history: dict[int, list[RoomOpeningHours]] = defaultdict(list)
    closures: dict[int, list[Closure]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in session.scalars(sa.select(RoomOpeningHours).where(RoomOpeningHours.room_id.in_(chunk))
                                   .order_by(RoomOpeningHours.valid_from)):
            history[row.room_id].append(row)
        for closure in session.scalars(sa.select(Closure).where(Closure.room_id.in_(chunk),
                                                                Closure.starts_at < span_end,
                                                                Closure.ends_at > span_start)):
            closures[closure.room_id].append(closure)

    for room in rooms:
        place_tz = room.accommodation.timezone
        first_start = bounds[(place_tz, parts[0].key)][0]
        last_end = bounds[(place_tz, parts[-1].key)][1]
        remaining = _open_intervals(room, history[room.id], first_start, last_end)
        taken: dict[str, list[Interval]] = {kind: [] for kind in CLOSURE_KINDS}
        # a holiday first: where a maintenance closure spans a holiday, the holiday is not lost time
        for closure in sorted(closures[room.id], key=lambda c: (closure_kind(c) != ClosurePurpose.HOLIDAY,
                                                                c.starts_at)):
            hit = _clip(remaining, closure.starts_at, closure.ends_at)
            if hit:
                taken[closure_kind(closure)] += hit
                remaining = subtract(remaining, hit)
        opened = merge(remaining + [i for kind in CLOSURE_KINDS for i in taken[kind]])
        sorted_taken = {kind: merge(taken[kind]) for kind in CLOSURE_KINDS}
        for kind_intervals in [opened, *sorted_taken.values()]:
            kind_intervals.sort()
        starts = {kind: [s for s, _e in sorted_taken[kind]] for kind in CLOSURE_KINDS}
        open_starts = [s for s, _e in opened]
        for part in parts:
            start, end = bounds[(place_tz, part.key)]
            figures = per_room[room.id][part.key]
            figures.open = _seconds_within(opened, open_starts, start, end)
            for kind in CLOSURE_KINDS:
                if sorted_taken[kind]:
                    figures.closed[kind] = _seconds_within(sorted_taken[kind], starts[kind], start, end)

    def part_of(room_id: int, start: dt.datetime) -> Part | None:
        day = start.astimezone(tz_of[room_id]).date()
        for part in parts:
            if part.first <= day < part.end:
                return part
        return None

    for chunk in _chunks(ids):
        rows = session.execute(
            sa.select(Occurrence.room_id, Occurrence.starts_at, Occurrence.ends_at, Offer.category)
            .join(OfferSession, Occurrence.offer_session_id == OfferSession.id)
            .join(Offer, OfferSession.offer_id == Offer.id)
            .where(Occurrence.room_id.in_(chunk), Occurrence.status != OccurrenceStatus.CANCELLED,
                   Occurrence.starts_at >= span_start, Occurrence.starts_at < span_end))
        for room_id, start, end, category in rows:
            part = part_of(room_id, start)
            if part is not None:
                per_room[room_id][part.key].offers[category] += int((end - start).total_seconds())
    known = True
    for chunk in _chunks(ids):
        # columns, not Booking objects (a city's quarter has thousands): booking_category reads what it needs
        # from this row, so a column it needs later is added here
        for booking in session.execute(sa.select(*BOOKING_COLUMNS).where(
                Booking.room_id.in_(chunk), Booking.status == BookingStatus.ACTIVE,
                Booking.starts_at >= span_start, Booking.starts_at < span_end)):
            part = part_of(booking.room_id, booking.starts_at)
            if part is None:
                continue
            figures = per_room[booking.room_id][part.key]
            seconds = int((booking.ends_at - booking.starts_at).total_seconds())
            figures.bookings += seconds
            category = booking_category(booking) or ""  # "": a plain reservation, no kind of offer given
            figures.bookings_by_category = figures.bookings_by_category or {}
            figures.bookings_by_category[category] = figures.bookings_by_category.get(category, 0) + seconds
    if not known:  # some bookings without a category: no breakdown, rather than a wrong one
        for by_part in per_room.values():
            for figures in by_part.values():
                figures.bookings_by_category = None
    return Utilisation(parts, _lines(places, parts, per_room, group), known)


def summed(result: Utilisation, whole: Part) -> Utilisation:
    """The lines of `result` added up over its parts into one part `whole` (the weeks into the period):
    reading the rows once for both."""
    lines: dict[str, Line] = {}
    for line in result.lines:
        if line.key not in lines:
            lines[line.key] = Line(line.group, line.key, line.name, line.accommodation, whole, Figures())
        lines[line.key].figures.add(line.figures)
    return Utilisation([whole], list(lines.values()), result.booking_categories_known)


def _lines(places: list[Accommodation], parts: list[Part], per_room: dict[int, dict[str, Figures]],
           group: str) -> list[Line]:
    lines = []
    if group == "room":
        for place in places:
            for room in place.rooms:
                lines += [Line("room", room.key, room.name, place.name, part, per_room[room.id][part.key])
                          for part in parts]
        return lines
    if group == "accommodation":
        for place in places:
            for part in parts:
                total = Figures()
                for room in place.rooms:
                    total.add(per_room[room.id][part.key])
                lines.append(Line("accommodation", place.key, place.name, place.name, part, total))
        return lines
    for part in parts:
        total = Figures()
        for place in places:
            for room in place.rooms:
                total.add(per_room[room.id][part.key])
        lines.append(Line("city", "city", "", "", part, total))
    return lines


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    """IN lists of a size every database takes."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]

