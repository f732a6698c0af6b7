"""Telling people: mail goes into the outbox in the same transaction as the change it reports, and a
job sends it after commit with SMTP, retrying with exponential back-off. A message is only ever
marked sent after the SMTP server accepted it, so none is lost while the server is down; without
SMTP settings the messages stay in the outbox page for a person to read.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import ssl
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

import sqlalchemy as sa
from flask import Flask, render_template
from flask_babel import LazyString, force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from roombook import clock
from roombook.db import db, transaction
from roombook.i18n import day_name, language_of, stored_text, when
from roombook.models import (
    Booking,
    Conflict,
    Occurrence,
    Offer,
    OfferSession,
    OutboxMessage,
    Room,
    User,
)
from roombook.models.people import Role

log = logging.getLogger(__name__)

# Back-off after the n-th failed attempt: 1, 2, 4 … minutes, at most six hours; never given up.
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_RETRY = dt.timedelta(hours=6)
# A sender leases a message for this long before sending, so two processes never send it twice.
LEASE = dt.timedelta(minutes=10)
SETTINGS = ("HOST", "PORT", "USER", "PASSWORD", "FROM", "STARTTLS")


def enqueue(session: Session, recipient: str, subject: str, body: str, *, kind: str = "notice",
            calendars: list[dict] | None = None) -> OutboxMessage:
    """Put a message in the outbox; it is sent after the surrounding transaction commits. `calendars` are
    iTIP parts sent with it ([{"method", "ics"}], roombook.notifications.invitations)."""
    message = OutboxMessage(recipient=recipient, subject=one_line(subject)[:300], body=body, kind=kind,
                            next_attempt_at=clock.now(), calendars=calendars or None)
    session.add(message)
    return message


def one_line(text: str) -> str:
    """Text for a mail header. A subject is made of titles people typed, and a header cannot hold a line
    break (CR, LF, U+2028 …) or any other control character: each run of them and of spaces becomes one
    space. Other format characters go too, but the marks right-to-left text needs stay."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp", "Zs"):
            kept.append(" ")
        elif category != "Cf" or char in RTL_MARKS:
            kept.append(char)
    return " ".join("".join(kept).split())


# LRM, RLM, ZWNJ and ZWJ: a Persian or Arabic title needs them to read right.
RTL_MARKS = frozenset("\u200c\u200d\u200e\u200f")


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off: the wait after `attempts` failures."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


# --- what people are told -------------------------------------------------------------------------------



def _alternatives_text(session: Session, conflict: Conflict, room: Room) -> list[str]:
    rooms = {r.key: r for r in session.scalars(sa.select(Room).where(
        Room.key.in_([a["room"] for a in conflict.alternatives])))}
    lines = []
    for alt in conflict.alternatives:
        alt_room = rooms.get(alt["room"], room)
        start, end = dt.datetime.fromisoformat(alt["start"]), dt.datetime.fromisoformat(alt["end"])
        lines.append(f"{alt_room.name}: {when(start, alt_room.tz)} – {end.astimezone(alt_room.tz):%H:%M}")
    return lines


def notify_displaced(session: Session, conflict: Conflict, base_url: str) -> OutboxMessage | None:
    """Tell the owner of a displaced booking why, which alternatives there are, and where to take one."""
    booking = session.get(Booking, conflict.booking_id) if conflict.booking_id else None
    if booking is None or booking.user is None:
        return None
    owner, room = booking.user, booking.room
    with force_locale(language_of(owner)):
        alternatives = _alternatives_text(session, conflict, room)
        subject = _("Buchung kann nicht stattfinden: %(title)s", title=booking.title)
        body = render_template("mail/booking_displaced.txt", owner=owner, booking=booking, room=room,
                               when=when(booking.starts_at, room.tz),
                               reason=stored_text(booking.status_reason) or conflict.summary,
                               alternatives=alternatives, link=f"{base_url.rstrip('/')}/booking-changes/{conflict.id}")
    return enqueue(session, owner.email, subject, body, kind="booking_displaced")


