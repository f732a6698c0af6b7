"""Read models for schedules: what happens in an accommodation's rooms in a given week."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from roombook.booking.recurrence import to_utc
from roombook.models import Accommodation, Booking, Closure, Occurrence, OfferSession, Room
from roombook.models.reservation import BookingStatus


@dataclass
class Entry:
    room: Room
    start: dt.datetime  # local
    end: dt.datetime  # local
    kind: str  # occurrence, booking, closure
    title: str
    category: str | None
    status: str
    reason: str = ""


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week that contains `day`."""
    return day - dt.timedelta(days=day.weekday())


def week_schedule(session: Session, place: Accommodation, monday: dt.date) -> list[tuple[dt.date, list[Entry]]]:
    """Each day of the week with its entries across the accommodation's rooms, in time order.

    Bookings appear as 'belegt': who booked, and what for, is not public.
    """
    tz = place.tz
    start = to_utc(dt.datetime.combine(monday, dt.time(0)), tz)
    end = to_utc(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0)), tz)
    room_ids = [r.id for r in place.rooms]
    entries: list[Entry] = []
    for occ in session.scalars(
        sa.select(Occurrence).options(joinedload(Occurrence.offer_session).joinedload(OfferSession.offer),
                                      joinedload(Occurrence.room))
        .where(Occurrence.room_id.in_(room_ids), Occurrence.starts_at < end, Occurrence.ends_at > start)):
        offer = occ.offer_session.offer
        entries.append(Entry(occ.room, occ.starts_at.astimezone(tz), occ.ends_at.astimezone(tz), "occurrence",
                             offer.title, offer.category, occ.status, occ.reason))
    for booking in session.scalars(
        sa.select(Booking).options(joinedload(Booking.room))
        .where(Booking.room_id.in_(room_ids), Booking.status == BookingStatus.ACTIVE,
               Booking.starts_at < end, Booking.ends_at > start)):
        entries.append(Entry(booking.room, booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz),
                             "booking", "belegt", None, booking.status))
    for closure in session.scalars(
        sa.select(Closure).options(joinedload(Closure.room))
        .where(Closure.room_id.in_(room_ids), Closure.starts_at < end, Closure.ends_at > start)):
        entries.append(Entry(closure.room, closure.starts_at.astimezone(tz), closure.ends_at.astimezone(tz),
                             "closure", closure.reason, None, closure.kind))
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        todays = [e for e in entries if e.start.date() <= day <= (e.end - dt.timedelta(microseconds=1)).date()]
        days.append((day, sorted(todays, key=lambda e: (e.start, e.room.id))))
    return days
