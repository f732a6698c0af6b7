"""What is free in a room, what is in the way, and the nearest free alternatives."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook import clock
from roombook.booking.errors import Clash
from roombook.booking.intervals import Interval, subtract
from roombook.booking.policy import EXEMPT_ROLES
from roombook.booking.recurrence import windows_between
from roombook.models import (
    Booking,
    Closure,
    Occupancy,
    Occurrence,
    Offer,
    OfferSession,
    Room,
    User,
)


def opening_intervals(room: Room, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The room's weekly opening windows as UTC intervals within [start, end)."""
    return windows_between(room.open, room.tz, start, end)


def _clashes_statement() -> sa.CompoundSelect:
    """What occupies the room, then what closes it, in [:start, :end): one round trip with plain columns."""
    room, start, end = sa.bindparam("room"), sa.bindparam("start"), sa.bindparam("end")
    occupied = (
        sa.select(Occupancy.starts_at, Occupancy.ends_at, Occupancy.booking_id,
                  sa.func.coalesce(Booking.title, Offer.title).label("title"),
                  sa.literal(None, sa.String).label("closure_kind"))
        .outerjoin(Booking, Occupancy.booking_id == Booking.id)
        .outerjoin(Occurrence, Occupancy.occurrence_id == Occurrence.id)
        .outerjoin(OfferSession, Occurrence.offer_session_id == OfferSession.id)
        .outerjoin(Offer, OfferSession.offer_id == Offer.id)
        .where(Occupancy.room_id == room, Occupancy.starts_at < end, Occupancy.ends_at > start))
    closed = (
        sa.select(Closure.starts_at, Closure.ends_at, sa.literal(None, sa.Integer), Closure.reason, Closure.kind)
        .where(Closure.room_id == room, Closure.starts_at < end, Closure.ends_at > start))
    return sa.union_all(occupied, closed)


# Built once: this runs on every availability and booking request, and building it cost more than running it.
_CLASHES = _clashes_statement()


def clashes(session: Session, room: Room, start: dt.datetime, end: dt.datetime,
            *, ignore_booking: int | None = None, ignore_bookings: frozenset[int] = frozenset()) -> list[Clash]:
    """Everything that occupies or closes the room during [start, end), in time order; the bookings
    ignored are the ones a change is about to move (their own time is not in their way)."""
    found: list[Clash] = []
    for starts_at, ends_at, booking_id, title, closure_kind in session.execute(
            _CLASHES, {"room": room.id, "start": start, "end": end}):
        if closure_kind is not None:
            found.append(Clash("closure", title, starts_at, ends_at, closure_kind))
        elif booking_id is None:
            found.append(Clash("occurrence", title, starts_at, ends_at))
        elif booking_id != ignore_booking and booking_id not in ignore_bookings:
            found.append(Clash("booking", title, starts_at, ends_at))
    return sorted(found, key=lambda c: (c.start, c.end))


def _busy_statement() -> sa.CompoundSelect:
    """When the room is occupied or closed in [:start, :end): the times alone, without what fills them."""
    room, start, end = sa.bindparam("room"), sa.bindparam("start"), sa.bindparam("end")
    return sa.union_all(*(
        sa.select(table.starts_at, table.ends_at)
        .where(table.room_id == room, table.starts_at < end, table.ends_at > start)
        for table in (Occupancy, Closure)))


# Built once, like _CLASHES; availability needs no titles, so none of the joins that find them.
_BUSY = _busy_statement()


