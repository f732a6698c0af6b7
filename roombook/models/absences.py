"""A volunteer's dated absences: days off the weekly template, not changes to it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.people import User


class VolunteerAbsence(db.Model):
    """From one local date to another (both included) a volunteer is away. Their wished weekly times stay as
    they are; the dates the absence hits become a change a person decides (roombook.changes.absences).

    The volunteer's own account, like the profile: it goes with the account and is in their data export."""

    __tablename__ = "volunteer_absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="ordered"),
    )

    def __repr__(self) -> str:
        return f"<VolunteerAbsence {self.user_id} {self.starts_on}–{self.ends_on}>"
