"""Trainings for volunteers: their sessions, sign-ups with a waiting list, and attendance per session."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.people import User
from roombook.models.qualifications import QualificationKind
from roombook.models.reservations import Booking


class Training(db.Model):
    """A training the coordinator runs: one or more sessions, a number of seats, a sign-up deadline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    seats: Mapped[int]
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Who may sign up: every volunteer, or ("qualified") only those who hold `requires_kind` (a refresher).
    open_to: Mapped[str] = mapped_column(sa.String(16), default="volunteers")
    requires_kind_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qualification_kind.id", ondelete="SET NULL"))
    # What attending every session grants.
    grants_kind_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qualification_kind.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    requires_kind: Mapped[QualificationKind | None] = relationship(foreign_keys=[requires_kind_id])
    grants_kind: Mapped[QualificationKind | None] = relationship(foreign_keys=[grants_kind_id])
    sessions: Mapped[list[TrainingSession]] = relationship(back_populates="training", cascade="all, delete-orphan",
                                                           order_by="TrainingSession.starts_at")
    signups: Mapped[list[TrainingSignup]] = relationship(back_populates="training", cascade="all, delete-orphan",
                                                         order_by="TrainingSignup.id")

    __table_args__ = (
        sa.CheckConstraint("seats BETWEEN 1 AND 1000", name="seats_sane"),
        sa.CheckConstraint("open_to IN ('volunteers','qualified')", name="open_to_known"),
    )

    def __repr__(self) -> str:
        return f"<Training {self.id} {self.title}>"


class TrainingSession(db.Model):
    """One meeting of a training: in a room, booked through the booking engine, or at an outside place."""

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("training.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id", ondelete="SET NULL"))
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    training: Mapped[Training] = relationship(back_populates="sessions")
    booking: Mapped[Booking | None] = relationship()

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ordered"),)

    @property
    def where(self) -> str:
        if self.booking is not None:
            return f"{self.booking.room.name}, {self.booking.room.accommodation.name}"
        return self.place


class SignupStatus:
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class TrainingSignup(db.Model):
    """A volunteer's place in a training: confirmed, or waiting at `position` (1-based), or cancelled."""

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("training.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    position: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a freed seat moved them up from the waiting list (shown to them until the training is over).
    promoted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    training: Mapped[Training] = relationship(back_populates="signups")
    user: Mapped[User] = relationship()
    attended: Mapped[list[Attendance]] = relationship(back_populates="signup", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("training_id", "user_id", name="uq_training_signup_person"),
        sa.CheckConstraint("status IN ('confirmed','waitlisted','cancelled')", name="status_known"),
        sa.CheckConstraint("(status = 'waitlisted') = (position IS NOT NULL)", name="position_when_waiting"),
    )


class Attendance(db.Model):
    """That a signed-up volunteer was at one session."""

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id", ondelete="CASCADE"),
                                            primary_key=True)
    signup_id: Mapped[int] = mapped_column(sa.ForeignKey("training_signup.id", ondelete="CASCADE"),
                                           primary_key=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    signup: Mapped[TrainingSignup] = relationship(back_populates="attended")
