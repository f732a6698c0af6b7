"""Read models for the pages: what happens in an accommodation's rooms, what a person booked, what a
department offers, and what residents may see. Plain functions over a session; no Flask imports.

Who may see whose details is decided here through `roombook.access.permissions`'s `can_*` functions, so no
template has to know the rule: other people's bookings arrive as "belegt" with no title or name.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from roombook import clock
from roombook.access.permissions import can_book, can_see_booking_details
from roombook.booking.availability import availability, opening_intervals
from roombook.booking.intervals import Interval
from roombook.booking.policy import EXEMPT_ROLES
from roombook.booking.recurrence import to_utc
from roombook.models import (
    Accommodation,
    Booking,
    Closure,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
    User,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus

# Free gaps shorter than this are not offered for booking: nobody books ten minutes.
MIN_FREE = dt.timedelta(minutes=30)


class Proposal(NamedTuple):
    """What a free gap's booking link fills into the booking form: the local date (ISO) and times (HH:MM)."""

    date: str
    start: str
    end: str


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
    # What residents read of an offer or a public offer-booking (public_schedule fills them)
    description: str = ""
    translations: dict | None = None
    languages: list[str] = field(default_factory=list)
    audience: str | None = None
    contact: str = ""

    @property
    def cancelled(self) -> bool:
        return self.status in (OccurrenceStatus.CANCELLED, BookingStatus.CANCELLED, BookingStatus.DISPLACED)

    @property
    def hours(self) -> str:
        """'09:00–11:00' for an entry clipped to its day; one that runs to midnight ends at '24:00'."""
        return _hours(self.start, self.end)

    @property
    def proposal(self) -> Proposal:
        """A free gap's booking link: the slot `proposed_slot` proposes, as the booking form takes it."""
        start, end = proposed_slot(self)
        return Proposal(start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}")


@dataclass
class RoomDay:
    room: Room
    opening: list[tuple[dt.time, dt.time]]
    entries: list[Entry]
    bookable: bool = False

    @property
    def opening_hours(self) -> str:
        """'08:00–12:00, 14:00–20:00'; empty on a day the room is closed."""
        return ", ".join(_hours(opens, closes) for opens, closes in self.opening)


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


def _hours(start: dt.time | dt.datetime, end: dt.time | dt.datetime) -> str:
    """A span of local clock times as the pages show it; an end at midnight is the end of the day, '24:00'."""
    return f"{start:%H:%M}–{'24:00' if end.hour == 0 and end.minute == 0 else format(end, '%H:%M')}"


