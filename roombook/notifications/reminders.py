"""The reminder of a day's dates: one mail per person and local day, the evening before at 18:00 or that
morning at 7:00 (the person's choice), listing the dates of that day not yet begun: the bookings they own and,
for a department's logins, the occurrences of their provider's offers. Only people with an account are reminded
(a provider's contact address without a login is told of changes, not reminded).

Exactly once: `remind` writes the unique (person, day) row in the same transaction as the outbox message. Two
schedulers racing, or a run repeated after a crash mid-way, meet the unique key and send nothing more.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, format_date, ngettext
from sqlalchemy.orm import Session

from roombook.booking.recurrence import to_utc
from roombook.i18n import language_of
from roombook.models import (
    Booking,
    MailSettings,
    Occurrence,
    Offer,
    OfferSession,
    ReminderSent,
    Room,
    User,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.people import Role
from roombook.notifications.confirming import mail_settings
from roombook.notifications.outbox import enqueue

EVENING, MORNING = "evening", "morning"
TIMES = (EVENING, MORNING)
EVENING_AT, MORNING_AT = dt.time(18, 0), dt.time(7, 0)


@dataclass
class Date:
    start: dt.datetime
    end: dt.datetime
    title: str
    room: Room


def day_due(reminder_time: str, now: dt.datetime, tz) -> dt.date | None:
    """The local day whose reminder is due at `now`: tomorrow from 18:00 on (evening), today from 7:00 on
    (morning); None before that."""
    local = now.astimezone(tz)
    if reminder_time == MORNING:
        return local.date() if local.time() >= MORNING_AT else None
    return local.date() + dt.timedelta(days=1) if local.time() >= EVENING_AT else None


def dates_of(session: Session, user: User, day: dt.date, tz, now: dt.datetime) -> list[Date]:
    """The person's dates on the local day that have not begun: own active bookings, and for a department
    login its provider's offer dates that take place."""
    start, end = to_utc(dt.datetime.combine(day, dt.time()), tz), \
        to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), tz)
    start = max(start, now)
    found = [Date(b.starts_at, b.ends_at, b.title, b.room) for b in session.scalars(
        sa.select(Booking).where(Booking.user_id == user.id, Booking.status == "active",
                                 Booking.starts_at >= start, Booking.starts_at < end))]
    if user.role == Role.DEPARTMENT and user.provider_id is not None:
        occurrences = session.execute(
            sa.select(Occurrence, Offer.title).join(Occurrence.offer_session).join(OfferSession.offer)
            .where(Offer.providers.any(id=user.provider_id), Occurrence.status != OccurrenceStatus.CANCELLED,
                   Occurrence.starts_at >= start, Occurrence.starts_at < end))
        found += [Date(o.starts_at, o.ends_at, title, o.room) for o, title in occurrences]
    return sorted(found, key=lambda d: (d.start, d.title))


def candidates(session: Session, now: dt.datetime, tz) -> list[tuple[int, dt.date]]:
    """(person, day) pairs whose reminder is due and not yet sent; `remind` decides the rest."""
    users = session.execute(
        sa.select(User.id, sa.func.coalesce(MailSettings.reminder_time, EVENING))
        .outerjoin(MailSettings, MailSettings.user_id == User.id)
        .where(User.active, sa.func.coalesce(MailSettings.reminders, sa.true()))).all()
    due = [(user_id, day) for user_id, reminder_time in users
           if (day := day_due(reminder_time, now, tz)) is not None]
    if not due:
        return []
    sent = set(session.execute(sa.select(ReminderSent.user_id, ReminderSent.day).where(
        ReminderSent.day.in_({day for _, day in due}))).all())
    return [pair for pair in due if pair not in sent]


def remind(session: Session, user_id: int, day: dt.date, now: dt.datetime, tz, *, base_url: str) -> bool:
    """Queue the person's reminder for the day if it has dates left; True when one was queued. The unique
    (person, day) row goes in with it: the caller's commit fails with an IntegrityError if another run sent it."""
    user = session.get(User, user_id)
    if user is None or not user.active or not mail_settings(session, user).reminders:
        return False
    dates = dates_of(session, user, day, tz, now)
    if not dates:
        return False
    row = ReminderSent(user_id=user.id, day=day)
    session.add(row)
    session.flush()  # the unique key meets a concurrent run here (PostgreSQL waits for its commit first)
    with force_locale(language_of(user)):
        subject = ngettext("Erinnerung: %(num)d Termin am %(day)s", "Erinnerung: %(num)d Termine am %(day)s",
                           len(dates), day=format_date(day, "EEEE, d. MMMM"))
        body = render_template("mail/reminder.txt", dates=dates, tz=tz, day=format_date(day, "EEEE, d. MMMM y"),
                               link=f"{base_url.rstrip('/')}/my/mail")
    message = enqueue(session, user.email, subject, body, kind="reminder")
    session.flush()
    row.message_id = message.id
    return True
