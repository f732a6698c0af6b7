"""Confirmations people expect: a booking or weekly series made, a booking cancelled, each as a mail in the
recipient's language with a calendar invitation attached (roombook.notifications.invitations), and the
reminder of a day's dates. Built from templates under templates/mail/ and put in the outbox in the
caller's transaction, like every mail (roombook.notifications.outbox).

Confirmations and reminders are the person's to switch off (MailSettings); notices of changes are not
(roombook.changes.telling).
"""
from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook.access import audit
from roombook.i18n import language_of
from roombook.models import Booking, BookingSeries, MailSettings, OutboxMessage, User
from roombook.notifications import invitations
from roombook.notifications.outbox import enqueue, when


def mail_settings(session: Session, user: User) -> MailSettings:
    """The person's mail settings; the defaults (everything on, reminders in the evening) when never saved."""
    return session.get(MailSettings, user.id) or MailSettings(user_id=user.id, confirmations=True, reminders=True,
                                                              reminder_time="evening")


def _wants_confirmations(session: Session, user: User | None) -> bool:
    return user is not None and user.active and mail_settings(session, user).confirmations


def confirm_booked(session: Session, user: User | None, booked: list[Booking]) -> OutboxMessage | None:
    """Confirm what `user` just booked (one date, or the dates of one weekly series) with an invitation."""
    if not booked or not _wants_confirmations(session, user):
        return None
    booked = sorted(booked, key=lambda b: b.starts_at)
    first = booked[0]
    series = session.get(BookingSeries, first.series_id) if first.series_id else None
    if series is not None:
        event = invitations.series_event(series, booked)
        sequence = invitations.record(session, user.email, event.uid, invitations.REQUEST, series_id=series.id)
    else:
        event = invitations.booking_event(first)
        sequence = invitations.record(session, user.email, event.uid, invitations.REQUEST, booking_id=first.id)
    event.sequence = sequence
    ics = invitations.calendar_text(invitations.REQUEST, [event], attendee=user.email)
    tz = first.room.tz
    with force_locale(language_of(user)):
        subject = (ngettext("Gebucht: %(title)s, %(num)d Termin ab %(when)s",
                            "Gebucht: %(title)s, %(num)d Termine ab %(when)s", len(booked), title=first.title,
                            when=when(first.starts_at, tz)) if series is not None else
                   _("Gebucht: %(title)s am %(when)s", title=first.title, when=when(first.starts_at, tz)))
        body = render_template("mail/booking_confirmed.txt", user=user, booked=booked, series=series,
                               room=first.room, tz=tz, when=when)
    return enqueue(session, user.email, subject, body, kind="confirmation",
                   calendars=[{"method": invitations.REQUEST, "ics": ics}])


def confirm_cancelled(session: Session, cancelled: Booking | list[Booking]) -> OutboxMessage | None:
    """Tell a booking's owner their date (or the dates of one series cancelled at once) are cancelled: one mail,
    METHOD:CANCEL under the UID their invitation had (a series' dates by RECURRENCE-ID)."""
    dates = sorted(cancelled if isinstance(cancelled, list) else [cancelled], key=lambda b: b.starts_at)
    if not dates:
        return None
    booking = dates[0]
    owner = booking.user
    if not _wants_confirmations(session, owner):
        return None
    events = []
    for date in dates:
        event = invitations.date_event(session, date, cancelled=True)
        event.sequence = invitations.record(session, owner.email, event.uid, invitations.CANCEL,
                                            booking_id=None if event.recurrence_id else date.id,
                                            series_id=date.series_id if event.recurrence_id else None)
        events.append(event)
    ics = invitations.calendar_text(invitations.CANCEL, events, attendee=owner.email)
    tz = booking.room.tz
    with force_locale(language_of(owner)):
        subject = ngettext("Abgesagt: %(title)s am %(when)s", "Abgesagt: %(title)s, %(num)d Termine ab %(when)s",
                           len(dates), title=booking.title, when=when(booking.starts_at, tz))
        body = render_template("mail/booking_cancelled.txt", user=owner, booking=booking, dates=dates, tz=tz,
                               when=when)
    return enqueue(session, owner.email, subject, body, kind="confirmation",
                   calendars=[{"method": invitations.CANCEL, "ics": ics}])


def confirm_answer(session: Session, user: User, hits: list[tuple[Booking, dt.datetime]]) -> OutboxMessage | None:
    """After a volunteer's answer to a room change moved their held dates elsewhere or gave them up: the
    updates of the invitations they hold for those dates (hits: each booking with its start before the
    change). Nothing when they hold none or switched confirmations off."""
    return _send_updates(session, user, hits, _l("Ihre Antwort zur Raumänderung ist gespeichert"),
                         "mail/answer_confirmed.txt")


def confirm_changed(session: Session, user: User, hits: list[tuple[Booking, dt.datetime]]) -> OutboxMessage | None:
    """After a person changed their own dates (this one, the following or the whole series): the updates of
    the invitations they hold for them, so their calendar follows (hits as for confirm_answer)."""
    return _send_updates(session, user, hits, _l("Ihre Änderung ist gespeichert"), "mail/change_saved.txt")


def _send_updates(session: Session, user: User, hits: list[tuple[Booking, dt.datetime]], subject,
                  template: str) -> OutboxMessage | None:
    if not _wants_confirmations(session, user):
        return None
    updates = invitations.change_updates(session, user.email, hits)
    if not updates:
        return None
    with force_locale(language_of(user)):
        subject = str(subject)
        body = render_template(template, user=user, dates=[booking for booking, _start in hits], when=when)
    return enqueue(session, user.email, subject, body, kind="confirmation", calendars=updates)


def set_mail_settings(session: Session, user: User, *, confirmations: bool, reminders: bool,
                      reminder_time: str) -> None:
    """Switch the person's confirmations and reminders on or off and choose when reminders come."""
    if reminder_time not in ("evening", "morning"):
        raise ValueError(f"unknown reminder time {reminder_time!r}")
    settings = session.get(MailSettings, user.id)
    if settings is None:
        settings = MailSettings(user_id=user.id)
        session.add(settings)
    settings.confirmations, settings.reminders, settings.reminder_time = confirmations, reminders, reminder_time
    session.flush()
    audit.record(session, user, "user.mail_settings", user, confirmations=confirmations, reminders=reminders,
                 reminder_time=reminder_time)