def availability(session: Session, room: Room, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Free intervals of the room in [start, end): opening windows less closures and occupancy."""
    busy = session.execute(_BUSY, {"room": room.id, "start": start, "end": end}).all()
    return _free(opening_intervals(room, start, end), busy)


def _free(opening: list[Interval], busy) -> list[Interval]:
    """The one rule of what is free: the room's opening windows less what occupies or closes it."""
    return subtract(opening, busy)


def _busy_of_rooms_statement() -> sa.CompoundSelect:
    """Like _BUSY for many rooms at once, each time with its room."""
    rooms, start, end = sa.bindparam("rooms", expanding=True), sa.bindparam("start"), sa.bindparam("end")
    return sa.union_all(*(
        sa.select(table.room_id, table.starts_at, table.ends_at)
        .where(table.room_id.in_(rooms), table.starts_at < end, table.ends_at > start)
        for table in (Occupancy, Closure)))


_BUSY_OF_ROOMS = _busy_of_rooms_statement()
# Rooms per round trip: stays well below every driver's limit on bound parameters.
_ROOMS_PER_QUERY = 500


def availability_of_rooms(session: Session, rooms: list[Room], start: dt.datetime,
                          end: dt.datetime) -> dict[int, list[Interval]]:
    """`availability` of many rooms by room id, in one round trip instead of one per room (a search
    across the city asks about hundreds)."""
    busy: dict[int, list[Interval]] = {room.id: [] for room in rooms}
    ids = list(busy)
    for first in range(0, len(ids), _ROOMS_PER_QUERY):
        for room_id, starts_at, ends_at in session.execute(
                _BUSY_OF_ROOMS, {"rooms": ids[first:first + _ROOMS_PER_QUERY], "start": start, "end": end}):
            busy[room_id].append((starts_at, ends_at))
    # rooms with the same weekly hours in the same zone open at the same instants: worked out once for them all
    opening: dict[tuple, list[Interval]] = {}
    free = {}
    for room in rooms:
        hours = (room.accommodation.timezone, tuple((w["day"], w["from"], w["to"]) for w in room.open or []))
        if hours not in opening:
            opening[hours] = opening_intervals(room, start, end)
        free[room.id] = _free(opening[hours], busy[room.id])
    return free


def suggest_alternatives(session: Session, room: Room, start: dt.datetime, end: dt.datetime,
                         *, limit: int = 5, days: int = 7, now: dt.datetime | None = None,
                         for_user: User | None = None) -> list[dict]:
    """Free slots of the same length nearest to the wanted one: same room first, then the other rooms.

    For a user the room rules bind (a volunteer, a department), only slots that user may book: within
    each room's lead time and longest booking. Without one (staff, a manager deciding a conflict) any
    free slot.

    Candidates start at the wanted local time on nearby days or right where a free interval begins;
    they are ranked by distance from the wanted start, the same room winning ties. Every start and end
    is aware UTC, whatever offset the caller's times carry: a free interval may begin at `now` or end at
    the search's end, and those would otherwise keep the caller's offset into the stored conflict.
    """
    utc = dt.timezone.utc
    start, end = start.astimezone(utc), end.astimezone(utc)
    length = end - start
    now = (now or clock.now()).astimezone(utc)
    rooms = [room] + [r for r in room.accommodation.rooms if r.id != room.id]
    search_from = max(start - dt.timedelta(days=days), now)
    search_to = end + dt.timedelta(days=days)
    candidates = []
    bound = for_user is not None and for_user.role not in EXEMPT_ROLES
    for rank, candidate_room in enumerate(rooms):
        if bound and length > dt.timedelta(minutes=candidate_room.max_booking_minutes):
            continue
        latest = now + dt.timedelta(days=candidate_room.max_days_ahead) if bound else search_to
        for free_start, free_end in availability(session, candidate_room, search_from, search_to):
            options = {free_start}
            # the same local time of day inside this free interval, if it fits
            local = start.astimezone(room.tz)
            same_time = dt.datetime.combine(free_start.astimezone(room.tz).date(), local.time(),
                                            tzinfo=room.tz).astimezone(dt.timezone.utc)
            options.add(same_time)
            options.add(free_end - length)
            for option in options:
                if free_start <= option and option + length <= free_end and now <= option <= latest:
                    candidates.append((abs(option - start), rank, option, candidate_room))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    result, seen = [], set()
    for _distance, _rank, option, candidate_room in candidates:
        key = (candidate_room.id, option)
        if key in seen or (candidate_room.id == room.id and option == start):
            continue
        seen.add(key)
        result.append({"room": candidate_room.key, "room_name": candidate_room.name,
                       "start": option, "end": option + length})
        if len(result) >= limit:
            break
    return result
