"""Read models for the pages: what happens in an accommodation's rooms, what a person booked, what a
department offers, and what residents may see. Plain functions over a session; no Flask imports.

Who may see whose details is decided here through `roombook.auth`'s `can_*` functions, so no
template has to know the rule: other people's bookings arrive as "belegt" with no title or name.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from roombook.auth import can_book, can_see_booking_details
from roombook.booking.availability import availability, opening_intervals
from roombook.booking.intervals import Interval
from roombook.booking.policy import EXEMPT_ROLES
from roombook.booking.recurrence import UTC, to_utc
from roombook.models import Accommodation, Booking, Closure, Occurrence, Offer, OfferSession, Provider, Room, User
from roombook.models.reservation import BookingStatus
from roombook.models.schedule import OccurrenceStatus

# Free gaps shorter than this are not offered for booking: nobody books ten minutes.
MIN_FREE = dt.timedelta(minutes=30)
# A free slot's booking link proposes this length (or less, when the gap or the room rule is shorter).
DEFAULT_BOOKING = dt.timedelta(hours=2)


@dataclass
class Entry:
    """One thing in a room's day, in local time. `title` is already what this viewer may see."""

    room: Room
    start: dt.datetime  # local
    end: dt.datetime  # local
    kind: str  # occurrence, booking, closure, free
    title: str
    category: str | None = None
    status: str = ""
    reason: str = ""
    mine: bool = False
    who: str = ""  # the booker's name, only for those allowed to see it
    guaranteed: bool = False
    accommodation: Accommodation | None = None

    @property
    def cancelled(self) -> bool:
        return self.status in (OccurrenceStatus.CANCELLED, BookingStatus.CANCELLED, BookingStatus.DISPLACED)


@dataclass
class RoomDay:
    room: Room
    opening: list[tuple[dt.time, dt.time]]
    entries: list[Entry]
    bookable: bool = False


@dataclass
class DayView:
    date: dt.date
    is_today: bool
    rooms: list[RoomDay]


@dataclass
class WeekView:
    place: Accommodation
    monday: dt.date
    days: list[DayView]

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=7)


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week that contains `day`."""
    return day - dt.timedelta(days=day.weekday())


def _span(tz, first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    return (to_utc(dt.datetime.combine(first, dt.time(0)), tz),
            to_utc(dt.datetime.combine(first + dt.timedelta(days=days), dt.time(0)), tz))


def _occurrences(session: Session, room_ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """The rooms' occurrences with their offers. The callers have the rooms (and their accommodation) loaded
    already, so `occurrence.room` comes from the session without a query; joining them again cost more."""
    return list(session.scalars(
        sa.select(Occurrence)
        .options(joinedload(Occurrence.offer_session).joinedload(OfferSession.offer))
        .where(Occurrence.room_id.in_(room_ids), Occurrence.starts_at < end, Occurrence.ends_at > start)
        .order_by(Occurrence.starts_at)))


def _closures(session: Session, room_ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Closure]:
    return list(session.scalars(
        sa.select(Closure)
        .where(Closure.room_id.in_(room_ids), Closure.starts_at < end, Closure.ends_at > start)))


def _occurrence_entry(occ: Occurrence, tz) -> Entry:
    offer = occ.offer_session.offer
    return Entry(occ.room, occ.starts_at.astimezone(tz), occ.ends_at.astimezone(tz), "occurrence", offer.title,
                 offer.category, occ.status, occ.reason, guaranteed=offer.guaranteed,
                 accommodation=offer.accommodation)


def _closure_entry(closure: Closure, tz) -> Entry:
    return Entry(closure.room, closure.starts_at.astimezone(tz), closure.ends_at.astimezone(tz), "closure",
                 closure.reason, None, closure.kind)


def _booking_entry(booking: Booking, tz, viewer: User | None) -> Entry:
    """Other people's bookings are 'belegt': no title, no name."""
    mine = viewer is not None and getattr(viewer, "is_authenticated", False) and booking.user_id == viewer.id
    if can_see_booking_details(viewer, booking):
        who = "" if mine or booking.user is None else (booking.user.display_name or booking.user.email)
        return Entry(booking.room, booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz), "booking",
                     booking.title, None, booking.status, mine=mine, who=who)
    return Entry(booking.room, booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz), "booking",
                 "belegt", None, booking.status)


def _on_day(entries: list[Entry], day: dt.date, tz) -> list[Entry]:
    """The entries that touch `day`, clipped to it (a closure over several days shows on each)."""
    day_start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    result = []
    for e in entries:
        if e.start < day_end and e.end > day_start:
            if e.start < day_start or e.end > day_end:
                e = Entry(**{**e.__dict__, "start": max(e.start, day_start), "end": min(e.end, day_end)})
            result.append(e)
    return sorted(result, key=lambda e: (e.start, e.end))


def _opening(week_open: list[Interval], day: dt.date, tz) -> list[tuple[dt.time, dt.time]]:
    """The local opening hours on `day`, cut from the room's opening intervals of the week."""
    start, end = _span(tz, day, 1)
    return [(max(s, start).astimezone(tz).time(), min(e, end).astimezone(tz).time())
            for s, e in week_open if s < end and e > start]


