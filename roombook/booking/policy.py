"""The rules a facility manager sets per room: longest booking, how far ahead, open bookings per person."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook.booking.errors import PolicyViolation
from roombook.models import Booking, Room, User
from roombook.models.people import Role
from roombook.models.reservations import BookingStatus

# Staff plan the rooms; the per-person limits protect fairness among volunteers.
EXEMPT_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.FACILITY_MANAGER}


# Built once: every booking by a volunteer or a department counts, and a weekly series counts once however
# many dates it has (so a term-long group fits a limit meant against hoarding single slots). A one-off
# counts under its negated id, a series under its id: the two never meet.
# a one-off booking counts as itself, the dates of a series as one (negative ids keep the two apart)
_ONE_PER_SERIES = sa.case((Booking.series_id.is_(None), -Booking.id), else_=Booking.series_id)
_OPEN_BOOKINGS = sa.select(sa.func.count(sa.distinct(_ONE_PER_SERIES))).select_from(Booking).where(
    Booking.user_id == sa.bindparam("user"), Booking.room_id == sa.bindparam("room"),
    Booking.status == BookingStatus.ACTIVE, Booking.ends_at > sa.bindparam("now"))


def _open_bookings(session: Session, user: User, room: Room, now: dt.datetime) -> int:
    """How many one-off bookings and series of the user in the room have an active date not ended yet."""
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
        sa.select(Booking.room_id, sa.func.count(sa.distinct(_ONE_PER_SERIES))).where(
            Booking.user_id == user.id, Booking.room_id.in_(room_ids), Booking.status == BookingStatus.ACTIVE,
            Booking.ends_at > now).group_by(Booking.room_id)).all())


def open_bookings_limit_reached(room: Room) -> PolicyViolation:
    """Why a series is refused: the open bookings already held use up the limit (a series needs one)."""
    return PolicyViolation(
        _l("Die Höchstzahl ist erreicht: In %(room)s sind höchstens %(limit)s offene Buchungen je Person erlaubt.",
           room=room.name, limit=room.max_open_bookings), field="room")


def check_room_rules(session: Session, user: User | None, room: Room, start: dt.datetime, end: dt.datetime,
                     now: dt.datetime, *, new_bookings: int = 1) -> None:
    """Raise PolicyViolation when the booking breaks one of the room's rules for this user.

    `new_bookings` is how many bookings the request adds toward the open-booking limit; 0 leaves the
    limit to the caller (a weekly series counts once for all its weeks, a changed date not at all).
    """
    if user is None or user.role in EXEMPT_ROLES:
        return
    minutes = (end.timestamp() - start.timestamp()) / 60  # real minutes, also when the clocks change in between
    if minutes > room.max_booking_minutes:
        raise PolicyViolation(
            _l("In %(room)s sind Buchungen höchstens %(minutes)s Minuten lang.", room=room.name,
               minutes=room.max_booking_minutes), field="end")
    if start > now + dt.timedelta(days=room.max_days_ahead):
        raise PolicyViolation(
            _l("%(room)s kann höchstens %(days)s Tage im Voraus gebucht werden.", room=room.name,
               days=room.max_days_ahead), field="start")
    if not new_bookings:
        return
    open_count = _open_bookings(session, user, room, now)
    if open_count + new_bookings > room.max_open_bookings:
        raise PolicyViolation(
            _l("Sie haben schon %(count)s offene Buchungen in %(room)s (höchstens %(limit)s).", count=open_count,
               room=room.name, limit=room.max_open_bookings), field="room")
