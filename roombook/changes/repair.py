"""The repair a room change proposes, per series: one new slot for all of a series' lost dates where one exists.

The search is exact over a small space, so it needs no solver: for each series, every room of the
accommodation (and its recorded alternative venues) × a shift of the date within its week × a start time
on the planning grid, kept only when every lost date fits there: free, open, in the future, within what the
provider (or the volunteer's wished times) allows, with enough seats and the features the offer needs. It
ranks as the issue of the council's decision asks: another room at the same time first, then the nearest
other time in the accommodation, then an alternative venue; never a room smaller than the series' expected
participants. Series are placed one after another, most binding first (guaranteed offers, then other
offers, then volunteers' series, then one-off bookings), each taking its slot out of what the next may use,
so two series are never proposed into the same time.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.booking.availability import availability
from roombook.booking.intervals import Interval, subtract
from roombook.booking.recurrence import DAYS, parse_hhmm, to_utc
from roombook.models import (
    Booking,
    ChangeItem,
    Occurrence,
    OfferSession,
    Room,
    RoomChange,
    VolunteerProfile,
)

GRID = dt.timedelta(minutes=15)
EARLIEST, LATEST = dt.time(6, 0), dt.time(23, 0)
# A date moves at most this many days within its week: further is another week, not a nearby time.
SHIFTS = (0, -1, 1, -2, 2, -3, 3)
OPTIONS = 4

NO_ROOM_FITS = "no_room_fits"      # no room of the accommodation has the seats and features
NO_TIME_FREE = "no_time_free"      # rooms fit, but no time is free on every lost date
ALL_PAST = "all_past"              # every lost date has begun


@dataclass
class Need:
    """What one series needs of a new place: its lost dates, their length, who must be there."""

    item: ChangeItem
    hits: list[Interval]
    length: dt.timedelta
    participants: int | None
    features: set[str]
    windows: list[dict] | None  # weekly windows the provider or volunteer can, local time; None: any
    rank: int


@dataclass(frozen=True)
class Slot:
    room: Room
    shift: int          # days from each lost date, within its week
    start: dt.time      # local start time
    starts: tuple[dt.datetime, ...]  # one UTC start per lost date

    def as_json(self, tier: str) -> dict:
        return {"room": self.room.key, "room_id": self.room.id, "shift": self.shift,
                "local_start": self.start.strftime("%H:%M"), "tier": tier,
                "starts": [start.isoformat() for start in self.starts]}


def needs_of(session: Session, change: RoomChange, now: dt.datetime) -> list[Need]:
    needs = []
    for item in change.items:
        hits = [(dt.datetime.fromisoformat(h["start"]), dt.datetime.fromisoformat(h["end"])) for h in item.hits]
        hits = [hit for hit in hits if hit[0] >= now]
        length = hits[0][1] - hits[0][0] if hits else dt.timedelta(0)
        features: set[str] = set()
        windows = None
        if item.kind == "offer":
            slot = session.get(OfferSession, item.offer_session_id)
            offer = slot.offer
            features = set(offer.needs_features or [])
            windows = slot.provider.available if slot.provider is not None and slot.provider.available else None
            rank = 0 if offer.guaranteed else 1
        else:
            profile = session.get(VolunteerProfile, item.owner_id) if item.owner_id else None
            windows = profile.available if profile is not None and profile.available else None
            rank = 2 if item.kind == "booking_series" else 3
        needs.append(Need(item, hits, length, item.participants, features, windows, rank))
    return sorted(needs, key=lambda n: (n.rank, -(n.participants or 0), n.item.id))


class FreeTime:
    """Free intervals per room over the change's span, less what earlier series were given."""

    def __init__(self, session: Session, rooms: list[Room], start: dt.datetime, end: dt.datetime):
        self.free = {room.id: availability(session, room, start, end) for room in rooms}
        self._starts = {room_id: [s for s, _ in free] for room_id, free in self.free.items()}

    def fits(self, room: Room, start: dt.datetime, end: dt.datetime) -> bool:
        free = self.free[room.id]
        index = bisect.bisect_right(self._starts[room.id], start) - 1
        return index >= 0 and free[index][0] <= start and end <= free[index][1]

    def take(self, room: Room, intervals: list[Interval]) -> None:
        self.free[room.id] = subtract(self.free[room.id], intervals)
        self._starts[room.id] = [s for s, _ in self.free[room.id]]


def _within(windows: list[dict] | None, local_start: dt.datetime, length: dt.timedelta) -> bool:
    if windows is None:
        return True
    day = DAYS[local_start.weekday()]
    end = local_start + length
    if end.date() != local_start.date() and end.time() != dt.time(0):
        return False
    for window in windows:
        if window["day"] != day:
            continue
        begins, ends = parse_hhmm(window["from"]), parse_hhmm(window["to"])
        if begins <= local_start.time() and (end.time() <= ends or ends == dt.time.max or
                                             (end.time() == dt.time(0) and end.date() != local_start.date())):
            return True
    return False