def week_view(session: Session, place: Accommodation, monday: dt.date, viewer: User | None = None,
              *, now: dt.datetime | None = None) -> WeekView:
    """The accommodation's week, room by room and day by day: opening hours, offers, bookings, closures,
    and (for those who may book) the free time from now on."""
    now = now or dt.datetime.now(UTC)
    tz = place.tz
    start, end = _span(tz, monday, 7)
    rooms = list(place.rooms)
    room_ids = [r.id for r in rooms]
    entries = [_occurrence_entry(o, tz) for o in _occurrences(session, room_ids, start, end)]
    entries += [_closure_entry(c, tz) for c in _closures(session, room_ids, start, end)]
    entries += [_booking_entry(b, tz, viewer) for b in session.scalars(
        sa.select(Booking).options(joinedload(Booking.user))
        .where(Booking.room_id.in_(room_ids), Booking.status == BookingStatus.ACTIVE,
               Booking.starts_at < end, Booking.ends_at > start))]
    bookable = {r.id: can_book(viewer, r) for r in rooms}
    for room in rooms:
        # free time is offered only where this viewer may book: from now on, within the room's horizon
        until = end if getattr(viewer, "role", None) in EXEMPT_ROLES \
            else min(end, now + dt.timedelta(days=room.max_days_ahead))
        if bookable[room.id] and until > max(start, now):
            for free_start, free_end in availability(session, room, max(start, _next_quarter(now)), until):
                if free_end - free_start >= MIN_FREE:
                    entries.append(Entry(room, free_start.astimezone(tz), free_end.astimezone(tz), "free", "frei"))
    today = now.astimezone(tz).date()
    week_open = {room.id: opening_intervals(room, start, end) for room in rooms}
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        todays = _on_day(entries, day, tz)
        days.append(DayView(day, day == today, [
            RoomDay(room, _opening(week_open[room.id], day, tz), [e for e in todays if e.room.id == room.id],
                    bookable[room.id])
            for room in rooms]))
    return WeekView(place, monday, days)


def _next_quarter(instant: dt.datetime) -> dt.datetime:
    """The next full quarter hour: free time is offered on the grid people think in."""
    floored = instant.replace(minute=instant.minute - instant.minute % 15, second=0, microsecond=0)
    return floored if floored == instant else floored + dt.timedelta(minutes=15)


def proposed_slot(entry: Entry) -> tuple[dt.datetime, dt.datetime]:
    """The slot a free gap's booking link proposes: from the gap's start, as long as rules and gap allow."""
    length = min(DEFAULT_BOOKING, dt.timedelta(minutes=entry.room.max_booking_minutes), entry.end - entry.start)
    return entry.start, entry.start + length


def accommodations(session: Session) -> list[Accommodation]:
    """Every accommodation with its rooms, by name (the start page)."""
    return list(session.scalars(sa.select(Accommodation).options(selectinload(Accommodation.rooms))
                                .order_by(Accommodation.name)))


def bookable_rooms(session: Session, user: User | None) -> list[Room]:
    """The rooms this user may book, by accommodation and name."""
    rooms = session.scalars(sa.select(Room).join(Room.accommodation).options(joinedload(Room.accommodation))
                            .order_by(Accommodation.name, Room.name))
    return [r for r in rooms if can_book(user, r)]


@dataclass
class MyBookings:
    upcoming: list[Booking] = field(default_factory=list)
    past: list[Booking] = field(default_factory=list)


def bookings_of(session: Session, user: User, *, now: dt.datetime | None = None, past_limit: int = 50) -> MyBookings:
    """The user's own bookings: active ones still to come, and the rest (past, cancelled, displaced)."""
    now = now or dt.datetime.now(UTC)
    options = (joinedload(Booking.room).joinedload(Room.accommodation),)
    upcoming = session.scalars(sa.select(Booking).options(*options).where(
        Booking.user_id == user.id, Booking.status == BookingStatus.ACTIVE, Booking.ends_at > now)
        .order_by(Booking.starts_at)).all()
    past = session.scalars(sa.select(Booking).options(*options).where(
        Booking.user_id == user.id, sa.or_(Booking.status != BookingStatus.ACTIVE, Booking.ends_at <= now))
        .order_by(Booking.starts_at.desc()).limit(past_limit)).all()
    return MyBookings(list(upcoming), list(past))


def provider_schedule(session: Session, provider: Provider, first: dt.date, tz: ZoneInfo,
                      days: int = 28) -> list[tuple[dt.date, list[Entry]]]:
    """A provider's dated sessions (e.g. a department's office hours) across all accommodations, day by day
    in the city's zone `tz`."""
    start, end = _span(tz, first, days)
    occurrences = session.scalars(
        sa.select(Occurrence).join(Occurrence.offer_session).join(OfferSession.offer)
        .options(joinedload(Occurrence.offer_session).joinedload(OfferSession.offer).joinedload(Offer.accommodation),
                 joinedload(Occurrence.room))
        .where(Occurrence.starts_at < end, Occurrence.ends_at > start,
               sa.or_(OfferSession.provider_id == provider.id, Offer.providers.any(Provider.id == provider.id)))
        .order_by(Occurrence.starts_at)).unique().all()
    entries = [_occurrence_entry(o, tz) for o in occurrences]
    result = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        todays = [e for e in entries if e.start.date() == day]
        if todays:
            result.append((day, todays))
    return result


def public_schedule(session: Session, place: Accommodation, monday: dt.date,
                    weeks: int = 2) -> list[tuple[dt.date, list[Entry]]]:
    """What residents may see: the offers (with cancellations) and closures, day by day. No bookings at
    all, so no volunteer's name or title can appear."""
    tz = place.tz
    start, end = _span(tz, monday, 7 * weeks)
    room_ids = [r.id for r in place.rooms]
    entries = [_occurrence_entry(o, tz) for o in _occurrences(session, room_ids, start, end)]
    entries += [_closure_entry(c, tz) for c in _closures(session, room_ids, start, end)]
    return [(day, _on_day(entries, day, tz))
            for day in (monday + dt.timedelta(days=n) for n in range(7 * weeks))]
