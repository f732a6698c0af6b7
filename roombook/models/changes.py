"""Room changes (Raumänderungen): a closure or a cut in opening hours, and everything it hits, grouped per
series so a person decides a course once instead of once per date. Weekly booking series are rows of their
own so a change (and the series pages) can name a volunteer's group as one thing."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.accommodations import Accommodation, Room
from roombook.models.people import User
from roombook.models.reservations import is_open_end


class BookingSeries(db.Model):
    """A weekly booking series: its dates are the bookings that point here. `uid` is the iCal identity the
    dates share (what `booking.series` held before series were rows)."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
    room: Mapped[Room] = relationship()
    gaps: Mapped[list[SeriesGap]] = relationship(back_populates="series", cascade="all, delete-orphan",
                                                 order_by="SeriesGap.starts_at")


class GapState:
    SKIPPED = "skipped"  # the room is closed that week (a holiday, a closure): the series leaves it out
    REFUSED = "refused"  # the week was refused (taken, a room rule) and the person booked the other weeks


class SeriesGap(db.Model):
    """A week of a booking series that holds no booking: kept so the series still shows it, with why.

    A row of its own rather than a booking row with a state: the occupancy table (and so the database's
    overlap guard) only ever sees what really uses the room, and a booking row is a claim on it."""

    __tablename__ = "booking_series_gap"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_series.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")

    series: Mapped[BookingSeries] = relationship(back_populates="gaps")

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ordered"),
        sa.CheckConstraint("state IN ('skipped','refused')", name="state_known"),
        sa.UniqueConstraint("series_id", "starts_at", name="uq_booking_series_gap_week"),
    )


class ChangeStatus:
    PROPOSED = "proposed"
    APPLIED = "applied"
    DISCARDED = "discarded"


class RoomChange(db.Model):
    """One decision about a room: what a closure (or shorter opening hours) hits, per series, with the
    repair proposed for each, until a person applies or discards it. A volunteer's absence is decided the same
    way (cause "absence"): one change per accommodation, `room` the room of its first date."""

    __tablename__ = "room_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    accommodation_id: Mapped[int] = mapped_column(sa.ForeignKey("accommodation.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"))
    closure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("closure.id", ondelete="SET NULL"))
    cause: Mapped[str] = mapped_column(sa.String(16), default="closure")  # closure, opening_hours, absence
    # a volunteer's absence (cause "absence"): its dates, not the room, are what the change is about
    absence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("volunteer_absence.id", ondelete="SET NULL"),
                                                   index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=ChangeStatus.PROPOSED)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    accommodation: Mapped[Accommodation] = relationship()
    room: Mapped[Room] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[ChangeItem]] = relationship(back_populates="change", cascade="all, delete-orphan",
                                                   order_by="ChangeItem.id")

    __table_args__ = (
        sa.CheckConstraint("status IN ('proposed','applied','discarded')", name="status_known"),
        sa.CheckConstraint("cause IN ('closure','opening_hours','absence')", name="cause_known"),
    )

    @property
    def open_ended(self) -> bool:
        """A reassignment "until further notice": the series move for good, not date by date."""
        return is_open_end(self.ends_at)

    @property
    def end(self) -> dt.datetime | None:
        """The end as people read it: None for "bis auf Weiteres"."""
        return None if self.open_ended else self.ends_at

    @property
    def absentee(self) -> str:
        """Who is away (cause "absence"): the volunteer who recorded it, as pages and mails name them."""
        who = self.created_by
        return (who.display_name or who.email) if who is not None else "–"


class ItemStatus:
    OPEN = "open"            # proposed, not yet decided
    MOVED = "moved"          # the dates took the chosen slot
    CANCELLED = "cancelled"  # the dates are given up
    ASKED = "asked"          # the volunteer decides until the deadline; the proposed slot is held for them
    KEPT = "kept"            # nothing could be done (no place) and the manager left the dates cancelled
    TAKEN_OVER = "taken_over"  # an absence's dates stay where they are: another of the group runs them


class ChangeItem(db.Model):
    """One series a change hits: an offer's weekly slot, a volunteer's booking series, or a one-off booking.

    `hits` are its dated losses [{"occurrence"|"booking": id, "start", "end"}] (UTC ISO); `proposal` and each
    of `options` a repair {"room": key, "starts": [UTC ISO, one per hit], "minutes": n} or null.
    """

    __tablename__ = "room_change_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(sa.ForeignKey("room_change.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # offer, booking_series, booking
    offer_session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offer_session.id", ondelete="SET NULL"))
    booking_series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking_series.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    participants: Mapped[int | None]
    hits: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    proposal: Mapped[dict | None] = mapped_column(sa.JSON)
    options: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[str] = mapped_column(sa.String(12), default=ItemStatus.OPEN)
    # the slot the dates took (or hold for a volunteer): same shape as the proposal
    chosen: Mapped[dict | None] = mapped_column(sa.JSON)
    # bookings made for the chosen slot (held for a volunteer until the deadline)
    made: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(sa.String(12))  # accept, option, give_up, timeout
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    change: Mapped[RoomChange] = relationship(back_populates="items")
    owner: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("kind IN ('offer','booking_series','booking')", name="kind_known"),
        sa.CheckConstraint("status IN ('open','moved','cancelled','asked','kept','taken_over')",
                           name="status_known"),
    )
