"""The repair a room change proposes, per series: one new slot for all of a series' lost dates where one exists.

The candidates come from an exact search over a small space: for each series, every room of the accommodation
(and its recorded alternative venues) × a shift of the date within its week × a start time on the planning
grid, kept only when every lost date fits there: free, open, in the future, within what the provider allows (a
volunteer group: its volunteers' wished times; a volunteer: their own), with the provider (or volunteer) not
busy elsewhere then, with enough seats and the features the offer needs. They rank as the issue of the
council's decision asks: another room at the same time first, then the nearest other time in the accommodation,
then (for a dated closure) an alternative venue, then, when nothing of the accommodation's own fits, a room of a
nearby accommodation with the travel named; never a room smaller than the series' expected participants.

Which candidate each series gets is chosen for all of them together (`roombook.solver.choose`, CP-SAT) when
their candidates compete (the same room at the same time, or one person in two places): placed one after
another, a course could take the only room a guaranteed offer fits. Where nothing competes, each simply takes
its best candidate and the solver is not started.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from roombook.booking.availability import availability
from roombook.booking.intervals import Interval, subtract
from roombook.booking.recurrence import DAYS, parse_hhmm, to_utc
from roombook.changes.choosing import JOINT_CANDIDATES, Candidate, Slot, Taken, choose
from roombook.coordination.groups import group_wishes
from roombook.models import (
    Accommodation,
    Booking,
    ChangeItem,
    Occurrence,
    OfferSession,
    Room,
    RoomChange,
    VolunteerProfile,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.people import ProviderKind
from roombook.models.reservations import BookingStatus
from roombook.models.settings import get_setting

GRID = dt.timedelta(minutes=15)
EARLIEST, LATEST = dt.time(6, 0), dt.time(23, 0)
# A date moves at most this many days within its week: further is another week, not a nearby time.
SHIFTS = (0, -1, 1, -2, 2, -3, 3)
OPTIONS = 4
# The order of preference; a tier is worth more than any difference of day, time or seats within it.
TIERS = {"room": 0, "time": 1, "venue": 2, "elsewhere": 3}
# Another accommodation is "nearby" when the city's travel table names the way there and it takes at most this.
NEARBY_MINUTES = 30
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
    person: tuple[str, int] | None = None  # ("provider", id) or ("user", id): who cannot be in two places


def needs_of(session: Session, change: RoomChange, now: dt.datetime) -> list[Need]:
    needs = []
    groups: dict | None = None  # a volunteer group's wished times, read once and only if a group's offer is hit
    for item in change.items:
        hits = [(dt.datetime.fromisoformat(h["start"]), dt.datetime.fromisoformat(h["end"])) for h in item.hits]
        hits = [hit for hit in hits if hit[0] >= now]
        length = hits[0][1] - hits[0][0] if hits else dt.timedelta(0)
        features: set[str] = set()
        windows = None
        person = None
        if item.kind == "offer":
            slot = session.get(OfferSession, item.offer_session_id)
            offer = slot.offer
            features = set(offer.needs_features or [])
            windows = slot.provider.available if slot.provider is not None and slot.provider.available else None
            if slot.provider is not None and slot.provider.kind == ProviderKind.VOLUNTEER:
                # as the planner places it: within its volunteers' wished times, where they named some
                groups = group_wishes(session) if groups is None else groups
                windows = groups[slot.provider_id][0] if slot.provider_id in groups else windows
            person = ("provider", slot.provider_id) if slot.provider_id is not None else None
            rank = 0 if offer.guaranteed else 1
        else:
            profile = session.get(VolunteerProfile, item.owner_id) if item.owner_id else None
            windows = profile.available if profile is not None and profile.available else None
            person = ("user", item.owner_id) if item.owner_id is not None else None
            rank = 2 if item.kind == "booking_series" else 3
        needs.append(Need(item, hits, length, item.participants, features, windows, rank, person))
    return sorted(needs, key=lambda n: (n.rank, -(n.participants or 0), n.item.id))


class FreeTime:
    """Free intervals per room over the change's span; rooms of other accommodations are read when asked."""

    def __init__(self, session: Session, rooms: list[Room], start: dt.datetime, end: dt.datetime):
        self.session, self.start, self.end = session, start, end
        self.free: dict[int, list[Interval]] = {}
        self._starts: dict[int, list[dt.datetime]] = {}
        self.add(rooms)

    def add(self, rooms: list[Room]) -> None:
        for room in rooms:
            if room.id not in self.free:
                self.free[room.id] = availability(self.session, room, self.start, self.end)
                self._starts[room.id] = [s for s, _ in self.free[room.id]]

    def fits(self, room: Room, start: dt.datetime, end: dt.datetime) -> bool:
        free = self.free[room.id]
        index = bisect.bisect_right(self._starts[room.id], start) - 1
        return index >= 0 and free[index][0] <= start and end <= free[index][1]

    def take(self, room: Room, intervals: list[Interval]) -> None:
        self.free[room.id] = subtract(self.free[room.id], intervals)
        self._starts[room.id] = [s for s, _ in self.free[room.id]]


