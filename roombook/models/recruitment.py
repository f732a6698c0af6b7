"""Joining roombook: a volunteer's registration on the public sign-up page, and the single-use links mailed
to people (confirming a registration, setting a first password, an invitation, a password reset).

A registration is not an account: it only becomes one when the coordinator approves it. Its row keeps the
time of the person's consent to the privacy notice (proof of consent) and goes with the account.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.people import User


class RegistrationStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # the mailed link was not followed yet
    CONFIRMED = "confirmed"  # the address is the person's: awaiting the coordinator's decision
    APPROVED = "approved"  # an account exists (user_id)
    DECLINED = "declined"


class Registration(db.Model):
    """Someone who would like to volunteer, as they signed up on /mitmachen."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # lower-cased
    display_name: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(2), default="de")  # of the mails: the page's at sign-up
    # Languages spoken and kinds of offer they would like to do: the vocabulary of the volunteers' profiles.
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    consented_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(12), default=RegistrationStatus.UNCONFIRMED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decision_message: Mapped[str] = mapped_column(sa.String(1000), default="")
    # The account approval made; deleting the account deletes the registration with it.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.CheckConstraint("status IN ('unconfirmed','confirmed','approved','declined')", name="status_known"),
        sa.CheckConstraint("(status = 'approved') = (user_id IS NOT NULL)", name="account_when_approved"),
    )

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class TokenPurpose(StrEnum):
    CONFIRM = "confirm"  # a registration's address (double opt-in)
    WELCOME = "welcome"  # the first password of an approved volunteer
    RESET = "reset"  # a forgotten password
    INVITATION = "invitation"  # an account the coordinator or an admin invited someone to


class AccountToken(db.Model):
    """A mailed link's secret, stored only as its SHA-256 hash: good for one use until it expires.

    `used_at` is set by one conditional UPDATE (see roombook.access.joining.use_token), so of two
    concurrent uses exactly one succeeds. An invitation carries what the account will be (email, role,
    accommodations, provider); the others name their registration or account.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"),
                                                        index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[str | None] = mapped_column(sa.String(20))
    # an invitation's accommodations ([ids], facility managers) and provider (id, departments)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    language: Mapped[str] = mapped_column(sa.String(2), default="de")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.CheckConstraint("purpose IN ('confirm','welcome','reset','invitation')", name="purpose_known"),
    )
