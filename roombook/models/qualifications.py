"""What a volunteer has shown to be able to do: kinds of qualification, the proofs the coordinator saw, and the
qualifications an offer needs of the volunteers who run it.

Only that a proof was seen is kept, never a copy. For the extended police certificate (erweitertes
Führungszeugnis) §72a(5) SGB VIII allows no more than that it was seen, the certificate's date and that it
holds no relevant entry; those rows go when the volunteer stops (the account's deletion cascades, a
deactivated account loses them in the daily job, roombook.coordination.qualifications).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.offers import Offer
from roombook.models.people import User


class QualificationKind(db.Model):
    """A kind of qualification: a code of the fixed vocabulary (roombook.coordination.qualifications.KINDS), or
    "training-<n>" for having completed a training (its title kept in `label`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    # How long a proof counts from the day it was seen (or the certificate's date); None: for good.
    validity_months: Mapped[int | None]

    __table_args__ = (
        sa.CheckConstraint("validity_months IS NULL OR validity_months BETWEEN 1 AND 600", name="validity_sane"),
    )

    def __repr__(self) -> str:
        return f"<QualificationKind {self.code}>"


class Qualification(db.Model):
    """That the coordinator saw a volunteer's proof of a kind, when, and until when it counts; one per kind."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind_id: Mapped[int] = mapped_column(sa.ForeignKey("qualification_kind.id", ondelete="CASCADE"))
    seen_on: Mapped[dt.date]
    # The certificate's own date (the police certificate's, which §72a(5) lets us keep); None for other kinds.
    issued_on: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    # The `valid_until` whose coming end the volunteer was reminded of: one reminder per validity.
    reminded_for: Mapped[dt.date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    kind: Mapped[QualificationKind] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind_id", name="uq_qualification_user_kind"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= seen_on", name="valid_after_seen"),
    )

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or self.valid_until >= day


class OfferRequirement(db.Model):
    """A qualification every volunteer who runs the offer must hold (procedural counselling: asylum law)."""

    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    kind_id: Mapped[int] = mapped_column(sa.ForeignKey("qualification_kind.id", ondelete="CASCADE"),
                                         primary_key=True)

    offer: Mapped[Offer] = relationship()
    kind: Mapped[QualificationKind] = relationship()
