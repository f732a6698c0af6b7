"""What comes next for one person: the read models of the start page (roombook.web.start) for the roles that
use rooms themselves. A volunteer's next dates and weekly series; a department's next office hours and the
recent changes to them. Managers' and the coordinator's parts reuse the management home's and coverage's
read models (roombook.changes.pages, roombook.conflicts.decisions, roombook.coordination.coverage)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from roombook.models import (
    Booking,
    BookingSeries,
    Conflict,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus

RECENT = dt.timedelta(days=14)


def next_dates(session: Session, user_id: int, now: dt.datetime, *, limit: int = 5) -> list[Booking]:
    """The person's own active bookings not yet over, soonest first."""
    return list(session.scalars(
        sa.select(Booking).options(joinedload(Booking.room).joinedload(Room.accommodation))
        .where(Booking.user_id == user_id, Booking.status == BookingStatus.ACTIVE, Booking.ends_at > now)
        .order_by(Booking.starts_at, Booking.id).limit(limit)))


@dataclass
class SeriesLine:
    series: BookingSeries
    next: Booking | None  # the next date to come
    left: int             # active dates still to come


def series_of(session: Session, user_id: int, now: dt.datetime) -> list[SeriesLine]:
    """The person's weekly series that still have dates to come, with the next one."""
    rows = session.execute(
        sa.select(BookingSeries, sa.func.count(Booking.id), sa.func.min(Booking.starts_at))
        .join(Booking, Booking.series_id == BookingSeries.id)
        .where(BookingSeries.user_id == user_id, Booking.status == BookingStatus.ACTIVE, Booking.ends_at > now)
        .group_by(BookingSeries.id).order_by(sa.func.min(Booking.starts_at))).all()
    lines = []
    for series, left, first in rows:
        upcoming = session.scalar(sa.select(Booking).where(Booking.series_id == series.id,
                                                           Booking.status == BookingStatus.ACTIVE,
                                                           Booking.starts_at == first).limit(1))
        lines.append(SeriesLine(series, upcoming, left))
    return lines


def _provider_occurrences(provider_id: int):
    return (sa.select(Occurrence).join(Occurrence.offer_session).join(OfferSession.offer)
            .options(joinedload(Occurrence.offer_session).joinedload(OfferSession.offer)
                     .joinedload(Offer.accommodation), joinedload(Occurrence.room))
            .where(sa.or_(OfferSession.provider_id == provider_id,
                          Offer.providers.any(Provider.id == provider_id))))


def provider_next_dates(session: Session, provider_id: int, now: dt.datetime, *, limit: int = 5) -> list[Occurrence]:
    """A provider's (a department's) next sessions that take place, soonest first."""
    return list(session.scalars(_provider_occurrences(provider_id).where(
        Occurrence.ends_at > now, Occurrence.status != OccurrenceStatus.CANCELLED)
        .order_by(Occurrence.starts_at, Occurrence.id).limit(limit)).unique())


def provider_changes(session: Session, provider_id: int, now: dt.datetime, *, limit: int = 10) -> list[Occurrence]:
    """A provider's coming sessions that were moved or cancelled in the last two weeks (room changes,
    closures, decisions), latest change first."""
    return list(session.scalars(_provider_occurrences(provider_id).where(
        Occurrence.ends_at > now, Occurrence.sequence > 0, Occurrence.updated_at >= now - RECENT)
        .order_by(Occurrence.updated_at.desc(), Occurrence.id).limit(limit)).unique())


def open_displacements(session: Session, user_id: int) -> list[tuple[Conflict, Booking]]:
    """The person's bookings a closure or a plan displaced while the house has not decided: each with its
    conflict, whose page lets them take a free alternative themselves."""
    return list(session.execute(
        sa.select(Conflict, Booking).join(Booking, Conflict.booking_id == Booking.id)
        .options(joinedload(Booking.room).joinedload(Room.accommodation))
        .where(Booking.user_id == user_id, Conflict.kind == "displaced_booking", Conflict.status == "open")
        .order_by(Booking.starts_at, Conflict.id)).all())