def _span(tz, first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    return (to_utc(dt.datetime.combine(first, dt.time(0)), tz),
            to_utc(dt.datetime.combine(first + dt.timedelta(days=days), dt.time(0)), tz))


def _offers_and_closures_statement() -> sa.CompoundSelect:
    """The rooms' occurrences (with their offer's title, category and guarantee), then their closures, in
    [:start, :end): one round trip of plain columns. The pages show a few fields of each; loading whole
    occurrences, slots and offers (with the offers' JSON columns) cost more than the rest of the week view."""
    rooms, start, end = sa.bindparam("rooms", expanding=True), sa.bindparam("start"), sa.bindparam("end")
    occurrences = (
        sa.select(sa.literal_column("0").label("part"), Occurrence.id, Occurrence.room_id, Occurrence.starts_at,
                  Occurrence.ends_at, Offer.title, Offer.category, Occurrence.status, Occurrence.reason,
                  Offer.guaranteed)
        .join(OfferSession, Occurrence.offer_session_id == OfferSession.id)
        .join(Offer, OfferSession.offer_id == Offer.id)
        .where(Occurrence.room_id.in_(rooms), Occurrence.starts_at < end, Occurrence.ends_at > start))
    closures = (
        sa.select(sa.literal_column("1"), Closure.id, Closure.room_id, Closure.starts_at, Closure.ends_at,
                  Closure.reason, sa.literal(None, sa.String), Closure.kind, sa.literal(""), sa.false())
        .where(Closure.room_id.in_(rooms), Closure.starts_at < end, Closure.ends_at > start))
    return sa.union_all(occurrences, closures).order_by("part", "starts_at", "id")


def _active_bookings_statement() -> sa.Select:
    """The rooms' active bookings in [:start, :end), with their bookers (whose name some viewers see)."""
    return (sa.select(Booking).options(joinedload(Booking.user))
            .where(Booking.room_id.in_(sa.bindparam("rooms", expanding=True)),
                   Booking.status == BookingStatus.ACTIVE,
                   Booking.starts_at < sa.bindparam("end"), Booking.ends_at > sa.bindparam("start")))


# Built once: the week view runs them on every request, and building them cost about as much as running them.
_OFFERS_AND_CLOSURES = _offers_and_closures_statement()
_ACTIVE_BOOKINGS = _active_bookings_statement()


def _offers_and_closures(session: Session, rooms: dict[int, Room], tz, start: dt.datetime,
                         end: dt.datetime) -> list[Entry]:
    """The rooms' occurrences and closures as entries, occurrences first, each part in time order."""
    entries = []
    for part, _id, room_id, starts_at, ends_at, title, category, status, reason, guaranteed in session.execute(
            _OFFERS_AND_CLOSURES, {"rooms": list(rooms), "start": start, "end": end}):
        if part == 0:
            entries.append(Entry(rooms[room_id], starts_at.astimezone(tz), ends_at.astimezone(tz), "occurrence",
                                 title, category, status, reason, guaranteed=guaranteed))
        else:
            entries.append(Entry(rooms[room_id], starts_at.astimezone(tz), ends_at.astimezone(tz), "closure",
                                 title, None, status))
    return entries


def _occurrence_entry(occ: Occurrence, tz) -> Entry:
    offer = occ.offer_session.offer
    return Entry(occ.room, occ.starts_at.astimezone(tz), occ.ends_at.astimezone(tz), "occurrence", offer.title,
                 offer.category, occ.status, occ.reason, guaranteed=offer.guaranteed,
                 accommodation=offer.accommodation)


def _booking_entry(booking: Booking, tz, viewer: User | None) -> Entry:
    """Other people's bookings are 'belegt': no title, no name; a public offer shows its title and kind."""
    mine = viewer is not None and getattr(viewer, "is_authenticated", False) and booking.user_id == viewer.id
    if can_see_booking_details(viewer, booking):
        who = "" if mine or booking.user is None else (booking.user.display_name or booking.user.email)
        return Entry(booking.room, booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz), "booking",
                     booking.title, None, booking.status, mine=mine, who=who)
    if booking.shown_to_residents:
        return Entry(booking.room, booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz), "booking",
                     booking.title, booking.category, booking.status)
    return Entry(booking.room, booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz), "booking",
                 "belegt", None, booking.status)


def _by_day(entry: Entry, first: dt.date, last: dt.date, tz) -> Iterator[tuple[dt.date, Entry]]:
    """The entry on each day from `first` to `last` that it touches, clipped to that day (a closure over
    several days shows on each)."""
    day = max(entry.start.date(), first)
    while day <= last:
        day_start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        if day_start >= entry.end:
            return
        day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        if entry.start < day_start or entry.end > day_end:
            yield day, dataclasses.replace(entry, start=max(entry.start, day_start), end=min(entry.end, day_end))
        else:
            yield day, entry
        day += dt.timedelta(days=1)


def _opening(week_open: list[Interval], day: dt.date, tz) -> list[tuple[dt.time, dt.time]]:
    """The local opening hours on `day`, cut from the room's opening intervals of the week."""
    start, end = _span(tz, day, 1)
    return [(max(s, start).astimezone(tz).time(), min(e, end).astimezone(tz).time())
            for s, e in week_open if s < end and e > start]


def week_view(session: Session, place: Accommodation, monday: dt.date, viewer: User | None = None,
              *, now: dt.datetime | None = None) -> WeekView:
    """The accommodation's week, room by room and day by day: opening hours, offers, bookings, closures,
    and (for those who may book) the free time from now on."""
    now = now or clock.now()
    tz = place.tz
    start, end = _span(tz, monday, 7)
    rooms = list(place.rooms)
    by_id = {r.id: r for r in rooms}
    entries = _offers_and_closures(session, by_id, tz, start, end)
    entries += [_booking_entry(b, tz, viewer) for b in session.scalars(
        _ACTIVE_BOOKINGS, {"rooms": list(by_id), "start": start, "end": end})]
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
    dates = [monday + dt.timedelta(days=offset) for offset in range(7)]
    # one pass over the entries, each into the (day, room) boxes it touches; each box in time order
    boxes: dict[tuple[dt.date, int], list[Entry]] = {(day, room.id): [] for day in dates for room in rooms}
    for entry in entries:
        for day, piece in _by_day(entry, dates[0], dates[-1], tz):
            boxes[day, entry.room.id].append(piece)
    days = [DayView(day, day == today, [
        RoomDay(room, _opening(week_open[room.id], day, tz),
                sorted(boxes[day, room.id], key=lambda e: (e.start, e.end)), bookable[room.id])
        for room in rooms]) for day in dates]
    return WeekView(place, monday, days)


