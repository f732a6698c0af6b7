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
