"""A second generator of cities with a planted feasible plan, unlike bench/scenario_gen.py's, for the solver's
loaded benchmark (issue 19, item 20: "a different generator and seed").

scenario_gen.py links each house to its neighbours (provider j serves houses j..j+2) and gives providers wide
windows. Here each provider serves 2–4 houses drawn from anywhere in the city (long-range links: a shortfall's
neighbourhood reaches across the city), works 2–3 days in a window of 5–7 hours, and offers are planted by
packing each house's rooms from the morning on, so rooms and providers are busy and few other plans exist;
half the providers may work exactly their planted minutes. Bookings that cannot be displaced sit in the gaps
the planted plan leaves. Every session of the planted plan keeps every hard rule, so the optimum places all.
"""

from __future__ import annotations

import random
from datetime import timedelta

from scenario_gen import (
    CATEGORIES,
    DAYS,
    KINDS,
    PERIOD,
    SLOT,
    TRAVEL,
    _minute,
    _Planter,
    _windows,
    hhmm,
    overlaps,
)

SEED = 2027


def generate_crowded(houses: int, seed: int = SEED) -> dict:
    """A city of `houses` accommodations, providers linked across it, rooms packed by the planted plan."""
    rng = random.Random(seed)
    accommodations = []
    for i in range(houses):
        rooms = [{"id": f"c{i}-r0", "name": f"Mehrzweckraum {i}", "capacity": rng.randint(10, 25),
                  "features": sorted(rng.sample(["whiteboard", "kitchen", "projector"], rng.randint(0, 2))),
                  "open": _windows([0, 1, 2, 3, 4], 9 * 60, 18 * 60)}]
        if rng.random() < 0.4:
            rooms.append({"id": f"c{i}-r1", "name": f"Büro {i}", "capacity": rng.randint(2, 5), "features": [],
                          "open": _windows([0, 1, 2, 3], 9 * 60, 16 * 60)})
        accommodations.append({"id": f"c{i}", "name": f"Haus {i}", "residents": rng.randint(40, 250), "rooms": rooms})
    providers, serving = [], {a["id"]: [] for a in accommodations}
    for j in range(houses + houses // 2):
        for house in rng.sample(sorted(serving), min(houses, rng.randint(2, 4))):
            serving[house].append(f"q{j}")
        start = rng.choice([9, 10, 11]) * 60
        providers.append({"id": f"q{j}", "name": f"Träger {j}", "kind": rng.choice(KINDS),
                          "available": _windows(sorted(rng.sample(range(5), rng.randint(2, 3))), start,
                                                start + rng.choice([5, 6, 7]) * 60)})
    by_id = {p["id"]: p for p in providers}
    planter = _Planter()
    offers, planted, gaps = [], [], []
    for accommodation in accommodations:
        house = accommodation["id"]
        for k in range(rng.randint(7, 10)):
            duration = rng.choice([60, 90, 90, 120])
            room = rng.choice(accommodation["rooms"])
            names = rng.sample(serving[house], min(len(serving[house]), rng.choice([1, 1, 2]))) or \
                [rng.choice(providers)["id"]]
            sessions, days_used = [], set()
            for number in range(rng.choice([1, 2, 2, 3])):
                slot = _earliest_slot(planter, room, names, by_id, house, duration, days_used)
                if slot is None:
                    break
                provider, day, start = slot
                planter.take(room["id"], provider, house, day, start, start + duration)
                days_used.add(day)
                sessions.append({"offer": f"{house}-a{k}", "session": number, "room": room["id"],
                                 "provider": provider, "day": DAYS[day], "start": hhmm(start),
                                 "end": hhmm(start + duration)})
            if not sessions:
                continue
            planted += sessions
            offers.append({"id": f"{house}-a{k}", "title": f"Kurs {k} im {accommodation['name']}",
                           "category": rng.choice(CATEGORIES), "accommodation": house, "providers": names,
                           "duration_minutes": duration, "sessions_per_week": len(sessions),
                           "participants": rng.randint(max(1, room["capacity"] // 3), room["capacity"]),
                           "needs_features": [], "guaranteed": rng.random() < 0.85})
    for provider in providers:
        used = planter.minutes.get(provider["id"], 0)
        if used and rng.random() < 0.5:
            provider["max_minutes_per_week"] = used
    busy: dict[tuple[str, int], list[tuple[int, int]]] = planter.rooms
    bookings = []
    for accommodation in accommodations:
        for room in accommodation["rooms"]:
            for n in range(2):
                day = rng.randrange(5)
                start = rng.choice(range(9 * 60, 16 * 60, 60))
                if any(overlaps(start, start + 60, a, b) for a, b in busy.get((room["id"], day), [])):
                    continue
                date = PERIOD[0] + timedelta(days=(day - PERIOD[0].weekday()) % 7 + 7 * (1 + 2 * n))
                bookings.append({"id": f"{room['id']}-t{n}", "room": room["id"], "start": f"{date}T{hhmm(start)}",
                                 "end": f"{date}T{hhmm(start + 60)}", "title": "Sprechstunde Sozialamt",
                                 "displaceable": False})
                busy.setdefault((room["id"], day), []).append((start, start + 60))
    return {"format": "roombook-scenario/1", "timezone": "Europe/Berlin",
            "period": {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()},
            "slot_minutes": SLOT, "travel_minutes": TRAVEL, "travel": [],
            "accommodations": accommodations, "providers": providers, "offers": offers,
            "requirements": [], "bookings": bookings, "closures": [], "current_plan": []}


def _earliest_slot(planter: _Planter, room: dict, names: list[str], providers: dict[str, dict], house: str,
                   duration: int, days_used: set[int]) -> tuple[str, int, int] | None:
    """The earliest free start (packing the room from the morning on) of any of the offer's providers."""
    options = []
    for provider in names:
        for window in providers[provider]["available"]:
            day = DAYS.index(window["day"])
            for opening in room["open"]:
                if opening["day"] == window["day"] and day not in days_used:
                    lo = max(_minute(window["from"]), _minute(opening["from"]))
                    hi = min(_minute(window["to"]), _minute(opening["to"]))
                    options += [(start, day, provider) for start in range(lo, hi - duration + 1, SLOT)]
    for start, day, provider in sorted(options):
        if planter.free(room["id"], provider, house, day, start, start + duration):
            return provider, day, start
    return None
