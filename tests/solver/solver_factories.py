"""Small hand-made scenarios for the solver tests: a one-house city changed per test."""

from __future__ import annotations

import copy

from roombook.solver import check_plan, solve

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def window(day: str, start: str, end: str) -> dict:
    return {"day": day, "from": start, "to": end}


def weekdays(start: str = "08:00", end: str = "20:00") -> list[dict]:
    return [window(day, start, end) for day in WEEKDAYS]


def room(room_id: str, capacity: int = 20, features: list[str] | None = None, open_: list[dict] | None = None,
         name: str | None = None) -> dict:
    return {"id": room_id, "name": name or room_id.capitalize(), "capacity": capacity,
            "features": features or [], "open": weekdays() if open_ is None else open_}


def house(house_id: str, rooms: list[dict], name: str | None = None) -> dict:
    return {"id": house_id, "name": name or f"Unterkunft {house_id.capitalize()}", "rooms": rooms}


def provider(provider_id: str, available: list[dict] | None = None, name: str | None = None, **extra) -> dict:
    return {"id": provider_id, "name": name or provider_id, "kind": "association",
            "available": weekdays() if available is None else available, **extra}


def offer(offer_id: str, accommodation: str = "haus", providers: list[str] | None = None, duration: int = 60,
          sessions: int = 1, participants: int = 5, guaranteed: bool = True, **extra) -> dict:
    return {"id": offer_id, "title": f"Angebot {offer_id}", "category": extra.pop("category", "other"),
            "accommodation": accommodation, "providers": providers or ["vhs"], "duration_minutes": duration,
            "sessions_per_week": sessions, "participants": participants, "guaranteed": guaranteed,
            "needs_features": extra.pop("needs_features", []), **extra}


def scenario(**changes) -> dict:
    """One house with one big room, one provider and one offer; keyword arguments replace fields."""
    base = {
        "format": "roombook-scenario/1", "timezone": "Europe/Berlin",
        "period": {"start": "2027-03-01", "end": "2027-03-28"}, "slot_minutes": 15, "travel_minutes": 30,
        "accommodations": [house("haus", [room("saal")])],
        "providers": [provider("vhs", name="Volkshochschule")],
        "offers": [offer("kurs")],
        "requirements": [], "bookings": [], "closures": [],
    }
    base.update(copy.deepcopy(changes))
    return base


def solved(document: dict, time_limit: float = 5.0) -> dict:
    """Solve and insist that the independent validator accepts the plan, whatever its status."""
    plan = solve(document, time_limit)
    assert check_plan(document, plan) == []
    return plan


def placed(plan: dict, offer_id: str, number: int = 0) -> dict:
    return next(row for row in plan["sessions"] if row["offer"] == offer_id and row["session"] == number)
