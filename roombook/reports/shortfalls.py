"""Coverage over a period: per accommodation and mandatory category the planned, delivered and required hours,
and every shortfall with its causes as the data knows them.

The weekly cells are those of roombook.coordination.coverage (the same rules as the coverage page); a week
belongs to the period where its Monday lies. A cause is read from the data, never from free text: a date
cancelled while a closure of its room covered it (by the closure's kind), a date cancelled otherwise, no offer
of the kind at all, an offer's weekly slot without a provider, or a slot in a room with fewer seats than the
offer's participants. What none of these explains is "too few dates planned".
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.coordination import coverage as weekly
from roombook.coordination.categories import Category
from roombook.models import (
    Accommodation,
    Closure,
    Occurrence,
    Offer,
    OfferSession,
    Room,
)
from roombook.models.offers import OccurrenceStatus, offer_provider
from roombook.reports.periods import Part, weeks_in
from roombook.reports.utilisation import closure_kind

NO_OFFER, NO_PROVIDER, CLOSURE, CANCELLATION, ROOM_TOO_SMALL, TOO_FEW = (
    "no_offer", "no_provider", "closure", "cancellation", "room_too_small", "too_few_dates")


@dataclass(frozen=True)
class Cause:
    code: str
    minutes: int | None = None  # what it took, where the data says (cancelled dates)
    detail: str = ""  # a closure's kind, an offer's title


@dataclass
class Shortfall:
    accommodation: Accommodation
    category: str
    week: dt.date
    planned: int
    required: int
    status: str
    causes: list[Cause] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.required - self.planned


@dataclass
class Total:
    """Minutes of one accommodation and category over one part of the period."""

    accommodation: Accommodation
    category: str
    part: Part
    weeks: int = 0
    planned: int = 0
    delivered: int = 0
    required: int = 0
    cancelled: int = 0

    @property
    def missing(self) -> int:
        return max(self.required - self.planned, 0)


@dataclass
class CoverageReport:
    weeks: list[dt.date]
    parts: list[Part]
    accommodations: list[Accommodation]
    categories: tuple[str, ...]
    totals: list[Total]
    shortfalls: list[Shortfall]  # procedural counselling first
    procedural_gaps: list[tuple[Accommodation, list[dt.date]]]


def coverage_report(session: Session, places: list[Accommodation], first: dt.date, end: dt.date,
                    parts: list[Part], *, now: dt.datetime | None = None) -> CoverageReport:
    """The coverage of `places` over the weeks beginning in [first, end), summed per part."""
    weeks = weeks_in(first, end)
    categories = tuple(c.value for c in weekly.MANDATORY)
    if not weeks or not places:
        return CoverageReport(weeks, parts, places, categories, [], [], [])
    cov = weekly.coverage(session, weeks[0], len(weeks), only=[p.key for p in places], now=now)
    totals = []
    for place in cov.accommodations:
        for category in categories:
            for part in parts:
                total = Total(place, category, part)
                for week in weeks:
                    if part.first <= week < part.end:
                        cell = cov.cell(place, category, week)
                        total.weeks += 1
                        total.planned += cell.planned
                        total.delivered += cell.delivered
                        total.required += cell.required
                        total.cancelled += cell.cancelled
                totals.append(total)
    short = [Shortfall(c.accommodation, c.category, c.week, c.planned, c.required, c.status) for c in cov.gaps()]
    _explain(session, cov.accommodations, weeks, short)
    names = {p.id: p.name for p in cov.accommodations}
    procedural = Category.PROCEDURAL_COUNSELLING.value
    short.sort(key=lambda s: (s.category != procedural, names[s.accommodation.id], s.category, s.week))
    return CoverageReport(weeks, parts, cov.accommodations, categories, totals, short, cov.procedural_gaps)


def _explain(session: Session, places: list[Accommodation], weeks: list[dt.date], short: list[Shortfall]) -> None:
    """Add to each shortfall the causes the data holds for its accommodation, category and week."""
    if not short:
        return
    ids = [p.id for p in places]
    tz = places[0].tz
    span_start = dt.datetime.combine(weeks[0] - dt.timedelta(days=1), dt.time(0), tzinfo=dt.timezone.utc)
    span_end = dt.datetime.combine(weeks[-1] + dt.timedelta(days=8), dt.time(0), tzinfo=dt.timezone.utc)
    # columns, not objects: a city has thousands of offers and slots
    offers: dict[tuple[int, str], list] = defaultdict(list)
    for offer in session.execute(sa.select(Offer.id, Offer.accommodation_id, Offer.category, Offer.title,
                                           Offer.valid_from, Offer.valid_until, Offer.participants)
                                 .where(Offer.accommodation_id.in_(ids),
                                        Offer.category.in_([c.value for c in weekly.MANDATORY]))):
        offers[(offer.accommodation_id, offer.category)].append(offer)
    offer_ids = [o.id for items in offers.values() for o in items]
    with_provider = set(session.scalars(sa.select(offer_provider.c.offer_id).where(
        offer_provider.c.offer_id.in_(offer_ids)))) if offer_ids else set()
    slots: dict[int, list] = defaultdict(list)
    if offer_ids:
        for slot in session.execute(sa.select(OfferSession.offer_id, OfferSession.valid_from, OfferSession.valid_until,
                                              OfferSession.provider_id, Room.capacity)
                                    .join(Room, OfferSession.room_id == Room.id)
                                    .where(OfferSession.offer_id.in_(offer_ids))):
            slots[slot.offer_id].append(slot)
    cancelled: dict[tuple[int, str, dt.date], list[Occurrence]] = defaultdict(list)
    for occ, place_id, category in session.execute(
            sa.select(Occurrence, Offer.accommodation_id, Offer.category)
            .join(OfferSession, Occurrence.offer_session_id == OfferSession.id)
            .join(Offer, OfferSession.offer_id == Offer.id)
            .where(Offer.accommodation_id.in_(ids), Occurrence.status == OccurrenceStatus.CANCELLED,
                   Occurrence.starts_at >= span_start, Occurrence.starts_at < span_end)):
        week = weekly.week_of(occ.starts_at.astimezone(tz).date())
        cancelled[(place_id, category, week)].append(occ)
    rooms = {occ.room_id for items in cancelled.values() for occ in items}
    closures: dict[int, list[Closure]] = defaultdict(list)
    if rooms:
        for closure in session.scalars(sa.select(Closure).where(Closure.room_id.in_(rooms),
                                                                Closure.starts_at < span_end,
                                                                Closure.ends_at > span_start)):
            closures[closure.room_id].append(closure)

    for gap in short:
        week_end = gap.week + dt.timedelta(days=7)
        valid = [o for o in offers[(gap.accommodation.id, gap.category)]
                 if o.valid_from < week_end and (o.valid_until is None or o.valid_until >= gap.week)]
        if not valid:
            gap.causes.append(Cause(NO_OFFER))
        for occ in cancelled[(gap.accommodation.id, gap.category, gap.week)]:
            minutes = int((occ.ends_at - occ.starts_at).total_seconds() // 60)
            hit = next((c for c in closures[occ.room_id]
                        if c.starts_at < occ.ends_at and occ.starts_at < c.ends_at), None)
            gap.causes.append(Cause(CLOSURE, minutes, closure_kind(hit)) if hit is not None
                              else Cause(CANCELLATION, minutes))
        for offer in valid:
            current = [s for s in slots[offer.id] if s.valid_from < week_end
                       and (s.valid_until is None or s.valid_until >= gap.week)]
            if offer.id not in with_provider or any(s.provider_id is None for s in current):
                gap.causes.append(Cause(NO_PROVIDER, detail=offer.title))
            if any(s.capacity < offer.participants for s in current):
                gap.causes.append(Cause(ROOM_TOO_SMALL, detail=offer.title))
        explained = sum(c.minutes or 0 for c in gap.causes)
        if not gap.causes or (explained and gap.planned + explained < gap.required
                              and all(c.minutes for c in gap.causes)):
            gap.causes.append(Cause(TOO_FEW))
