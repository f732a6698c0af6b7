"""Write the database out as a scenario file (the same format the importer reads), as the planner sees the city:
a volunteer group's times and hours are those its volunteers wished for (roombook.coordination.groups), not
its provider row's, wherever they named some."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from roombook import clock
from roombook.booking.recurrence import format_hhmm
from roombook.coordination.groups import group_wishes
from roombook.models import (
    Accommodation,
    Booking,
    Closure,
    Offer,
    OfferSession,
    Provider,
    Requirement,
    Room,
)
from roombook.models.reservations import BookingStatus
from roombook.models.settings import get_setting

FORMAT = "roombook-scenario/1"


def current_term(session: Session, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The term the offers run in: from the earliest start to the latest end of the current offers.

    Without offers, the half-year around today.
    """
    today = today or clock.today()
    first, last = session.execute(sa.select(sa.func.min(Offer.valid_from), sa.func.max(Offer.valid_until))).one()
    if first is None:
        return today, today + dt.timedelta(weeks=26)
    return first, last or first + dt.timedelta(weeks=26)


def _local(instant: dt.datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def export_scenario(session: Session, timezone: str = "Europe/Berlin") -> dict:
    """The city as a scenario dict: period = current term, current_plan = the weekly slots in force."""
    tz = ZoneInfo(timezone)
    start, end = current_term(session)
    period_start = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    period_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    places = session.scalars(sa.select(Accommodation).options(selectinload(Accommodation.rooms))
                             .order_by(Accommodation.key)).all()
    scenario: dict = {
        "format": FORMAT,
        "timezone": timezone,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "slot_minutes": get_setting(session, "slot_minutes", 15),
        "travel_minutes": get_setting(session, "travel_minutes", 0),
        "travel": get_setting(session, "travel", []),
        "accommodations": [],
        "providers": [],
        "offers": [],
        "requirements": [],
        "bookings": [],
        "closures": [],
        "current_plan": [],
    }
    for place in places:
        item = {"id": place.key, "name": place.name,
                "rooms": [{"id": r.key, "name": r.name, "capacity": r.capacity, "features": list(r.features),
                           "open": list(r.open)} for r in place.rooms]}
        if place.residents is not None:
            item["residents"] = place.residents
        if place.address:
            item["address"] = place.address
        if place.latitude is not None and place.longitude is not None:
            item["latitude"], item["longitude"] = place.latitude, place.longitude
        scenario["accommodations"].append(item)
    wishes = group_wishes(session)
    for p in session.scalars(sa.select(Provider).order_by(Provider.key)):
        available, most = wishes.get(p.id, (list(p.available), p.max_minutes_per_week))
        item = {"id": p.key, "name": p.name, "kind": p.kind, "available": available}
        if most is not None:
            item["max_minutes_per_week"] = most
        scenario["providers"].append(item)
    offers = session.scalars(sa.select(Offer).options(selectinload(Offer.providers), selectinload(Offer.sessions))
                             .order_by(Offer.key)).all()
    for o in offers:
        item = {"id": o.key, "title": o.title, "category": o.category, "accommodation": o.accommodation.key,
                "providers": [p.key for p in o.providers], "duration_minutes": o.duration_minutes,
                "sessions_per_week": o.sessions_per_week, "participants": o.participants,
                "needs_features": list(o.needs_features), "guaranteed": o.guaranteed}
        for field in ("allowed", "preferred", "pinned"):
            if getattr(o, field):
                item[field] = list(getattr(o, field))
        if o.description:
            item["description"] = o.description
        scenario["offers"].append(item)
        for slot in _slots_in_force(o.sessions, end):
            finish = (dt.datetime.combine(end, slot.start) + dt.timedelta(minutes=o.duration_minutes)).time()
            scenario["current_plan"].append({
                "offer": o.key, "session": slot.index, "room": slot.room.key,
                "provider": slot.provider.key if slot.provider else o.providers[0].key,
                "day": slot.day, "start": format_hhmm(slot.start), "end": format_hhmm(finish)})
    for r in session.scalars(sa.select(Requirement).join(Requirement.accommodation)
                             .order_by(Accommodation.key, Requirement.category)):
        scenario["requirements"].append({"accommodation": r.accommodation.key, "category": r.category,
                                         "min_minutes_per_week": r.min_minutes_per_week})
    for b in session.scalars(sa.select(Booking).where(Booking.status == BookingStatus.ACTIVE,
                                                      Booking.starts_at < period_end, Booking.ends_at > period_start)
                             .order_by(Booking.starts_at, Booking.key, Booking.id)):
        scenario["bookings"].append({"id": b.key or f"booking-{b.id}", "room": b.room.key,
                                     "start": _local(b.starts_at, tz), "end": _local(b.ends_at, tz),
                                     "title": b.title, "displaceable": b.displaceable})
    for c in session.scalars(sa.select(Closure).join(Closure.room)
                             .where(Closure.starts_at < period_end, Closure.ends_at > period_start)
                             .order_by(Closure.starts_at, Room.key, Closure.kind)):
        scenario["closures"].append({"room": c.room.key, "start": _local(c.starts_at, tz),
                                     "end": _local(c.ends_at, tz), "reason": c.reason, "kind": c.kind})
    return scenario


def _slots_in_force(slots: list[OfferSession], term_end: dt.date) -> list[OfferSession]:
    """Per session index, the slot that holds at the end of the term (later spans replace earlier ones)."""
    latest: dict[int, OfferSession] = {}
    for slot in slots:
        if slot.valid_from > term_end:
            continue
        if slot.index not in latest or slot.valid_from > latest[slot.index].valid_from:
            latest[slot.index] = slot
    return [latest[i] for i in sorted(latest)]
