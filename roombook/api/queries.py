"""What each user may list through the API, as SQL selects (no Flask here). Loaders for single
objects live in `access`; both apply the same role and accommodation scoping as the pages."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from roombook.models import (
    Accommodation,
    Booking,
    Occurrence,
    Offer,
    OfferSession,
    Room,
    User,
)
from roombook.models.people import Role


def accommodations() -> sa.Select:
    """Accommodations, their rooms, offers and schedules are public (the week pages show them to all)."""
    return sa.select(Accommodation).order_by(Accommodation.id)


def rooms(accommodation_id: int | None = None) -> sa.Select:
    query = sa.select(Room).options(joinedload(Room.accommodation)).order_by(Room.id)
    if accommodation_id is not None:
        query = query.where(Room.accommodation_id == accommodation_id)
    return query


def offers(accommodation_id: int | None = None) -> sa.Select:
    query = sa.select(Offer).order_by(Offer.id)
    if accommodation_id is not None:
        query = query.where(Offer.accommodation_id == accommodation_id)
    return query


def occurrences(start: dt.datetime, end: dt.datetime, *, room_id: int | None = None,
                accommodation_id: int | None = None) -> sa.Select:
    query = (sa.select(Occurrence)
             .options(joinedload(Occurrence.offer_session).joinedload(OfferSession.offer),
                      joinedload(Occurrence.room).joinedload(Room.accommodation))
             .where(Occurrence.starts_at < end, Occurrence.ends_at > start)
             .order_by(Occurrence.starts_at, Occurrence.id))
    if room_id is not None:
        query = query.where(Occurrence.room_id == room_id)
    if accommodation_id is not None:
        query = query.join(Room, Occurrence.room_id == Room.id).where(Room.accommodation_id == accommodation_id)
    return query


def visible_bookings(user: User, *, room_id: int | None = None, accommodation_id: int | None = None,
                     start: dt.datetime | None = None, end: dt.datetime | None = None) -> sa.Select:
    """Bookings whose details the user may see: their own, and all in the accommodations they manage."""
    query = (sa.select(Booking).join(Room, Booking.room_id == Room.id)
             .options(joinedload(Booking.room).joinedload(Room.accommodation))
             .order_by(Booking.starts_at, Booking.id))
    if user.role == Role.FACILITY_MANAGER:
        managed = [a.id for a in user.accommodations]
        query = query.where(sa.or_(Booking.user_id == user.id, Room.accommodation_id.in_(managed)))
    elif user.role not in (Role.ADMIN, Role.COORDINATOR):
        query = query.where(Booking.user_id == user.id)
    if room_id is not None:
        query = query.where(Booking.room_id == room_id)
    if accommodation_id is not None:
        query = query.where(Room.accommodation_id == accommodation_id)
    if start is not None:
        query = query.where(Booking.ends_at > start)
    if end is not None:
        query = query.where(Booking.starts_at < end)
    return query