def _next_quarter(instant: dt.datetime) -> dt.datetime:
    """The next full quarter hour: free time is offered on the grid people think in."""
    floored = instant.replace(minute=instant.minute - instant.minute % 15, second=0, microsecond=0)
    return floored if floored == instant else floored + dt.timedelta(minutes=15)


def proposed_slot(entry: Entry) -> tuple[dt.datetime, dt.datetime]:
    """The slot a free gap's booking link proposes: the gap itself, from its start to its end, as far as the
    room's longest booking reaches (a longer one would only be refused). A gap that runs to midnight ends
    at 23:45, the last time the form's end field can say on the gap's date."""
    end = min(entry.end, entry.start + dt.timedelta(minutes=entry.room.max_booking_minutes))
    if end.date() != entry.start.date():
        end = dt.datetime.combine(entry.start.date(), dt.time(23, 45), tzinfo=entry.start.tzinfo)
    return entry.start, max(end, entry.start)


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
    now = now or clock.now()
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


def _public_offers(session: Session, rooms: dict[int, Room], tz, start: dt.datetime,
                   end: dt.datetime) -> list[Entry]:
    """The rooms' occurrences with what residents read of their offers (description, translations)."""
    return [Entry(rooms[room_id], starts_at.astimezone(tz), ends_at.astimezone(tz), "occurrence", title, category,
                  status, reason, description=description or "", translations=translations)
            for room_id, starts_at, ends_at, title, category, status, reason, description, translations
            in session.execute(
                sa.select(Occurrence.room_id, Occurrence.starts_at, Occurrence.ends_at, Offer.title, Offer.category,
                          Occurrence.status, Occurrence.reason, Offer.description, Offer.translations)
                .join(OfferSession, Occurrence.offer_session_id == OfferSession.id)
                .join(Offer, OfferSession.offer_id == Offer.id)
                .where(Occurrence.room_id.in_(list(rooms)), Occurrence.starts_at < end, Occurrence.ends_at > start)
                .order_by(Occurrence.starts_at, Occurrence.id))]


def _public_closures(session: Session, rooms: dict[int, Room], tz, start: dt.datetime,
                     end: dt.datetime) -> list[Entry]:
    """Closures as residents see them: closed, without the reason (it may name a person or a use)."""
    return [Entry(rooms[room_id], starts_at.astimezone(tz), ends_at.astimezone(tz), "closure", "", None, kind)
            for room_id, starts_at, ends_at, kind in session.execute(
                sa.select(Closure.room_id, Closure.starts_at, Closure.ends_at, Closure.kind)
                .where(Closure.room_id.in_(list(rooms)), Closure.starts_at < end, Closure.ends_at > start)
                .order_by(Closure.starts_at, Closure.id))]


def _public_bookings(session: Session, rooms: dict[int, Room], tz, start: dt.datetime,
                     end: dt.datetime) -> list[Entry]:
    """The bookings that are public offers, not hidden by the house: title, kind and what their owners wrote for
    residents, never the owner's name. Every other booking stays out (it is only 'belegt' anyway)."""
    return [Entry(rooms[b.room_id], b.starts_at.astimezone(tz), b.ends_at.astimezone(tz), "booking", b.title,
                  b.category, b.status, description=b.description or "", translations=b.translations,
                  languages=list(b.languages or []), audience=b.audience, contact=b.public_contact or "")
            for b in session.scalars(
                sa.select(Booking).where(Booking.room_id.in_(list(rooms)), Booking.status == BookingStatus.ACTIVE,
                                         Booking.shown_to_residents, Booking.starts_at < end, Booking.ends_at > start)
                .order_by(Booking.starts_at, Booking.id))]


def public_schedule(session: Session, place: Accommodation, monday: dt.date,
                    weeks: int = 2) -> list[tuple[dt.date, list[Entry]]]:
    """What residents may see: the offers (with cancellations), the public offers of volunteers and
    departments, and closures, day by day. Plain bookings never appear, so no volunteer's name or
    private title can."""
    tz = place.tz
    start, end = _span(tz, monday, 7 * weeks)
    rooms = {r.id: r for r in place.rooms}
    entries = (_public_offers(session, rooms, tz, start, end) + _public_bookings(session, rooms, tz, start, end)
               + _public_closures(session, rooms, tz, start, end))
    dates = [monday + dt.timedelta(days=n) for n in range(7 * weeks)]
    boxes: dict[dt.date, list[Entry]] = {day: [] for day in dates}
    for entry in entries:
        for day, piece in _by_day(entry, dates[0], dates[-1], tz):
            boxes[day].append(piece)
    return [(day, sorted(boxes[day], key=lambda e: (e.start, e.end))) for day in dates]
