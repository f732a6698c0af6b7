"""Those who use the rooms: providers of offers and the app's users. No data about residents."""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.accommodations import Accommodation


class ProviderKind(StrEnum):
    DEPARTMENT = "department"
    ASSOCIATION = "association"
    COURSE_PROVIDER = "course_provider"
    VOLUNTEER = "volunteer"


class Provider(db.Model):
    """A city department, welfare association, course provider or volunteer group."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    # Weekly windows of availability, local time: [{"day", "from", "to"}].
    available: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    max_minutes_per_week: Mapped[int | None]
    # Where changes to its sessions are told, and in which language (German or English).
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_language: Mapped[str] = mapped_column(sa.String(2), default="de")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(sa.text("kind IN ('department','association','course_provider','volunteer')"),
                           name="kind_known"),
    )

    def __repr__(self) -> str:
        return f"<Provider {self.key}>"


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FACILITY_MANAGER = "facility_manager"
    DEPARTMENT = "department"
    VOLUNTEER = "volunteer"


user_accommodation = sa.Table(
    "user_accommodation",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("accommodation_id", sa.ForeignKey("accommodation.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A person who logs in. Facility managers are scoped to accommodations, departments to a provider.

    An id is never handed out twice (AUTOINCREMENT on SQLite, a sequence on PostgreSQL): whatever still
    names a deleted person's id (a log line, an old export, a cookie of before logins had rows) never
    points at someone else.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    role: Mapped[str] = mapped_column(sa.String(20))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="de")  # of mails and notices: de or en
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    provider: Mapped[Provider | None] = relationship()
    accommodations: Mapped[list[Accommodation]] = relationship(secondary=user_accommodation)

    __table_args__ = (
        sa.CheckConstraint(
            sa.text("role IN ('admin','coordinator','facility_manager','department','volunteer')"),
            name="role_known"),
        {"sqlite_autoincrement": True},
    )

    # The secret of the login this object was loaded or signed in through (roombook.access.signin), for
    # Flask-Login's cookies; never stored.
    login_secret = None

    def check_password(self, password: str) -> bool:
        """Whether `password` is this person's (set it with roombook.access.accounts.set_password)."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """What Flask-Login writes into the session and remember-me cookies: the login's secret, not the
        user id, so that a cookie names one login, which logging out ends."""
        if self.login_secret is None:
            raise LookupError("this user was not signed in through roombook.access.signin")
        return self.login_secret

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


volunteer_wish = sa.Table(
    "volunteer_wish",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("volunteer_profile.user_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("accommodation_id", sa.ForeignKey("accommodation.id", ondelete="CASCADE"), primary_key=True),
)


class VolunteerProfile(db.Model):
    """What a volunteer can do and would like to: the coordinator deploys volunteers by it.

    The volunteer's own account of themselves, edited by them alone; it goes with the account when it is
    deleted (the database cascades) and is part of their data export.
    """

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    # Languages they speak, ISO 639-1 codes (roombook.coordination.volunteers.LANGUAGES).
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Kinds of offer they can run or support (roombook.coordination.categories).
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # When they would like to help: weekly windows in local time, [{"day", "from", "to"}] like opening hours.
    available: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    max_minutes_per_week: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    # Where they would like to help; none named means anywhere.
    accommodations: Mapped[list[Accommodation]] = relationship(secondary=volunteer_wish, order_by=Accommodation.name)

    __table_args__ = (
        sa.CheckConstraint("max_minutes_per_week IS NULL OR max_minutes_per_week BETWEEN 0 AND 10080",
                           name="minutes_in_a_week"),
    )

    def __repr__(self) -> str:
        return f"<VolunteerProfile {self.user_id}>"
