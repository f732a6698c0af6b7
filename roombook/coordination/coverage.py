"""Coverage of the mandatory offers: planned weekly minutes against each accommodation's requirement.

Planned minutes come from the dated occurrences, so closures, holidays and cancellations count:
a cancelled occurrence plans nothing. A cell is green when the requirement is met, amber when at
least half of it is planned, red below that; without a requirement it is grey. Procedural
counselling that is missing in any week is listed first: the council asked that every resident
be reached.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from roombook import clock
from roombook.access import audit
from roombook.booking.recurrence import to_utc
from roombook.clock import week_of
from roombook.coordination.categories import MANDATORY, Category
from roombook.models import (
    Accommodation,
    Occurrence,
    Offer,
    OfferSession,
    Requirement,
    User,
)
from roombook.models.offers import OccurrenceStatus

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
STATUS_LABELS = {GREEN: _l("erfüllt"), AMBER: _l("teilweise"), RED: _l("fehlt"), NONE: _l("keine Anforderung")}

# Suggested weekly minutes from the number of residents: (residents per unit, minutes per unit).
# One language-course group of two 90-minute sessions per 15 residents, and so on; at least one unit
# wherever anyone lives. A starting point for the coordinator, never applied without a click.
SUGGESTION_RULES: dict[str, tuple[int, int]] = {
    Category.LANGUAGE_COURSE: (15, 180),
    Category.DAILY_LIFE_COURSE: (30, 90),
    Category.OFFICE_HOURS: (100, 120),
    Category.COUNSELLING: (50, 60),
    Category.PROCEDURAL_COUNSELLING: (75, 120),
}


@dataclass
class Cell:
    accommodation: Accommodation
    category: str
    week: dt.date
    planned: int = 0
    cancelled: int = 0
    required: int = 0
    delivered: int = 0  # of the planned minutes, those of dates already over (roombook.reports)

    @property
    def status(self) -> str:
        if self.required <= 0:
            return NONE
        if self.planned >= self.required:
            return GREEN
        return AMBER if self.planned * 2 >= self.required else RED

    @property
    def label(self) -> LazyString:
        return STATUS_LABELS[self.status]


@dataclass
class Coverage:
    weeks: list[dt.date]
    accommodations: list[Accommodation]
    categories: tuple[str, ...]
    cells: dict[tuple[int, str, dt.date], Cell] = field(default_factory=dict)

    def cell(self, accommodation: Accommodation, category: str, week: dt.date) -> Cell:
        return self.cells[(accommodation.id, category, week)]

    @property
    def procedural_gaps(self) -> list[tuple[Accommodation, list[dt.date]]]:
        """Accommodations without any procedural counselling in some of the weeks, with those weeks."""
        gaps = []
        for place in self.accommodations:
            weeks = [w for w in self.weeks
                     if self.cell(place, Category.PROCEDURAL_COUNSELLING, w).planned == 0]
            if weeks:
                gaps.append((place, weeks))
        return gaps

    def rows(self) -> list[Cell]:
        return [self.cell(p, c, w) for p in self.accommodations for c in self.categories for w in self.weeks]

    def gaps(self) -> list[Cell]:
        """The cells short of their requirement (amber and red), by accommodation, category and week."""
        return [cell for cell in self.rows() if cell.required > 0 and cell.planned < cell.required]


def _week_span(place: Accommodation, monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = place.tz
    return (to_utc(dt.datetime.combine(monday, dt.time(0)), tz),
            to_utc(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0)), tz))


@dataclass(frozen=True)
class _Dated:
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


def _minutes(occ: Occurrence | _Dated) -> int:
    return int((occ.ends_at - occ.starts_at).total_seconds() // 60)


def coverage(session: Session, first_week: dt.date, weeks: int = 4, *,
             only: Collection[str] | None = None, now: dt.datetime | None = None) -> Coverage:
    """Planned against required minutes for every accommodation (or only those with the keys `only`) ×
    mandatory category × week; `delivered` counts the planned dates over by `now`."""
    now = now or clock.now()
    first_week = week_of(first_week)
    week_list = [first_week + dt.timedelta(weeks=n) for n in range(weeks)]
    query = sa.select(Accommodation).order_by(Accommodation.name)
    if only is not None:
        query = query.where(Accommodation.key.in_(list(only)))
    places = session.scalars(query).all()
    result = Coverage(week_list, list(places), tuple(c.value for c in MANDATORY))
    required = {(r.accommodation_id, r.category): r.min_minutes_per_week
                for r in session.scalars(sa.select(Requirement))}
    for place in places:
        for category in result.categories:
            for week in week_list:
                result.cells[(place.id, category, week)] = Cell(place, category, week,
                                                                required=required.get((place.id, category), 0))
    if not places:
        return result
    tz = places[0].tz
    span_start = to_utc(dt.datetime.combine(week_list[0] - dt.timedelta(days=1), dt.time(0)), tz)
    span_end = to_utc(dt.datetime.combine(week_list[-1] + dt.timedelta(days=8), dt.time(0)), tz)
    by_id = {p.id: p for p in places}
    # columns, not Occurrence objects: a city's quarter (the council's report) is tens of thousands of dates
    rows = session.execute(
        sa.select(Occurrence.starts_at, Occurrence.ends_at, Occurrence.status, Offer.accommodation_id,
                  Offer.category)
        .join(Occurrence.offer_session).join(OfferSession.offer)
        .where(Offer.category.in_(result.categories), Occurrence.starts_at >= span_start,
               Occurrence.starts_at < span_end, *([Offer.accommodation_id.in_(list(by_id))] if only is not None
                                                  else []))).all()
    for *occ, place_id, category in rows:
        occ = _Dated(*occ)
        place = by_id.get(place_id)
        if place is None:
            continue
        week = week_of(occ.starts_at.astimezone(place.tz).date())
        cell = result.cells.get((place_id, category, week))
        if cell is None:
            continue
        if occ.status == OccurrenceStatus.CANCELLED:
            cell.cancelled += _minutes(occ)
        else:
            cell.planned += _minutes(occ)
            if occ.ends_at <= now:
                cell.delivered += _minutes(occ)
    return result


@dataclass
class OfferLine:
    offer: Offer
    occurrences: list[Occurrence]

    @property
    def planned(self) -> int:
        return sum(_minutes(o) for o in self.occurrences if o.status != OccurrenceStatus.CANCELLED)


def cell_offers(session: Session, place: Accommodation, category: str, week: dt.date) -> list[OfferLine]:
    """The drill-down: the offers behind a cell, with their occurrences in that week."""
    start, end = _week_span(place, week_of(week))
    offers = session.scalars(sa.select(Offer).where(Offer.accommodation_id == place.id, Offer.category == category)
                             .order_by(Offer.title)).all()
    lines = []
    for offer in offers:
        occurrences = session.scalars(
            sa.select(Occurrence).options(joinedload(Occurrence.room)).join(Occurrence.offer_session)
            .where(OfferSession.offer_id == offer.id, Occurrence.starts_at >= start, Occurrence.starts_at < end)
            .order_by(Occurrence.starts_at)).all()
        lines.append(OfferLine(offer, list(occurrences)))
    return lines


def suggested_requirements(residents: int | None) -> dict[str, int]:
    """Weekly minutes per mandatory category suggested for an accommodation of `residents` people."""
    if not residents:
        return {c.value: 0 for c in MANDATORY}
    return {category.value: math.ceil(residents / per) * minutes
            for category, (per, minutes) in SUGGESTION_RULES.items()}


def current_requirements(session: Session, place: Accommodation) -> dict[str, int]:
    """The accommodation's weekly minutes per category."""
    return {r.category: r.min_minutes_per_week for r in session.scalars(
        sa.select(Requirement).where(Requirement.accommodation_id == place.id))}


def set_requirements(session: Session, actor: User, place: Accommodation, residents: int | None,
                     minutes: dict[str, int]) -> None:
    """Store the resident count and the weekly minutes per category (0 removes a requirement)."""
    existing = {r.category: r for r in session.scalars(sa.select(Requirement)
                                                       .where(Requirement.accommodation_id == place.id))}
    before = {c: r.min_minutes_per_week for c, r in existing.items()}
    place.residents = residents
    for category, value in minutes.items():
        row = existing.get(category)
        if value and value > 0:
            if row is None:
                session.add(Requirement(accommodation_id=place.id, category=category, min_minutes_per_week=value))
            else:
                row.min_minutes_per_week = value
        elif row is not None:
            session.delete(row)
    session.flush()
    audit.record(session, actor, "requirements.updated", place, accommodation=place.key, residents=residents,
                 before=before, after={c: v for c, v in minutes.items() if v})
