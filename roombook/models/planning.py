"""A plan run: the solver's work on a scope (some accommodations or the city), previewed before publishing."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.people import User


class PlanRun(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Accommodation keys the run may change; empty for the whole city.
    scope: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")
    progress: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    scenario: Mapped[dict | None] = mapped_column(sa.JSON)
    plan: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Touched every few seconds by the process solving the run; a running run whose heartbeat is older
    # than the stale limit lost that process (killed, recycled, restarted) and is given up.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('queued','running','done','failed','published','discarded')",
                           name="status_known"),
    )
