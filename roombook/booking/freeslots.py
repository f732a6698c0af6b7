"""Free slots across the city: "Tuesday after 18:00, at least 10 seats, step-free, near Unterkunft Nord".

What is free comes from `availability` (one rule for the whole app: opening hours less occupancy, closures
and holidays), asked for all candidate rooms in one round trip. What the asker may book comes from the
room rules of `policy` and `can_book`: a slot that the booking form would refuse for this person is not
offered. Each free gap of a room on a day yields one slot, the earliest that fits the asked times, on the
quarter-hour grid people think in.

Ranking: with `near`, the nearest accommodation first (haversine over the accommodations' coordinates;
those without any come last); then fit, i.e. fewest seats beyond the asked capacity and fewest features
beyond the asked ones (a small room with what was asked for is left free for those who need the big one);
then the earliest start.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from roombook import clock
from roombook.access.permissions import can_book
from roombook.booking.availability import availability_of_rooms
from roombook.booking.intervals import Interval
from roombook.booking.policy import EXEMPT_ROLES, open_bookings_by_room
from roombook.booking.recurrence import to_utc
from roombook.models import Accommodation, Room, User

MAX_DAYS = 31
MAX_WEEKS = 52
GRID = dt.timedelta(minutes=15)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class SlotSearch:
    """What is asked for. `start`/`end` are UTC instants bounding the first week's slots; `after`/`before`
    are local wall-clock times bounding each slot's start and end."""

    start: dt.datetime
    end: dt.datetime
    duration: dt.timedelta
    weekdays: frozenset[int] = frozenset(range(7))
    after: dt.time | None = None
    before: dt.time | None = None
    min_capacity: int | None = None
    features: frozenset[str] = frozenset()
    accommodation_id: int | None = None
    near: Accommodation | None = None
    weeks: int = 1


@dataclass
class FreeSlot:
    """A free slot of one room: its first date and, for a weekly search, the same local slot in the weeks
    after (`dates`, each a (start, end) pair in UTC, the first included)."""

    room: Room
    start: dt.datetime
    end: dt.datetime
    dates: list[Interval] = field(default_factory=list)
    distance_km: float | None = None

    @property
    def accommodation(self) -> Accommodation:
        return self.room.accommodation


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points on the earth, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def distance_km(one: Accommodation, other: Accommodation) -> float | None:
    """How far apart two accommodations are; None when either has no coordinates."""
    if None in (one.latitude, one.longitude, other.latitude, other.longitude):
        return None
    return haversine_km(one.latitude, one.longitude, other.latitude, other.longitude)


def _candidate_rooms(session: Session, user: User | None, search: SlotSearch, now: dt.datetime) -> list[Room]:
    """The rooms that may hold a slot for this person: seats, features, accommodation, the right to book
    and the room's rules that do not depend on the date (longest booking, open bookings left)."""
    query = sa.select(Room).join(Room.accommodation).options(joinedload(Room.accommodation)).order_by(Room.id)
    if search.min_capacity is not None:
        query = query.where(Room.capacity >= search.min_capacity)
    if search.accommodation_id is not None:
        query = query.where(Room.accommodation_id == search.accommodation_id)
    rooms = [room for room in session.scalars(query)
             if search.features <= set(room.features or []) and can_book(user, room)]
    if user is None or user.role in EXEMPT_ROLES:
        return rooms
    minutes = search.duration.total_seconds() / 60
    rooms = [room for room in rooms if minutes <= room.max_booking_minutes]
    held = open_bookings_by_room(session, user, [room.id for room in rooms], now)
    # a series, however many weeks, is one open booking (roombook.booking.service.book_weekly)
    return [room for room in rooms if room.max_open_bookings - held.get(room.id, 0) >= 1]


def _inside(free: list[Interval], starts: list[dt.datetime], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) lies in one of the free intervals (sorted, apart; `starts` are their starts)."""
    index = bisect.bisect_right(starts, start) - 1
    return index >= 0 and end <= free[index][1]


def _on_grid(instant: dt.datetime) -> dt.datetime:
    """The first quarter hour at or after `instant`. Counted in UTC, which is the local grid too: every
    zone's offset is a whole number of quarter hours (and this runs for every gap of every room)."""
    floored = instant.replace(minute=instant.minute - instant.minute % 15, second=0, microsecond=0)
    return floored if floored == instant else floored + GRID


class _Days:
    """Each local day's bounds for the asked times (`after` to `before`, else the whole day) as UTC
    instants, worked out once per zone and day rather than once per room and gap."""

    def __init__(self, search: SlotSearch) -> None:
        self.search = search
        self.known: dict[tuple[str, dt.date], tuple[dt.datetime, dt.datetime]] = {}

    def bounds(self, tz, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        key = (tz.key, day)
        if key not in self.known:
            after, before = self.search.after, self.search.before
            self.known[key] = (
                to_utc(dt.datetime.combine(day, after or dt.time(0)), tz),
                to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)), tz) if before is None
                else to_utc(dt.datetime.combine(day, before), tz))
        return self.known[key]


