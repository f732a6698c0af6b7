"""Recurring offers, their weekly slots, the dated occurrences, and what each accommodation must get."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.coordination.categories import VALUES as CATEGORY_VALUES
from roombook.db import UTCDateTime, db, utcnow
from roombook.models.accommodations import Accommodation, Room
from roombook.models.people import Provider

_CATEGORY_CHECK = "category IN (" + ",".join(f"'{c}'" for c in CATEGORY_VALUES) + ")"

offer_provider = sa.Table(
    "offer_provider",
    db.metadata,
    sa.Column("offer_id", sa.ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("provider_id", sa.ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True),
)


class Offer(db.Model):
    """A recurring series: a course, office hours or counselling, with its needs and its weekly sessions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[str] = mapped_column(sa.String(32))
    accommodation_id: Mapped[int] = mapped_column(sa.ForeignKey("accommodation.id", ondelete="CASCADE"), index=True)
    duration_minutes: Mapped[int]
    sessions_per_week: Mapped[int] = mapped_column(default=1)
    participants: Mapped[int] = mapped_column(default=1)
    needs_features: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    allowed: Mapped[list[dict] | None] = mapped_column(sa.JSON)
    preferred: Mapped[list[dict] | None] = mapped_column(sa.JSON)
    pinned: Mapped[list[dict] | None] = mapped_column(sa.JSON)
    guaranteed: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Title and description in the residents' further languages: {"ar": {"title": …, "description": …}, …}.
    translations: Mapped[dict | None] = mapped_column(sa.JSON)

    accommodation: Mapped[Accommodation] = relationship()
    providers: Mapped[list[Provider]] = relationship(secondary=offer_provider, order_by="Provider.key")
    sessions: Mapped[list[OfferSession]] = relationship(back_populates="offer", cascade="all, delete-orphan",
                                                        order_by="(OfferSession.index, OfferSession.valid_from)")

    __table_args__ = (
        sa.CheckConstraint(sa.text(_CATEGORY_CHECK), name="category_known"),
        sa.CheckConstraint("duration_minutes > 0 AND duration_minutes <= 720", name="duration_sane"),
        sa.CheckConstraint("sessions_per_week BETWEEN 1 AND 7", name="sessions_sane"),
        sa.CheckConstraint("participants >= 1", name="participants_positive"),
    )

    def __repr__(self) -> str:
        return f"<Offer {self.key}>"


class OfferSession(db.Model):
    """One weekly slot of an offer (day, local start, room, leading provider) for a span of dates.

    Changing a slot mid-term ends the old row and starts a new one, so past weeks keep their time.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    index: Mapped[int]
    day: Mapped[str] = mapped_column(sa.String(3))
    start: Mapped[dt.time]
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id", ondelete="SET NULL"))
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    offer: Mapped[Offer] = relationship(back_populates="sessions")
    room: Mapped[Room] = relationship()
    provider: Mapped[Provider | None] = relationship()
    occurrences: Mapped[list[Occurrence]] = relationship(back_populates="offer_session", cascade="all, delete-orphan",
                                                         order_by="Occurrence.original_start")

    __table_args__ = (
        sa.CheckConstraint("day IN ('mon','tue','wed','thu','fri','sat','sun')", name="day_known"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="span_ordered"),
    )


class OccurrenceStatus:
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    MOVED = "moved"


class Occurrence(db.Model):
    """A dated instance of a weekly slot. `original_start` is the slot's own time (the iCal RECURRENCE-ID)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_session_id: Mapped[int] = mapped_column(sa.ForeignKey("offer_session.id", ondelete="CASCADE"))
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"), index=True)
    original_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(12), default=OccurrenceStatus.SCHEDULED)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    offer_session: Mapped[OfferSession] = relationship(back_populates="occurrences")
    room: Mapped[Room] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("offer_session_id", "original_start", name="uq_occurrence_slot"),
        sa.CheckConstraint("ends_at > starts_at", name="ordered"),
        sa.CheckConstraint("status IN ('scheduled','cancelled','moved')", name="status_known"),
        sa.Index("ix_occurrence_room_time", "room_id", "starts_at"),
    )

    @property
    def active(self) -> bool:
        return self.status != OccurrenceStatus.CANCELLED


class Requirement(db.Model):
    """The minimum weekly minutes of a category that an accommodation must get."""

    id: Mapped[int] = mapped_column(primary_key=True)
    accommodation_id: Mapped[int] = mapped_column(sa.ForeignKey("accommodation.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(sa.String(32))
    min_minutes_per_week: Mapped[int]

    accommodation: Mapped[Accommodation] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("accommodation_id", "category", name="uq_requirement_category"),
        sa.CheckConstraint(sa.text(_CATEGORY_CHECK), name="category_known"),
        sa.CheckConstraint("min_minutes_per_week >= 0", name="minutes_positive"),
    )