def _candidates(need: Need, rooms: list[Room], free: FreeTime, tz, now: dt.datetime) -> list[tuple[tuple, str, Slot]]:
    """Every slot where all the series' lost dates fit, with its rank key and tier."""
    original = need.item.change.room
    first_local = need.hits[0][0].astimezone(tz)
    wanted = first_local.time()
    found = []
    for room in rooms:
        if need.participants is not None and room.capacity < need.participants:
            continue
        if not need.features <= set(room.features or []):
            continue
        venue = room.venue_note is not None
        if venue and need.item.change.open_ended:
            continue  # an alternative venue stands in for weeks, not for good
        for shift in SHIFTS:
            time = dt.datetime.combine(first_local.date(), EARLIEST)
            last = dt.datetime.combine(first_local.date(), LATEST)
            while time + need.length <= last + GRID:
                starts = []
                for hit_start, _hit_end in need.hits:
                    day = hit_start.astimezone(tz).date() + dt.timedelta(days=shift)
                    local = dt.datetime.combine(day, time.time())
                    start = to_utc(local, tz)
                    if start < now or not _within(need.windows, local, need.length) \
                            or not free.fits(room, start, start + need.length):
                        break
                    starts.append(start)
                else:
                    same_time = shift == 0 and time.time() == wanted
                    if same_time and room.id == original.id:
                        time += GRID
                        continue  # where it was: the closure covers it, or it was not lost here
                    tier = "venue" if venue else ("room" if same_time else "time")
                    minutes_off = abs((dt.datetime.combine(first_local.date(), time.time())
                                       - first_local.replace(tzinfo=None)).total_seconds()) / 60
                    # seats: a room as big as the one it leaves first, then the smaller (never below the need)
                    key = ({"room": 0, "time": 1, "venue": 2}[tier], abs(shift), minutes_off,
                           -min(room.capacity, original.capacity), room.id)
                    found.append((key, tier, Slot(room, shift, time.time(), tuple(starts))))
                time += GRID
    found.sort(key=lambda c: c[0])
    return found


def _diverse(candidates: list[tuple[tuple, str, Slot]], count: int) -> list[tuple[str, Slot]]:
    """The best candidate of each room and day first, so the options are real choices, not 15 minutes apart."""
    chosen, seen = [], set()
    for _key, tier, slot in candidates:
        if (slot.room.id, slot.shift) in seen:
            continue
        seen.add((slot.room.id, slot.shift))
        chosen.append((tier, slot))
        if len(chosen) == count:
            return chosen
    for _key, tier, slot in candidates:
        if len(chosen) == count:
            break
        if (tier, slot) not in chosen:
            chosen.append((tier, slot))
    return chosen


def propose(session: Session, change: RoomChange, now: dt.datetime) -> None:
    """Fill each item's proposal, options and (when nothing fits) the reason; writes only the items."""
    accommodation = change.accommodation
    rooms = sorted(accommodation.rooms, key=lambda r: r.id)
    tz = accommodation.tz
    needs = needs_of(session, change, now)
    hits = [hit for need in needs for hit in need.hits]
    if not hits:
        for need in needs:
            need.item.proposal, need.item.options, need.item.reason = None, [], ALL_PAST
        return
    span_start = min(s for s, _ in hits) - dt.timedelta(days=max(SHIFTS) + 1)
    span_end = max(e for _, e in hits) + dt.timedelta(days=max(SHIFTS) + 1)
    free = FreeTime(session, rooms, max(span_start, now), span_end)
    for need in needs:
        item = need.item
        if not need.hits:
            item.proposal, item.options, item.reason = None, [], ALL_PAST
            continue
        fitting = [r for r in rooms if (need.participants is None or r.capacity >= need.participants)
                   and need.features <= set(r.features or [])]
        candidates = _candidates(need, fitting, free, tz, now)
        picks = _diverse(candidates, OPTIONS + 1)
        if not picks:
            item.proposal, item.options = None, []
            # the closed room fits by definition; whether another does tells the manager what is missing
            item.reason = NO_ROOM_FITS if all(r.id == change.room_id for r in fitting) else NO_TIME_FREE
            continue
        (tier, best), others = picks[0], picks[1:]
        item.proposal = best.as_json(tier)
        item.options = [slot.as_json(t) for t, slot in others]
        item.reason = ""
        free.take(best.room, [(start, start + need.length) for start in best.starts])


def hits_of_occurrences(occurrences: list[Occurrence]) -> list[dict]:
    return [{"occurrence": o.id, "start": o.starts_at.isoformat(), "end": o.ends_at.isoformat()}
            for o in sorted(occurrences, key=lambda o: o.starts_at)]


def hits_of_bookings(bookings: list[Booking]) -> list[dict]:
    return [{"booking": b.id, "start": b.starts_at.isoformat(), "end": b.ends_at.isoformat()}
            for b in sorted(bookings, key=lambda b: b.starts_at)]


def rooms_by_id(session: Session, ids) -> dict[int, Room]:
    return {room.id: room for room in session.scalars(sa.select(Room).where(Room.id.in_(set(ids))))}