def _slots_of_room(room: Room, free: list[Interval], search: SlotSearch, days: _Days, earliest: dt.datetime,
                   latest_start: dt.datetime) -> list[FreeSlot]:
    """One slot per free gap and day: the earliest start on the grid whose slot (and weekly repeats) is free."""
    tz = room.tz
    found = []
    starts = [gap_start for gap_start, _ in free]
    for gap_start, gap_end in free:
        if gap_end - gap_start < search.duration or gap_start >= search.end:
            continue
        day = max(gap_start, search.start).astimezone(tz).date()
        last_day = min(gap_end, search.end).astimezone(tz).date()
        while day <= last_day:
            if day.weekday() in search.weekdays:
                dates = _first_fit(day, tz, gap_start, gap_end, free, starts, search, days, earliest,
                                   latest_start)
                if dates is not None:
                    found.append(FreeSlot(room, dates[0][0], dates[0][1], dates))
            day += dt.timedelta(days=1)
    return found


def _first_fit(day: dt.date, tz, gap_start: dt.datetime, gap_end: dt.datetime, free: list[Interval],
               starts: list[dt.datetime], search: SlotSearch, days: _Days, earliest: dt.datetime,
               latest_start: dt.datetime) -> list[Interval] | None:
    """The earliest slot on `day` in the gap that meets the asked times and is free every asked week: the
    same local wall-clock slot in the weeks after, as a booked series keeps it (across a clock change)."""
    day_start, day_end = days.bounds(tz, day)
    start = _on_grid(max(gap_start, day_start, search.start, earliest))
    bound = min(gap_end, day_end, search.end)
    if search.weeks == 1:
        # a later start would only end later: the first candidate fits or none does; and one that fits lies
        # on `day`, between its start (or `after`) and the next midnight (or `before`)
        if start + search.duration <= bound and start <= latest_start:
            return [(start, start + search.duration)]
        return None
    while start + search.duration <= bound and start <= latest_start:
        local = start.astimezone(tz).replace(tzinfo=None)
        if local.date() != day:
            return None
        length = (start + search.duration).astimezone(tz).replace(tzinfo=None) - local
        dates = [(start, start + search.duration)]
        step = GRID
        for week in range(1, search.weeks):  # week by week, so a taken week ends the try at once
            local_start = local + dt.timedelta(weeks=week)
            later = (to_utc(local_start, tz), to_utc(local_start + length, tz))
            if later[0] > latest_start:
                return None
            if not _inside(free, starts, *later):
                # nothing starts earlier in that week than its next free interval: skip there at once
                following = bisect.bisect_right(starts, later[0])
                if following == len(starts):
                    return None
                step = max(GRID, starts[following] - later[0])
                break
            dates.append(later)
        else:
            return dates
        start = _on_grid(start + step)
    return None


def _fit(room: Room, search: SlotSearch) -> tuple[int, int]:
    spare_seats = room.capacity - search.min_capacity if search.min_capacity else 0
    spare_features = len(set(room.features or []) - search.features) if search.features else 0
    return spare_seats, spare_features


def _room_ranks(rooms: list[Room], search: SlotSearch) -> dict[int, tuple]:
    """Each room's place in the order before time (distance, fit) and after it (names), worked out once."""
    ranks = {}
    for room in rooms:
        place = room.accommodation
        distance = distance_km(search.near, place) if search.near is not None else None
        ranks[room.id] = (distance, (distance is None, distance or 0.0, *_fit(room, search)),
                          (place.name, room.name, room.id))
    return ranks


def find_free_slots(session: Session, user: User | None, search: SlotSearch,
                    *, now: dt.datetime | None = None) -> list[FreeSlot]:
    """Every free slot the search asks for that `user` may book, best first (see the module's docstring)."""
    now = (now or clock.now()).astimezone(dt.timezone.utc)
    rooms = _candidate_rooms(session, user, search, now)
    if not rooms:
        return []
    bound = user is not None and user.role not in EXEMPT_ROLES
    span_start = max(search.start, now)
    span_end = search.end + dt.timedelta(weeks=search.weeks - 1) + dt.timedelta(hours=1)
    if span_end <= span_start:
        return []
    free = availability_of_rooms(session, rooms, span_start, span_end)
    days = _Days(search)
    ranks = _room_ranks(rooms, search)
    slots = []
    for room in rooms:
        latest = now + dt.timedelta(days=room.max_days_ahead) if bound else span_end
        found = _slots_of_room(room, free[room.id], search, days, now, latest)
        for slot in found:
            slot.distance_km = ranks[room.id][0]
        slots += found
    slots.sort(key=lambda s: (ranks[s.room.id][1], s.start, ranks[s.room.id][2]))
    return slots
