"""The accommodation's managers and the public offers booked in their rooms: which there are, and hiding one
from the residents with a reason its owner is told (once, by mail in their language, and in "My bookings").

A hidden offer stays booked: the room is still the owner's, only residents no longer see it (the pages,
the poster and the public feeds show it as 'belegt', like any booking).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session, joinedload

from roombook import clock
from roombook.access import audit
from roombook.i18n import language_of
from roombook.models import Accommodation, Booking, OutboxMessage, Room, User
from roombook.models.reservations import BookingStatus
from roombook.notifications.outbox import enqueue

MAX_REASON = 300


class HideRefused(ValueError):
    """The hiding cannot be done as asked; `field` names the input at fault."""

    def __init__(self, message, field: str = "reason"):
        super().__init__(str(message))
        self.message = message
        self.field = field


def public_offers(session: Session, place: Accommodation, *, now: dt.datetime | None = None) -> list[Booking]:
    """The accommodation's public offer-bookings that have not ended, hidden ones included, by start."""
    now = now or clock.now()
    return list(session.scalars(
        sa.select(Booking).join(Room, Room.id == Booking.room_id)
        .options(joinedload(Booking.user), joinedload(Booking.room))
        .where(Room.accommodation_id == place.id, Booking.public.is_(True), Booking.status == BookingStatus.ACTIVE,
               Booking.ends_at > now)
        .order_by(Booking.starts_at, Booking.id)))


def hide_public_offer(session: Session, actor: User | None, booking: Booking, reason: str, *,
                      now: dt.datetime | None = None, base_url: str = "") -> list[Booking]:
    """Hide the public offer from the residents: this date and, of a weekly booking, its later dates not yet
    begun. Returns the dates newly hidden; their owner gets one mail about them. Dates already hidden stay as
    they are, so hiding twice tells the owner once."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise HideRefused(_("Bitte einen Grund angeben; er wird der Person mitgeteilt, die gebucht hat."))
    if len(reason) > MAX_REASON:
        raise HideRefused(_("Höchstens %(max)d Zeichen.", max=MAX_REASON))
    if not booking.public or not booking.active:
        raise HideRefused(_("Diese Buchung ist kein öffentliches Angebot."), "booking")
    dates = [booking]
    if booking.series_id is not None:
        dates += session.scalars(sa.select(Booking).where(
            Booking.series_id == booking.series_id, Booking.id != booking.id, Booking.starts_at > booking.starts_at,
            Booking.starts_at > now, Booking.status == BookingStatus.ACTIVE, Booking.public.is_(True))
            .order_by(Booking.starts_at)).all()
    hidden = [b for b in dates if b.hidden_at is None]
    for b in hidden:
        b.hidden_at = now
        b.hidden_reason = reason
        b.sequence += 1  # calendar clients replace the event they hold ('belegt' from now on)
    session.flush()
    if hidden:
        audit.record(session, actor, "booking.hidden", booking, reason=reason, dates=len(hidden))
        tell_owner(session, hidden, reason, base_url=base_url)
    return hidden


def tell_owner(session: Session, hidden: list[Booking], reason: str, *, base_url: str = "") -> OutboxMessage | None:
    """One mail to the owner of the hidden dates, in their language (German or English), through the outbox."""
    owner = hidden[0].user
    if owner is None or not owner.active:
        return None
    room = hidden[0].room
    tz = room.tz
    with force_locale(language_of(owner)):
        subject = _("Ihr Angebot „%(title)s“ ist für Bewohner ausgeblendet", title=hidden[0].title)
        body = render_template("mail/offer_hidden.txt", owner=owner, title=hidden[0].title, room=room,
                               dates=[b.starts_at.astimezone(tz) for b in hidden], reason=reason,
                               link=f"{base_url.rstrip('/')}/my/bookings" if base_url else "")
    return enqueue(session, owner.email, subject, body, kind="offer_hidden")
