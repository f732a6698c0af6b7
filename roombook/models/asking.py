"""Asking volunteers to fill a gap in the coverage: one request per gap the coordinator asks from, one row
per volunteer asked, each answered once."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.coordination.categories import VALUES as CATEGORY_VALUES
from roombook.db import UTCDateTime, db, utcnow
from roombook.models.accommodations import Accommodation
from roombook.models.offers import Offer
from roombook.models.people import User

_CATEGORY_CHECK = "category IN (" + ",".join(f"'{c}'" for c in CATEGORY_VALUES) + ")"


class AskStatus:
    ASKED = "asked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class HelpRequest(db.Model):
    """The coordinator's request for help with a gap: a category an accommodation lacks, from a week on."""

    __tablename__ = "help_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    accommodation_id: Mapped[int] = mapped_column(sa.ForeignKey("accommodation.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(sa.String(32))
    week: Mapped[dt.date]  # the Monday of the gap it was asked from
    minutes: Mapped[int]  # the weekly minutes missing then: what the offer is sized by
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # the volunteer-run offer an acceptance made or joined (the first; later ones join it)
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offer.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    accommodation: Mapped[Accommodation] = relationship()
    asked_by: Mapped[User | None] = relationship()
    offer: Mapped[Offer | None] = relationship()
    asks: Mapped[list[HelpAsk]] = relationship(back_populates="request", cascade="all, delete-orphan",
                                               order_by="HelpAsk.id")

    __table_args__ = (
        sa.CheckConstraint(sa.text(_CATEGORY_CHECK), name="category_known"),
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
    )


class HelpAsk(db.Model):
    """One volunteer asked in a request, and their one answer."""

    __tablename__ = "help_ask"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=AskStatus.ASKED)
    message: Mapped[str] = mapped_column(sa.String(500), default="")  # the volunteer's, with the answer
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[HelpRequest] = relationship(back_populates="asks")
    volunteer: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("request_id", "volunteer_id", name="uq_help_ask_request_volunteer"),
        sa.CheckConstraint("status IN ('asked','accepted','declined','withdrawn')", name="status_known"),
    )
