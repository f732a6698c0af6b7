"""One-off bookings, closures, and the occupancy table on which the database refuses double bookings."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.coordination.categories import VALUES as CATEGORY_VALUES
from roombook.db import UTCDateTime, db, utcnow
from roombook.models.accommodations import Room
from roombook.models.people import User

# Whom an offer is for (roombook.booking.offer_details names them for people).
AUDIENCES = ("everyone", "women", "men", "children", "youth", "families", "seniors")
CATEGORY_CHECK = "category IN (" + ",".join(f"'{c}'" for c in CATEGORY_VALUES) + ")"
AUDIENCE_CHECK = "audience IN (" + ",".join(f"'{a}'" for a in AUDIENCES) + ")"


class BookingStatus:
    ACTIVE = "active"
    CANCELLED = "cancelled"
    DISPLACED = "displaced"


class Booking(db.Model):
    """A one-off reservation of a room. Weekly bookings are several rows sharing a `series`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(sa.String(200))
    displaceable: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=BookingStatus.ACTIVE)
    status_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    series: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    # The weekly series this date belongs to. No database foreign key: adding one to `booking` on SQLite means
    # rebuilding the table that occupancy rows cascade from; a series row goes only with its room, and so do
    # its bookings.
    series_id: Mapped[int | None] = mapped_column(index=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)
    # An offer for residents (roombook.booking.offer_details checks them all): kind, languages spoken, whom it is
    # for, what it is, how many may come, and whether the residents' pages, poster and public feeds show it.
    category: Mapped[str | None] = mapped_column(sa.String(32))
    languages: Mapped[list[str] | None] = mapped_column(sa.JSON)
    audience: Mapped[str | None] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    participants: Mapped[int | None]
    public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The only personal detail residents may see, typed by the booking's owner for that purpose.
    public_contact: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Set when the accommodation's managers hid a public offer from the residents (the owner is told why).
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(300))
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Title and description in further languages: {"ar": {"title": …, "description": …}, …}.
    translations: Mapped[dict | None] = mapped_column(sa.JSON)

    room: Mapped[Room] = relationship(back_populates="bookings")
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ordered"),
        sa.CheckConstraint("status IN ('active','cancelled','displaced')", name="status_known"),
        sa.CheckConstraint(sa.text(CATEGORY_CHECK), name="category_known"),
        sa.CheckConstraint(sa.text(AUDIENCE_CHECK), name="audience_known"),
        sa.CheckConstraint("participants >= 1", name="participants_positive"),
    )

    @property
    def active(self) -> bool:
        return self.status == BookingStatus.ACTIVE

    @hybrid_property
    def shown_to_residents(self) -> bool:
        """A public offer (it has a kind) that its managers have not hidden: residents see its title and
        details. The one rule for pages, poster and feeds, in Python and as SQL."""
        return self.public and self.hidden_at is None and self.category is not None

    @shown_to_residents.inplace.expression
    @classmethod
    def _shown_to_residents(cls):
        return sa.and_(cls.public.is_(True), cls.hidden_at.is_(None), cls.category.is_not(None))


class ClosurePurpose:
    """Why a person closed a room (a public holiday's closure has kind 'holiday' instead)."""

    MAINTENANCE = "maintenance"
    OTHER_USE = "other_use"  # the administration uses the room for something else
    HOLIDAY = "holiday"      # a local day off the public holidays do not cover
    OTHER = "other"
    ALL = (MAINTENANCE, OTHER_USE, HOLIDAY, OTHER)


# An open-ended closure ("bis auf Weiteres", a reassignment from a date on) ends here. A far end rather than a
# NULL one: every overlap test in Python and SQL (`starts_at < end AND ends_at > start`) and the CHECK below
# then keep treating the room as closed, with no query needing to know that an end may be missing. Far enough
# that nothing is ever planned past it, near enough that adding a few days stays a valid datetime.
OPEN_END = dt.datetime(9000, 1, 1, tzinfo=dt.timezone.utc)


def is_open_end(end: dt.datetime | None) -> bool:
    """Whether an end is the open one (None, as the API and forms say it, or the stored far end)."""
    return end is None or end >= OPEN_END


class Closure(db.Model):
    """A span in which a room cannot be used: maintenance, another use, or a public holiday; open-ended (a
    reassignment "until further notice") when it ends at OPEN_END."""

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[str] = mapped_column(sa.String(12), default="closure")
    purpose: Mapped[str] = mapped_column(sa.String(12), default=ClosurePurpose.OTHER)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room] = relationship(back_populates="closures")

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ordered"),
        sa.CheckConstraint("kind IN ('closure','holiday')", name="kind_known"),
        sa.CheckConstraint("purpose IN ('maintenance','other_use','holiday','other')", name="purpose_known"),
        sa.UniqueConstraint("room_id", "starts_at", "kind", name="uq_closure_room_start"),
    )

    @property
    def open_ended(self) -> bool:
        return is_open_end(self.ends_at)

    @property
    def end(self) -> dt.datetime | None:
        """The end as people read it: None for "bis auf Weiteres"."""
        return None if self.open_ended else self.ends_at


class Occupancy(db.Model):
    """The active use of a room by exactly one booking or one occurrence.

    The database refuses two overlapping rows of one room: an exclusion constraint on PostgreSQL,
    a trigger on SQLite (see the migrations). Cancelled and displaced things have no row here.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    occurrence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("occurrence.id", ondelete="CASCADE"),
                                                      unique=True)

    # Lets a new booking and its occupancy be written in one flush (the booking's id comes first).
    booking: Mapped[Booking | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ordered"),
        sa.CheckConstraint("(booking_id IS NULL) <> (occurrence_id IS NULL)", name="one_owner"),
        sa.Index("ix_occupancy_room_time", "room_id", "starts_at", "ends_at"),
    )
