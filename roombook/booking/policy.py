"""The rules a facility manager sets per room: longest booking, how far ahead, open bookings per person."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.booking.errors import PolicyViolation
from roombook.models import Booking, Room, User
from roombook.models.people import Role
from roombook.models.reservations import BookingStatus

# Staff plan the rooms; the per-person limits protect fairness among volunteers.
EXEMPT_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.FACILITY_MANAGER}


# Built once: every booking by a volunteer or a department counts.
_OPEN_BOOKINGS = sa.select(sa.func.count()).select_from(Booking).where(
    Booking.user_id == sa.bindparam("user"), Booking.room_id == sa.bindparam("room"),
    Booking.status == BookingStatus.ACTIVE, Booking.ends_at > sa.bindparam("now"))


def _open_bookings(session: Session, user: User, room: Room, now: dt.datetime) -> int:
    """How many active bookings of the user in the room have not ended yet."""
    return session.scalar(_OPEN_BOOKINGS, {"user": user.id, "room": room.id, "now": now})


def open_bookings_left(session: Session, user: User | None, room: Room, now: dt.datetime) -> int | None:
    """How many more open bookings the user may hold in the room; None when no limit applies to them."""
    if user is None or user.role in EXEMPT_ROLES:
        return None
    return max(room.max_open_bookings - _open_bookings(session, user, room, now), 0)


def open_bookings_by_room(session: Session, user: User, room_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """`_open_bookings` of the user for many rooms in one query (rooms without any are left out)."""
    if not room_ids:
        return {}
    return dict(session.execute(
        sa.select(Booking.room_id, sa.func.count()).where(
            Booking.user_id == user.id, Booking.room_id.in_(room_ids), Booking.status == BookingStatus.ACTIVE,
            Booking.ends_at > now).group_by(Booking.room_id)).all())


def open_bookings_limit_reached(room: Room) -> PolicyViolation:
    """Why a week of a series is refused: the open bookings held and the earlier weeks use up the limit."""
    return PolicyViolation(
        f"Die Höchstzahl ist erreicht: In {room.name} sind höchstens {room.max_open_bookings} offene Buchungen "
        f"je Person erlaubt. / The limit is reached: {room.name} allows at most {room.max_open_bookings} open "
        f"bookings per person.", field="room")


def check_room_rules(session: Session, user: User | None, room: Room, start: dt.datetime, end: dt.datetime,
                     now: dt.datetime, *, new_bookings: int = 1) -> None:
    """Raise PolicyViolation when the booking breaks one of the room's rules for this user.

    `new_bookings` is how many bookings the request adds toward the open-booking limit; 0 leaves the
    limit to the caller (a weekly series counts once for all its weeks).
    """
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
    if not new_bookings:
        return
    open_count = _open_bookings(session, user, room, now)
    if open_count + new_bookings > room.max_open_bookings:
        raise PolicyViolation(
            f"Sie haben schon {open_count} offene Buchungen in {room.name} (höchstens {room.max_open_bookings}). "
            f"/ You already hold {open_count} open bookings in {room.name} (at most {room.max_open_bookings}).",
            field="room")
