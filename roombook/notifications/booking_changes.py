"""Telling a booking's owner that someone else changed or cancelled their dates (a manager, a coordinator):
one message per change, however many dates it covers, in the owner's language, through the outbox."""
from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from roombook.i18n import language_of, when
from roombook.models import Booking, OutboxMessage, User
from roombook.notifications import invitations
from roombook.notifications.outbox import enqueue


def tell_owner(session: Session, actor: User | None, dates: list[Booking], *, cancelled: bool,
               reason: str = "", before: dict[int, dt.datetime] | None = None) -> OutboxMessage | None:
    """The owner learns what changed when it was not their own doing; nobody is told of their own change.

    Invitations the owner holds for these dates are updated in the same mail (`before`: each date's start
    before the change, for the RECURRENCE-ID of a series' date that moved)."""
    if not dates:
        return None
    owner = dates[0].user
    if owner is None or not owner.active or not owner.email or (actor is not None and actor.id == owner.id):
        return None
    lines = [f"{when(d.starts_at, d.room.tz)}–{d.ends_at.astimezone(d.room.tz):%H:%M}, {d.room.name}: {d.title}"
             for d in dates]
    with force_locale(language_of(owner)):
        subject = (_("Abgesagt: %(title)s", title=dates[0].title) if cancelled
                   else _("Geändert: %(title)s", title=dates[0].title))
        body = render_template("mail/booking_changed.txt", cancelled=cancelled, lines=lines, reason=reason,
                               actor=actor.display_name or actor.email if actor is not None else "")
    updates = invitations.change_updates(session, owner.email,
                                         [(d, (before or {}).get(d.id, d.starts_at)) for d in dates])
    return enqueue(session, owner.email, subject, body, kind="booking_changed", calendars=updates or None)
