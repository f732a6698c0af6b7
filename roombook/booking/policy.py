"""The rules a facility manager sets per room: longest booking, how far ahead, open bookings per person."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.booking.errors import PolicyViolation
from roombook.models import Booking, Room, User
from roombook.models.people import Role
from roombook.models.reservation import BookingStatus

# Staff plan the rooms; the per-person limits protect fairness among volunteers.
EXEMPT_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.FACILITY_MANAGER}


def check_room_rules(session: Session, user: User | None, room: Room, start: dt.datetime, end: dt.datetime,
                     now: dt.datetime, *, new_bookings: int = 1) -> None:
    """Raise PolicyViolation when the booking breaks one of the room's rules for this user."""
    if user is None or user.role in EXEMPT_ROLES:
        return
    minutes = (end.timestamp() - start.timestamp()) / 60  # real minutes, also when the clocks change in between
    if minutes > room.max_booking_minutes:
        raise PolicyViolation(
            f"In {room.name} sind Buchungen höchstens {room.max_booking_minutes} Minuten lang. "
            f"/ Bookings in {room.name} last at most {room.max_booking_minutes} minutes.", field="end")
    if start > now + dt.timedelta(days=room.max_days_ahead):
        raise PolicyViolation(
            f"{room.name} kann höchstens {room.max_days_ahead} Tage im Voraus gebucht werden. "
            f"/ {room.name} can be booked at most {room.max_days_ahead} days ahead.", field="start")
    open_count = session.scalar(
        sa.select(sa.func.count()).select_from(Booking).where(
            Booking.user_id == user.id, Booking.room_id == room.id,
            Booking.status == BookingStatus.ACTIVE, Booking.ends_at > now))
    if open_count + new_bookings > room.max_open_bookings:
        raise PolicyViolation(
            f"Sie haben schon {open_count} offene Buchungen in {room.name} (höchstens {room.max_open_bookings}). "
            f"/ You already hold {open_count} open bookings in {room.name} (at most {room.max_open_bookings}).",
            field="room")
