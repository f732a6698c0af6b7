"""What a plan run reports beyond the slots it moves: the dated coverage gaps of its accommodations, and the
notice that takes the minimums a plan leaves unmet to the coordinators.

The solver plans a typical week; closures, holidays and cancellations happen on dates. So a plan may
move nothing ("0 changes") while a closure has cancelled Nord's language course for a week. The gaps
come from `roombook.coordination.coverage`, the coverage page's own numbers, for the weeks from the
plan's effective date to the end of the term (no further than occurrences are made).

A minimum that is not met is the coordinators' to close (offers, providers and requirements are
theirs), not a facility manager's: it goes to them as a notice, never as a conflict in a house's
inbox, where a manager could only wave it through. Conflicts stay what a manager can decide.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from roombook.clock import week_of
from roombook.coordination.coverage import Cell, coverage
from roombook.i18n import language_of
from roombook.models import (
    Accommodation,
    ChangeItem,
    Offer,
    OfferSession,
    OutboxMessage,
    RoomChange,
    User,
)
from roombook.models.people import Role
from roombook.notifications import outbox
from roombook.planning.labels import row_reason
from roombook.scenario.exporter import current_term

NOTICE_KIND = "coverage_gaps"
WEEK = dt.timedelta(weeks=1)


@dataclass
class GapSpan:
    """Consecutive weeks with the same shortfall: shown as one line, not one per week."""

    first: dt.date  # Monday of the first week
    weeks: int
    planned: int
    required: int
    cancelled: int

    @property
    def last(self) -> dt.date:
        """Sunday of the last week."""
        return self.first + dt.timedelta(weeks=self.weeks, days=-1)


@dataclass
class GapGroup:
    """The weeks one accommodation misses one category's minimum in, and the room changes that cancelled or
    moved its offers in those weeks (the weekly template cannot close a dated gap; the change may)."""

    place: Accommodation
    category: str
    cells: list[Cell]
    changes: list[RoomChange] = field(default_factory=list)

    @property
    def spans(self) -> list[GapSpan]:
        spans: list[GapSpan] = []
        for cell in self.cells:
            last = spans[-1] if spans else None
            if last is not None and (last.planned, last.required, last.cancelled) == \
                    (cell.planned, cell.required, cell.cancelled) and cell.week == last.first + WEEK * last.weeks:
                last.weeks += 1
            else:
                spans.append(GapSpan(cell.week, 1, cell.planned, cell.required, cell.cancelled))
        return spans


def report_weeks(session: Session, effective: dt.date, horizon: dt.date) -> tuple[dt.date, int]:
    """The first week a run reports on, and how many: from the week the plan takes effect to the term's last
    week, only whole weeks up to the horizon (occurrences are made no further, so later weeks look empty)."""
    first = week_of(effective)
    last = min(week_of(current_term(session, effective)[1]), week_of(horizon + dt.timedelta(days=1)) - WEEK)
    return first, max((last - first).days // 7 + 1, 0)


def coverage_gaps(session: Session, scope: list[str] | None, effective: dt.date, horizon: dt.date) -> list[GapGroup]:
    """The coverage page's cells short of their requirement, for the run's accommodations (all when `scope`
    is empty), grouped by accommodation and category."""
    first, weeks = report_weeks(session, effective, horizon)
    if weeks <= 0:
        return []
    cells = coverage(session, first, weeks, only=scope or None).gaps()
    groups = [GapGroup(place, category, list(group)) for (place, category), group
              in itertools.groupby(cells, key=lambda c: (c.accommodation, c.category))]
    _link_changes(session, groups, first, first + WEEK * weeks)
    return groups


def _link_changes(session: Session, groups: list[GapGroup], start: dt.date, end: dt.date) -> None:
    """Name, per gap, the room changes whose offers of that category lost a date in one of its weeks."""
    if not groups:
        return
    rows = session.execute(
        sa.select(RoomChange, Offer.category, ChangeItem.hits)
        .join(ChangeItem, ChangeItem.change_id == RoomChange.id)
        .join(OfferSession, OfferSession.id == ChangeItem.offer_session_id)
        .join(Offer, Offer.id == OfferSession.offer_id)
        .where(RoomChange.accommodation_id.in_({g.place.id for g in groups}),
               RoomChange.starts_at < dt.datetime.combine(end + WEEK, dt.time(0), tzinfo=dt.timezone.utc),
               RoomChange.ends_at > dt.datetime.combine(start - WEEK, dt.time(0), tzinfo=dt.timezone.utc))
        .order_by(RoomChange.id)).all()
    for group in groups:
        weeks = {cell.week for cell in group.cells}
        tz = group.place.tz
        for change, category, hits in rows:
            if change.accommodation_id != group.place.id or category != group.category or change in group.changes:
                continue
            if any(week_of(dt.datetime.fromisoformat(hit["start"]).astimezone(tz).date()) in weeks for hit in hits):
                group.changes.append(change)


def _recipients(session: Session) -> list[User]:
    """The active coordinators; the admins when there is none, so the notice never goes nowhere."""
    for role in (Role.COORDINATOR, Role.ADMIN):
        users = session.scalars(sa.select(User).where(User.role == role, User.active).order_by(User.id)).all()
        if users:
            return list(users)
    return []


def tell_coordinators(session: Session, unmet: list[dict], gaps: list[GapGroup], *, names: dict[str, str],
                      base_url: str = "") -> list[str]:
    """Queue a notice of the unmet weekly minimums and the dated gaps for every coordinator, each in their
    language; the addresses told. A coordinator who already has the same notice is not told again."""
    if not unmet and not gaps:
        return []
    told = []
    for user in _recipients(session):
        with force_locale(language_of(user)):
            places = sorted({names.get(row["accommodation"], row["accommodation"]) for row in unmet}
                            | {group.place.name for group in gaps})
            subject = _("Mindestumfang nicht erfüllt: %(places)s", places=", ".join(places))
            link = f"{base_url.rstrip('/')}/manage/coverage" if base_url else ""
            body = render_template("mail/coverage_gaps.txt", unmet=unmet, gaps=gaps, names=names,
                                   row_reason=row_reason, link=link, base_url=base_url.rstrip("/"))
        if session.scalar(sa.select(OutboxMessage.id).where(
                OutboxMessage.recipient == user.email, OutboxMessage.kind == NOTICE_KIND,
                OutboxMessage.subject == subject[:300], OutboxMessage.body == body).limit(1)) is not None:
            continue
        outbox.enqueue(session, user.email, subject, body, kind=NOTICE_KIND)
        told.append(user.email)
    return told
