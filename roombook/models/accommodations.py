"""Accommodations and their bookable social rooms."""
from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from roombook.models.reservations import Booking, Closure


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    """Zones by name; `tz` is read many times per request (every local-time rule and display)."""
    return ZoneInfo(name)


class Accommodation(db.Model):
    """A municipal shared accommodation. `residents` is an aggregate number, never a list of people."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    residents: Mapped[int | None] = mapped_column(sa.CheckConstraint("residents >= 0", name="residents_positive"))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Berlin")
    # Where it is (WGS 84 degrees), for "near" in the free-slot search; unknown for some. No CHECK: a wrong
    # value misranks a search, it breaks no rule, and SQLite could add a checked column only by a rebuild.
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rooms: Mapped[list[Room]] = relationship(back_populates="accommodation", order_by="Room.id",
                                             cascade="all, delete-orphan")

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.timezone)

    def __repr__(self) -> str:
        return f"<Accommodation {self.key}>"


class Room(db.Model):
    """A bookable social room, with weekly opening windows and the booking rules its manager sets."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    accommodation_id: Mapped[int] = mapped_column(sa.ForeignKey("accommodation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int] = mapped_column(sa.CheckConstraint("capacity >= 1", name="capacity_positive"))
    features: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Weekly windows in the accommodation's local time: [{"day": "mon", "from": "08:00", "to": "20:00"}].
    open: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    max_booking_minutes: Mapped[int] = mapped_column(default=240)
    max_days_ahead: Mapped[int] = mapped_column(default=120)
    max_open_bookings: Mapped[int] = mapped_column(default=20)
    # Set for an alternative venue near the accommodation (a library, a community centre) that a room change
    # may move sessions to: how people get there. Never bookable by volunteers.
    venue_note: Mapped[str | None] = mapped_column(sa.String(300))
    # Name and venue note in the residents' further languages: {"uk": {"name": …, "venue_note": …}, …}.
    translations: Mapped[dict | None] = mapped_column(sa.JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Every rule about a room is in its accommodation's time zone: load them together.
    accommodation: Mapped[Accommodation] = relationship(back_populates="rooms", lazy="joined")
    closures: Mapped[list[Closure]] = relationship(back_populates="room", cascade="all, delete-orphan")
    bookings: Mapped[list[Booking]] = relationship(back_populates="room", cascade="all, delete-orphan")

    @property
    def tz(self) -> ZoneInfo:
        return self.accommodation.tz

    def __repr__(self) -> str:
        return f"<Room {self.key}>"


class RoomOpeningHours(db.Model):
    """A room's weekly opening windows from `valid_from` on, until the next row of the room.

    Written whenever a manager changes the hours (roombook.booking.rooms.update_room), so that a report on
    a past quarter counts the hours that were in force then. A room without rows has always had `Room.open`;
    the first change writes the hours it replaces from the start of the calendar, then the new ones.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    open: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)

    __table_args__ = (sa.UniqueConstraint("room_id", "valid_from", name="uq_room_opening_hours_start"),)
