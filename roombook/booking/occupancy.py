"""Claiming and releasing a room's time: the rows the database's overlap guard watches."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.models import Booking, Occupancy, Occurrence, Room

# Built once: every booking writes one. inline(): no RETURNING of the new id, which nothing reads.
_INSERT = sa.insert(Occupancy.__table__).inline()


def lock_rooms(session: Session, room_ids) -> None:
    """Serialise every write that decides what a room holds: a closure, a booking, a change applied.

    On PostgreSQL a row lock on each room, taken in id order (so two writers never wait on each other in a
    circle) and held to the commit: a booking made while a closure is being written waits, then sees the
    closure and is refused with it named; a closure waits for a booking and then takes it along. The per-room
    open-booking limit is counted under the same lock. SQLite serialises all writers already (BEGIN IMMEDIATE).
    """
    ids = sorted(set(room_ids))
    if ids and session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(Room.id).where(Room.id.in_(ids)).order_by(Room.id).with_for_update())


def occupy_for_booking(session: Session, booking: Booking) -> None:
    """The booking's claim on its room, written at once (the booking must have its id); nothing is read back."""
    session.execute(_INSERT, {"room_id": booking.room_id, "starts_at": booking.starts_at,
                              "ends_at": booking.ends_at, "booking_id": booking.id})


def occupy_for_occurrence(session: Session, occurrence: Occurrence) -> None:
    session.add(Occupancy(room_id=occurrence.room_id, starts_at=occurrence.starts_at, ends_at=occurrence.ends_at,
                          occurrence_id=occurrence.id))


def release_booking(session: Session, booking: Booking) -> None:
    session.execute(sa.delete(Occupancy).where(Occupancy.booking_id == booking.id))


def release_occurrence(session: Session, occurrence: Occurrence) -> None:
    session.execute(sa.delete(Occupancy).where(Occupancy.occurrence_id == occurrence.id))