def notify_decision(session: Session, conflict: Conflict, booking: Booking, new_booking: Booking | None) -> \
        OutboxMessage | None:
    """Tell a booking's owner what the manager decided about it."""
    if booking.user is None:
        return None
    owner, room = booking.user, booking.room
    with force_locale(language_of(owner)):
        if new_booking is not None:
            subject = _("Buchung verlegt: %(title)s", title=booking.title)
        elif booking.active:  # overridden, or given back when a new plan removed what displaced it
            subject = _("Buchung bleibt: %(title)s", title=booking.title)
        else:
            subject = _("Buchung abgesagt: %(title)s", title=booking.title)
        body = render_template("mail/booking_decision.txt", owner=owner, booking=booking, new_booking=new_booking,
                               when=when, tz=room.tz, note=stored_text(conflict.resolution_note))
    return enqueue(session, owner.email, subject, body, kind="booking_decision")


def notify_managers(session: Session, conflicts: list[Conflict], base_url: str, *, why: str | LazyString) -> int:
    """One message per facility manager whose accommodations got new conflicts."""
    sent = 0
    managers = session.scalars(sa.select(User).where(User.role == Role.FACILITY_MANAGER, User.active)).all()
    for manager in managers:
        mine = [c for c in conflicts if any(a.id == c.accommodation_id for a in manager.accommodations)]
        if not mine:
            continue
        with force_locale(language_of(manager)):
            subject = ngettext("%(num)d neuer Konflikt", "%(num)d neue Konflikte", len(mine))
            body = render_template("mail/new_conflicts.txt", why=why, conflicts=mine,
                                   link=f"{base_url.rstrip('/')}/manage/conflicts")
        enqueue(session, manager.email, subject, body, kind="conflicts")
        sent += 1
    return sent


def notify_new_conflicts(session: Session, conflicts: list[Conflict], base_url: str, *,
                         why: str | LazyString) -> None:
    """Everyone affected by newly opened conflicts: booking owners, and the houses' managers."""
    session.flush()
    for conflict in conflicts:
        if conflict.kind == "displaced_booking":
            notify_displaced(session, conflict, base_url)
    notify_managers(session, conflicts, base_url, why=why)


@contextmanager
def collecting_conflicts(session: Session) -> Iterator[list[Conflict]]:
    """Collect the conflicts that the block opens (the booking engine opens them deep inside)."""
    found: list[Conflict] = []

    def _added(_session, instance):
        if isinstance(instance, Conflict):
            found.append(instance)

    target = session() if callable(session) and not isinstance(session, Session) else session
    sa.event.listen(target, "transient_to_pending", _added)
    try:
        yield found
    finally:
        sa.event.remove(target, "transient_to_pending", _added)


# --- the weekly department digest -------------------------------------------------------------------------

def department_digest(session: Session, user: User, since: dt.datetime, until: dt.datetime) -> str | None:
    """The changes to a department's office hours in [since, until), as the mail's text in the person's
    language; None when nothing changed."""
    if user.provider_id is None:
        return None
    offers = session.scalars(sa.select(Offer).where(Offer.providers.any(id=user.provider_id))
                             .order_by(Offer.title)).all()
    slots, dates = [], []
    for offer in offers:
        slots += [(offer, slot) for slot in session.scalars(sa.select(OfferSession).where(
            OfferSession.offer_id == offer.id, OfferSession.updated_at >= since, OfferSession.updated_at < until))]
        dates += [(offer, occ) for occ in session.scalars(sa.select(Occurrence).join(Occurrence.offer_session).where(
            OfferSession.offer_id == offer.id, Occurrence.updated_at >= since, Occurrence.updated_at < until,
            Occurrence.sequence > 0).order_by(Occurrence.starts_at))]
    if not slots and not dates:
        return None
    with force_locale(language_of(user)):
        return render_template("mail/department_digest.txt", since=since, until=until, slots=slots, dates=dates,
                               when=when, day_name=day_name, stored_text=stored_text)


def enqueue_department_digests(session: Session, now: dt.datetime | None = None) -> int:
    """Weekly: each department login gets the changes of the past seven days to its office hours."""
    now = now or clock.now()
    since = now - dt.timedelta(days=7)
    count = 0
    for user in session.scalars(sa.select(User).where(User.role == Role.DEPARTMENT, User.active)):
        body = department_digest(session, user, since, now)
        if body:
            with force_locale(language_of(user)):
                subject = _("Wochenübersicht: Änderungen an Ihren Sprechstunden")
            enqueue(session, user.email, subject, body, kind="digest")
            count += 1
    return count


# --- sending ---------------------------------------------------------------------------------------------

@dataclass
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    sender: str
    starttls: bool


