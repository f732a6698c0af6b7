"""Conflicts that a person decides."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.accommodations import Accommodation
from roombook.models.people import User


class Conflict(db.Model):
    """An open problem that a facility manager must decide, with the facts and alternatives attached."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))  # displaced_booking, closure_hit, slot_lost, requirement_unmet
    accommodation_id: Mapped[int] = mapped_column(sa.ForeignKey("accommodation.id", ondelete="CASCADE"),
                                                  index=True)
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id", ondelete="SET NULL"))
    occurrence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("occurrence.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(sa.Text)
    # Ranked alternatives: [{"room": key, "start": iso, "end": iso}].
    alternatives: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    resolution: Mapped[str | None] = mapped_column(sa.String(32))
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    accommodation: Mapped[Accommodation] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("status IN ('open','resolved')", name="status_known"),)