def _busy(session: Session, need: Need, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """When the provider (or volunteer) of a series is already somewhere else in the change's span."""
    if need.person is None:
        return []
    kind, person_id = need.person
    if kind == "provider":
        rows = session.execute(
            sa.select(Occurrence.starts_at, Occurrence.ends_at)
            .join(OfferSession, OfferSession.id == Occurrence.offer_session_id)
            .where(OfferSession.provider_id == person_id, Occurrence.status != OccurrenceStatus.CANCELLED,
                   Occurrence.starts_at < end, Occurrence.ends_at > start))
    else:
        rows = session.execute(
            sa.select(Booking.starts_at, Booking.ends_at)
            .where(Booking.user_id == person_id, Booking.status == BookingStatus.ACTIVE,
                   Booking.starts_at < end, Booking.ends_at > start))
    return sorted((s, e) for s, e in rows)


def _clear(busy: list[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) meets none of the (start-sorted) busy intervals; none lasts longer than a day."""
    low = bisect.bisect_left(busy, (start - dt.timedelta(days=1),))
    high = bisect.bisect_left(busy, (end,))
    return not any(s < end and start < e for s, e in busy[low:high])


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


def _candidates(need: Need, rooms: list[Room], free: FreeTime, busy: list[Interval], tz, now: dt.datetime,
                *, elsewhere: dict[int, int] | None = None) -> list[Candidate]:
    """Every slot where all the series' lost dates fit, best first. With `elsewhere` (accommodation id →
    minutes of the way there), the rooms are another accommodation's."""
    original = need.item.change.room
    first_local = need.hits[0][0].astimezone(tz)
    wanted = first_local.time()
    found = []
    allowed: dict[tuple[int, dt.time], bool] = {}  # the windows are weekly: asked once per weekday and time

    def within(local: dt.datetime) -> bool:
        key = (local.weekday(), local.time())
        if key not in allowed:
            allowed[key] = _within(need.windows, local, need.length)
        return allowed[key]

    for room in rooms:
        if need.participants is not None and room.capacity < need.participants:
            continue
        if not need.features <= set(room.features or []):
            continue
        venue = room.venue_note is not None
        if venue and (need.item.change.open_ended or elsewhere is not None):
            continue  # an alternative venue stands in for weeks, not for good; another house's is its own
        travel = elsewhere[room.accommodation_id] if elsewhere is not None else None
        for shift in SHIFTS:
            time = dt.datetime.combine(first_local.date(), EARLIEST)
            last = dt.datetime.combine(first_local.date(), LATEST)
            while time + need.length <= last + GRID:
                starts = []
                for hit_start, _hit_end in need.hits:
                    day = hit_start.astimezone(tz).date() + dt.timedelta(days=shift)
                    local = dt.datetime.combine(day, time.time())
                    start = to_utc(local, tz)
                    if start < now or not within(local) \
                            or not free.fits(room, start, start + need.length) \
                            or not _clear(busy, start, start + need.length):
                        break
                    starts.append(start)
                else:
                    same_time = shift == 0 and time.time() == wanted
                    if same_time and room.id == original.id:
                        time += GRID
                        continue  # where it was: the closure covers it, or it was not lost here
                    tier = "elsewhere" if travel else "venue" if venue else ("room" if same_time else "time")
                    minutes_off = abs((dt.datetime.combine(first_local.date(), time.time())
                                       - first_local.replace(tzinfo=None)).total_seconds()) / 60
                    # seats: a room as big as the one it leaves first, then the smaller (never below the need)
                    key = (TIERS[tier], travel or 0, abs(shift), minutes_off,
                           -min(room.capacity, original.capacity), room.id)
                    found.append(Candidate(key, tier, Slot(room, shift, time.time(), tuple(starts),
                                                           travel if travel else None)))
                time += GRID
    found.sort(key=lambda c: c.key)
    return found


def _diverse(candidates: list[Candidate], count: int, usable=lambda candidate: True,
             besides: Candidate | None = None) -> list[Candidate]:
    """The best candidate of each room and day first, so the options are real choices, not 15 minutes apart
    (nor beside the proposal, `besides`). `usable` is asked only of candidates that would be taken, so a long
    list costs little."""
    chosen = []
    seen = {(besides.slot.room.id, besides.slot.shift)} if besides is not None else set()
    for candidate in candidates:
        if (candidate.slot.room.id, candidate.slot.shift) in seen or not usable(candidate):
            continue
        seen.add((candidate.slot.room.id, candidate.slot.shift))
        chosen.append(candidate)
        if len(chosen) == count:
            return chosen
    for candidate in candidates:
        if len(chosen) == count:
            break
        if candidate not in chosen and usable(candidate):
            chosen.append(candidate)
    return chosen


def _nearby(session: Session, accommodation: Accommodation) -> dict[int, int]:
    """The accommodations the city's travel table names within NEARBY_MINUTES: id → minutes."""
    legs = {}
    for leg in get_setting(session, "travel", []) or []:
        other = leg["to"] if leg.get("from") == accommodation.key else leg["from"] \
            if leg.get("to") == accommodation.key else None
        if other is not None and int(leg.get("minutes", 0)) <= NEARBY_MINUTES:
            legs[other] = min(int(leg["minutes"]), legs.get(other, NEARBY_MINUTES + 1))
    if not legs:
        return {}
    places = session.scalars(sa.select(Accommodation).where(Accommodation.key.in_(legs)))
    return {place.id: legs[place.key] for place in places}


def propose(session: Session, change: RoomChange, now: dt.datetime) -> None:
    """Fill each item's proposal, options and (when nothing fits) the reason; writes only the items."""
    accommodation = change.accommodation
    rooms = sorted(accommodation.rooms, key=lambda r: r.id)
    tz = accommodation.tz
    needs = needs_of(session, change, now)
    hits = [hit for need in needs for hit in need.hits]
    for need in needs:
        if not need.hits:
            need.item.proposal, need.item.options, need.item.reason = None, [], ALL_PAST
    needs = [need for need in needs if need.hits]
    if not needs:
        return
    span_start = max(min(s for s, _ in hits) - dt.timedelta(days=max(SHIFTS) + 1), now)
    span_end = max(e for _, e in hits) + dt.timedelta(days=max(SHIFTS) + 1)
    free = FreeTime(session, rooms, span_start, span_end)
    nearby: dict[int, int] | None = None
    lists = []
    for need in needs:
        fitting = [r for r in rooms if (need.participants is None or r.capacity >= need.participants)
                   and need.features <= set(r.features or [])]
        busy = _busy(session, need, span_start, span_end)
        candidates = _candidates(need, fitting, free, busy, tz, now)
        if not candidates and not change.open_ended:
            # nothing of the house's own (nor its venue): a nearby accommodation, with the way there named
            nearby = _nearby(session, accommodation) if nearby is None else nearby
            others = sorted((r for place_id in nearby for r in session.get(Accommodation, place_id).rooms),
                            key=lambda r: r.id)
            free.add(others)
            candidates = _candidates(need, others, free, busy, tz, now, elsewhere=nearby)
        lists.append(candidates)
    shortlists = [_diverse(candidates, JOINT_CANDIDATES) for candidates in lists]
    picks = choose(needs, shortlists)
    taken = Taken()
    chosen: list[Candidate | None] = []
    for i, (need, pick) in enumerate(zip(needs, picks)):
        chosen.append(shortlists[i][pick] if pick is not None else None)
        if chosen[i] is not None:
            taken.add(i, need, chosen[i])
    for i, need in enumerate(needs):
        if chosen[i] is None:  # the shortlist is gone: further down its list, clear of what the others took
            chosen[i] = next((c for c in lists[i] if taken.clear(i, need, c)), None)
            if chosen[i] is not None:
                taken.add(i, need, chosen[i])
    for i, need in enumerate(needs):
        item = need.item
        if chosen[i] is None:
            item.proposal, item.options = None, []
            fitting = [r for r in rooms if (need.participants is None or r.capacity >= need.participants)
                       and need.features <= set(r.features or [])]
            # the closed room fits by definition; whether another does tells the manager what is missing
            item.reason = NO_ROOM_FITS if all(r.id == change.room_id for r in fitting) else NO_TIME_FREE
            continue
        others = _diverse(lists[i], OPTIONS, lambda c, i=i, need=need: c is not chosen[i] and taken.clear(i, need, c),
                          besides=chosen[i])
        item.proposal = chosen[i].slot.as_json(chosen[i].tier)
        item.options = [c.slot.as_json(c.tier) for c in others]
        item.reason = ""


class SlotUnfit(ValueError):
    """A place a person chose freely that cannot take the series: `field` names the input at fault."""

    def __init__(self, reason: str, field: str):
        super().__init__(reason)
        self.reason, self.field = reason, field


def free_slot(change: RoomChange, item: ChangeItem, room: Room, day: str, start: dt.time, now: dt.datetime) -> dict:
    """The slot of a place and time a person chose for a series (the weekday nearest its lost dates' own),
    in the shape of a proposal. Refuses a room of another house, too few seats or a missing feature; whether
    the time is free is checked with every other choice when the change is applied."""
    if room.accommodation_id != change.accommodation_id:
        raise SlotUnfit("other_house", "room")
    hits = [dt.datetime.fromisoformat(h["start"]) for h in item.hits]
    hits = [h for h in hits if h >= now]
    if not hits:
        raise SlotUnfit(ALL_PAST, "item")
    if item.participants is not None and room.capacity < item.participants:
        raise SlotUnfit("too_small", "room")
    offer_slot = item.offer_session_id and object_session(item).get(OfferSession, item.offer_session_id)
    if offer_slot and not set(offer_slot.offer.needs_features or []) <= set(room.features or []):
        raise SlotUnfit("features", "room")
    tz = change.accommodation.tz
    first = hits[0].astimezone(tz)
    shift = (DAYS.index(day) - first.weekday() + 3) % 7 - 3  # the nearest such weekday: at most 3 days away
    starts = [to_utc(dt.datetime.combine(h.astimezone(tz).date() + dt.timedelta(days=shift), start), tz)
              for h in hits]
    if starts[0] < now:
        raise SlotUnfit("past", "start")
    tier = "venue" if room.venue_note else ("room" if shift == 0 and start == first.time() else "time")
    return Slot(room, shift, start, tuple(starts)).as_json(tier)


def hits_of_occurrences(occurrences: list[Occurrence]) -> list[dict]:
    return [{"occurrence": o.id, "start": o.starts_at.isoformat(), "end": o.ends_at.isoformat()}
            for o in sorted(occurrences, key=lambda o: o.starts_at)]


def hits_of_bookings(bookings: list[Booking]) -> list[dict]:
    return [{"booking": b.id, "start": b.starts_at.isoformat(), "end": b.ends_at.isoformat()}
            for b in sorted(bookings, key=lambda b: b.starts_at)]


def rooms_by_id(session: Session, ids) -> dict[int, Room]:
    return {room.id: room for room in session.scalars(sa.select(Room).where(Room.id.in_(set(ids))))}