def smtp_settings(app: Flask) -> SmtpSettings | None:
    """ROOMBOOK_SMTP_* from the app config or the environment; None when no host is set."""
    values = {name: app.config.get(f"ROOMBOOK_SMTP_{name}", os.environ.get(f"ROOMBOOK_SMTP_{name}", ""))
              for name in SETTINGS}
    if not values["HOST"]:
        return None
    return SmtpSettings(host=str(values["HOST"]), port=int(values["PORT"] or 25), user=str(values["USER"]),
                        password=str(values["PASSWORD"]), sender=str(values["FROM"] or "roombook@localhost"),
                        starttls=str(values["STARTTLS"]).lower() in ("1", "true", "yes", "on"))


def _lease_due(now: dt.datetime, limit: int) -> list[int]:
    """Claim due messages for this sender: each is leased by moving its next attempt past the lease."""
    with transaction():
        due = db.session.scalars(sa.select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
        claimed = []
        for message_id in due:
            result = db.session.execute(sa.update(OutboxMessage).where(
                OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= now).values(next_attempt_at=now + LEASE))
            if result.rowcount == 1:
                claimed.append(message_id)
    return claimed


def _record(message_id: int, *, now: dt.datetime, error: str | None) -> None:
    with transaction():
        message = db.session.get(OutboxMessage, message_id)
        message.attempts += 1
        if error is None:
            message.sent_at = now
            message.last_error = ""
        else:
            message.last_error = error[:1000]
            message.next_attempt_at = now + retry_delay(message.attempts)


def send_pending(app: Flask, *, now: dt.datetime | None = None, limit: int = 100) -> dict:
    """Send the due messages of the outbox; returns counts {sent, failed, waiting}. Never deletes one."""
    with app.app_context():
        settings = smtp_settings(app)
        if settings is None:
            waiting = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.sent_at.is_(None)))
            return {"sent": 0, "failed": 0, "waiting": waiting}
        now = now or clock.now()
        claimed = _lease_due(now, limit)
        sent = failed = 0
        smtp = None
        try:
            for message_id in claimed:
                try:
                    email = _build(settings, db.session.get(OutboxMessage, message_id))
                except Exception as exc:  # noqa: BLE001 — whatever it is, it is this message's and blocks no other
                    db.session.rollback()
                    log.warning("outbox: message %d cannot be built: %s", message_id, exc)
                    _record(message_id, now=now, error=f"{UNBUILDABLE}: {type(exc).__name__}: {exc}")
                    failed += 1
                    continue
                db.session.rollback()  # end the read; the send happens outside any transaction
                try:
                    if smtp is None:
                        smtp = _connect(settings)
                    smtp.send_message(email)
                except (OSError, smtplib.SMTPException) as exc:
                    _record(message_id, now=now, error=f"{type(exc).__name__}: {exc}")
                    failed += 1
                    if smtp is not None and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                        _quit(smtp)
                        smtp = None
                    continue
                _record(message_id, now=now, error=None)
                sent += 1
        finally:
            if smtp is not None:
                _quit(smtp)
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.sent_at.is_(None)))
        db.session.rollback()
        if failed:
            log.warning("outbox: %d sent, %d failed and will be retried", sent, failed)
        return {"sent": sent, "failed": failed, "waiting": waiting}


# A message that cannot be built (a header with a line break, from before subjects were made one line,
# or a broken address) is recorded as failed with this reason and retried with back-off like any failure,
# so the messages behind it go out and the outbox page says why it did not.
UNBUILDABLE = "cannot be built as an e-mail"


def _build(settings: SmtpSettings, message: OutboxMessage) -> EmailMessage:
    """The e-mail of an outbox message, rendered once here so that a header that cannot be written fails
    this message before any sending starts."""
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = settings.sender, message.recipient, message.subject
    email.set_content(message.body)
    for n, part in enumerate(message.calendars or []):
        # text/calendar with its iTIP method: mail programs offer it as an invitation to accept or update
        email.add_attachment(part["ics"], subtype="calendar", params={"method": part["method"]},
                             filename=f"invite{n + 1 if n else ''}.ics")
    email.as_bytes(policy=SMTP)
    return email


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=20)
    if settings.starttls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def outbox(session: Session, *, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages first, unsent ones on top."""
    return list(session.scalars(sa.select(OutboxMessage).order_by(
        OutboxMessage.sent_at.is_not(None), OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))

