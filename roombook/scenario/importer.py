"""Load a scenario file into the database: all of it or, on any problem, nothing."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.booking.occupancy import occupy_for_booking
from roombook.booking.occurrences import (
    add_closure,
    add_public_holidays,
    materialise_all,
)
from roombook.booking.recurrence import parse_hhmm, to_utc
from roombook.models import (
    Accommodation,
    Booking,
    Offer,
    OfferSession,
    Provider,
    Requirement,
    Room,
)
from roombook.models.settings import put_setting
from roombook.solver.validate import InvalidScenario, check_scenario


def local_instant(value: str, tz: ZoneInfo) -> dt.datetime:
    """'2027-03-01T10:00' in the scenario's zone as a UTC instant."""
    return to_utc(dt.datetime.fromisoformat(value), tz)


def _existing_keys(session: Session, scenario: dict) -> list[tuple[str, str]]:
    problems = []
    checks = [
        (Accommodation, [(f"$.accommodations[{i}].id", a["id"]) for i, a in enumerate(scenario["accommodations"])]),
        (Room, [(f"$.accommodations[{i}].rooms[{j}].id", r["id"])
                for i, a in enumerate(scenario["accommodations"]) for j, r in enumerate(a["rooms"])]),
        (Provider, [(f"$.providers[{i}].id", p["id"]) for i, p in enumerate(scenario["providers"])]),
        (Offer, [(f"$.offers[{i}].id", o["id"]) for i, o in enumerate(scenario["offers"])]),
        (Booking, [(f"$.bookings[{i}].id", b["id"]) for i, b in enumerate(scenario.get("bookings", []))]),
    ]
    for model, paths in checks:
        keys = {key for _path, key in paths}
        if not keys:
            continue
        taken = set(session.scalars(sa.select(model.key).where(model.key.in_(keys))))
        problems += [(path, f"id '{key}' already exists in the database") for path, key in paths if key in taken]
    return problems


def import_scenario(session: Session, scenario: dict) -> dict[str, int]:
    """Write the scenario's city into the database (the caller commits). Returns counts per kind.

    Rooms, providers and offers are created; `current_plan` becomes the offers' weekly slots and
    their occurrences over the period; public holidays of the period's years close every room.
    """
    check_scenario(scenario)
    problems = _existing_keys(session, scenario)
    if problems:
        raise InvalidScenario(problems)

    tz = ZoneInfo(scenario["timezone"])
    period_start = dt.date.fromisoformat(scenario["period"]["start"])
    period_end = dt.date.fromisoformat(scenario["period"]["end"])
    put_setting(session, "slot_minutes", scenario.get("slot_minutes", 15))
    put_setting(session, "travel_minutes", scenario.get("travel_minutes", 0))
    put_setting(session, "travel", scenario.get("travel", []))

    accommodations, rooms = {}, {}
    for a in scenario["accommodations"]:
        place = Accommodation(key=a["id"], name=a["name"], residents=a.get("residents"),
                              address=a.get("address"), timezone=scenario["timezone"],
                              latitude=a.get("latitude"), longitude=a.get("longitude"))
        session.add(place)
        accommodations[a["id"]] = place
        for r in a["rooms"]:
            room = Room(key=r["id"], name=r["name"], capacity=r["capacity"], features=r.get("features", []),
                        open=r["open"], accommodation=place)
            session.add(room)
            rooms[r["id"]] = room
    providers = {}
    for p in scenario["providers"]:
        providers[p["id"]] = Provider(key=p["id"], name=p["name"], kind=p["kind"], available=p["available"],
                                      max_minutes_per_week=p.get("max_minutes_per_week"))
        session.add(providers[p["id"]])
    offers = {}
    for o in scenario["offers"]:
        offers[o["id"]] = Offer(
            key=o["id"], title=o["title"], category=o["category"], accommodation=accommodations[o["accommodation"]],
            providers=[providers[p] for p in o["providers"]], duration_minutes=o["duration_minutes"],
            sessions_per_week=o["sessions_per_week"], participants=o["participants"],
            needs_features=o.get("needs_features", []), allowed=o.get("allowed"), preferred=o.get("preferred"),
            pinned=o.get("pinned"), guaranteed=o["guaranteed"], description=o.get("description", ""),
            valid_from=period_start, valid_until=period_end)
        session.add(offers[o["id"]])
    for r in scenario.get("requirements", []):
        session.add(Requirement(accommodation=accommodations[r["accommodation"]], category=r["category"],
                                min_minutes_per_week=r["min_minutes_per_week"]))
    session.flush()

    problems = []
    for i, b in enumerate(scenario.get("bookings", [])):
        booking = Booking(key=b["id"], room=rooms[b["room"]], starts_at=local_instant(b["start"], tz),
                          ends_at=local_instant(b["end"], tz), title=b.get("title") or "Buchung",
                          displaceable=b["displaceable"])
        session.add(booking)
        session.flush()
        try:
            with session.begin_nested():
                occupy_for_booking(session, booking)
        except sa.exc.IntegrityError:
            problems.append((f"$.bookings[{i}]", "overlaps another booking of the same room"))
    closures, starts = [], set()
    for i, c in enumerate(scenario.get("closures", [])):
        kind = "holiday" if c.get("kind") == "holiday" else "closure"
        start = local_instant(c["start"], tz)
        if (c["room"], start, kind) in starts:
            problems.append((f"$.closures[{i}]", "another closure of the same kind starts in this room then"))
        starts.add((c["room"], start, kind))
        closures.append((rooms[c["room"]], start, local_instant(c["end"], tz), c.get("reason") or "geschlossen", kind))
    if problems:
        raise InvalidScenario(problems)
    for room, start, end, reason, kind in closures:
        add_closure(session, None, room, start, end, reason, kind=kind)
    years = list(range(period_start.year, period_end.year + 1))
    add_public_holidays(session, list(rooms.values()), years)

    slots = []
    for row in scenario.get("current_plan", []):
        slot = OfferSession(offer=offers[row["offer"]], index=row["session"], day=row["day"],
                            start=parse_hhmm(row["start"]), room=rooms[row["room"]],
                            provider=providers[row["provider"]], valid_from=period_start, valid_until=period_end)
        session.add(slot)
        slots.append(slot)
    session.flush()
    occurrences = materialise_all(session, slots, period_end)
    return {"accommodations": len(accommodations), "rooms": len(rooms), "providers": len(providers),
            "offers": len(offers), "bookings": len(scenario.get("bookings", [])), "weekly_slots": len(slots),
            "occurrences": occurrences}
