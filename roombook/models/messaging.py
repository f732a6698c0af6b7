"""The outbox: mail is written in the same transaction as the change it reports, and sent after commit
by a job that retries with back-off, so no message is lost while the SMTP server is down."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from roombook.db import UTCDateTime, db, utcnow


class OutboxMessage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(32), default="notice")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # The room change this message tells of, so its page can show who was told (no foreign key: an ADD
    # COLUMN with one cannot be named on SQLite, and a message outlives nothing it refers to).
    change_id: Mapped[int | None] = mapped_column(index=True)
    # Calendar parts sent with the text, [{"method": "REQUEST"|"CANCEL", "ics": text}]: invitations and
    # their updates (roombook.notifications.invitations).
    calendars: Mapped[list[dict] | None] = mapped_column(sa.JSON)


class CalendarInvitation(db.Model):
    """What a recipient was sent as an invitation: one row per address and UID, with the SEQUENCE of the
    last message, so that a later change or cancellation updates the same event in their calendar."""

    __tablename__ = "calendar_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))  # lower-cased address
    uid: Mapped[str] = mapped_column(sa.String(200))
    sequence: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(sa.String(8), default="REQUEST")  # the last one sent
    # what the UID names: one booking, or a weekly series (no foreign keys: an invitation outlives both)
    booking_id: Mapped[int | None] = mapped_column(index=True)
    series_id: Mapped[int | None] = mapped_column(index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("recipient", "uid", name="uq_calendar_invitation_recipient_uid"),)


class MailSettings(db.Model):
    """Which mails a person gets besides the notices of changes (those cannot be switched off): confirmations
    with their calendar invitation, and the reminder of a day's dates, the evening before at 18:00 or that
    morning at 7:00. No row means the defaults: both on, in the evening. A table of its own rather than
    columns of `user`, whose SQLite table a dozen others refer to."""

    __tablename__ = "mail_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    confirmations: Mapped[bool] = mapped_column(default=True)
    reminders: Mapped[bool] = mapped_column(default=True)
    reminder_time: Mapped[str] = mapped_column(sa.String(8), default="evening")

    __table_args__ = (sa.CheckConstraint("reminder_time IN ('evening','morning')", name="reminder_time_known"),)


class ReminderSent(db.Model):
    """The one reminder a person gets for a local day: the unique row is written in the same transaction
    as its outbox message, so two schedulers, or a run after a crash, never send a second."""

    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    message_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "day", name="uq_reminder_sent_user_day"),)
