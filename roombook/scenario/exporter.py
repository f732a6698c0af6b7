"""Write the database out as a scenario file (the same format the importer reads), as the planner sees the city:
a volunteer group's times and hours are those its volunteers wished for (`group_wishes`), not its provider
row's, wherever they named some."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from roombook import clock
from roombook.booking.recurrence import DAYS, format_hhmm
from roombook.models import (
    Accommodation,
    Booking,
    Closure,
    Offer,
    OfferSession,
    Provider,
    Requirement,
    Room,
    User,
    VolunteerProfile,
)
from roombook.models.people import ProviderKind, Role
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


def group_wishes(session: Session) -> dict[int, tuple[list[dict], int | None]]:
    """For each volunteer group (a provider of kind "volunteer") whose active volunteers named wished times:
    the union of those times (overlapping and touching windows merged) and, as its weekly maximum, the sum of
    their hours (None, no limit, when one of them set none). The planner places the group's offers by it.

    Only volunteers who named times count, for the times and the hours alike: a profile without times says
    "any time" to the coordinator, but a group's reach is what its members promised. A group none of whose
    volunteers named times is left out, and keeps the provider row's own windows and maximum."""
    found: dict[int, tuple[list[dict], int | None]] = {}
    rows = session.execute(
        sa.select(User.provider_id, VolunteerProfile.available, VolunteerProfile.max_minutes_per_week)
        .join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .join(Provider, Provider.id == User.provider_id)
        .where(Provider.kind == ProviderKind.VOLUNTEER, User.role == Role.VOLUNTEER, User.active)
        .order_by(User.provider_id, User.id))
    by_group: dict[int, list[tuple[list[dict], int | None]]] = {}
    for provider_id, available, most in rows:
        if available:
            by_group.setdefault(provider_id, []).append((available, most))
    for provider_id, members in by_group.items():
        hours = [most for _available, most in members]
        found[provider_id] = (union_of_windows(w for available, _most in members for w in available),
                              None if None in hours else sum(hours))
    return found


def union_of_windows(windows) -> list[dict]:
    """Weekly windows ({"day", "from", "to"}) merged where they overlap or touch, in weekday and time order."""
    merged: list[dict] = []
    for window in sorted(windows, key=lambda w: (DAYS.index(w["day"]), w["from"], w["to"])):
        last = merged[-1] if merged else None
        if last is not None and last["day"] == window["day"] and window["from"] <= last["to"]:
            last["to"] = max(last["to"], window["to"])  # zero-padded "HH:MM" sort as the times do, "24:00" last
        else:
            merged.append({"day": window["day"], "from": window["from"], "to": window["to"]})
    return merged


def _slots_in_force(slots: list[OfferSession], term_end: dt.date) -> list[OfferSession]:
    """Per session index, the slot that holds at the end of the term (later spans replace earlier ones)."""
    latest: dict[int, OfferSession] = {}
    for slot in slots:
        if slot.valid_from > term_end:
            continue
        if slot.index not in latest or slot.valid_from > latest[slot.index].valid_from:
            latest[slot.index] = slot
    return [latest[i] for i in sorted(latest)]
