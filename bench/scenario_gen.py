"""Scenarios with a planted feasible plan, for benchmarking the solver.

Offers are generated together with a weekly placement that keeps every hard rule, so the
optimum places every session; providers are shared between neighbouring houses (house i
and i+1, i+2), which links the whole city into one component, as in a real city.
"""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CATEGORIES = ["language_course", "daily_life_course", "office_hours", "counselling",
              "procedural_counselling", "volunteer_activity", "training", "other"]
FEATURES = ["whiteboard", "childcare_corner", "kitchen", "step_free", "projector"]
KINDS = ["department", "association", "course_provider", "volunteer"]
PERIOD = (date(2027, 3, 1), date(2027, 4, 30))
SLOT = 15
TRAVEL = 30


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def overlaps(a: int, b: int, c: int, d: int) -> bool:
    return a < d and c < b


class _Planter:
    """Tracks the planted plan while offers are generated, so each new session keeps every rule."""

    def __init__(self) -> None:
        self.rooms: dict[tuple[str, int], list[tuple[int, int]]] = {}
        self.providers: dict[tuple[str, int], list[tuple[int, int, str]]] = {}
        self.minutes: dict[str, int] = {}

    def free(self, room: str, provider: str, house: str, day: int, start: int, end: int) -> bool:
        if any(overlaps(start, end, a, b) for a, b in self.rooms.get((room, day), [])):
            return False
        return not any(overlaps(start - (0 if h == house else TRAVEL), end + (0 if h == house else TRAVEL), a, b)
                       for a, b, h in self.providers.get((provider, day), []))

    def take(self, room: str, provider: str, house: str, day: int, start: int, end: int) -> None:
        self.rooms.setdefault((room, day), []).append((start, end))
        self.providers.setdefault((provider, day), []).append((start, end, house))
        self.minutes[provider] = self.minutes.get(provider, 0) + end - start


def _windows(days: list[int], start: int, end: int) -> list[dict]:
    return [{"day": DAYS[d], "from": hhmm(start), "to": hhmm(end)} for d in days]


def generate(houses: int, seed: int = 1, tight: bool = False, with_plan: bool = False) -> dict:
    """A city of `houses` accommodations whose planted plan places every session.

    `tight` gives every provider exactly its planted minutes per week and nine offers per
    house, so few other plans exist.
    """
    rng = random.Random(seed)
    where = random.Random(f"coordinates-{seed}")
    accommodations = []
    for i in range(houses):
        big_features = sorted(rng.sample(FEATURES, rng.randint(1, 3)))
        rooms = [{"id": f"h{i}-gr", "name": f"Gemeinschaftsraum {i}", "capacity": rng.randint(14, 30),
                  "features": big_features, "open": _windows([0, 1, 2, 3, 4], 8 * 60, 20 * 60)
                  + (_windows([5], 10 * 60, 16 * 60) if rng.random() < 0.4 else [])}]
        if rng.random() < 0.6:
            rooms.append({"id": f"h{i}-br", "name": f"Beratungsraum {i}", "capacity": rng.randint(3, 6),
                          "features": ["step_free"], "open": _windows([0, 1, 2, 3, 4], 8 * 60, 18 * 60)})
        # spread over a city of about 15 km across (for "near" in the free-slot search); from a generator of
        # their own, so the rest of the scenario stays what it was for a seed
        accommodations.append({"id": f"h{i}", "name": f"Unterkunft {i}", "residents": rng.randint(30, 200),
                               "latitude": round(51.95 + 0.14 * where.random(), 5),
                               "longitude": round(8.42 + 0.2 * where.random(), 5), "rooms": rooms})
    provider_count = max(2, round(1.6 * houses))
    providers = []
    serving: dict[str, list[str]] = {f"h{i}": [] for i in range(houses)}
    for j in range(provider_count):
        home = min(houses - 1, j * houses // provider_count)
        reach = rng.choice([2, 2, 3])
        for house in range(home, min(houses, home + reach)):
            serving[f"h{house}"].append(f"p{j}")
        days = sorted(rng.sample(range(5), rng.randint(3, 5)))
        start, end = rng.choice([(8 * 60, 14 * 60), (9 * 60, 17 * 60), (12 * 60, 20 * 60), (8 * 60, 20 * 60)])
        providers.append({"id": f"p{j}", "name": f"Anbieter {j}", "kind": rng.choice(KINDS),
                          "available": _windows(days, start, end)})
    for house, names in serving.items():
        if not names:
            names.append(rng.choice(providers)["id"])
    planter = _Planter()
    provider_by_id = {p["id"]: p for p in providers}
    offers, planted = [], []
    for accommodation in accommodations:
        house = accommodation["id"]
        for k in range(9 if tight else rng.randint(6, 9)):
            offer, sessions = _plant_offer(rng, planter, accommodation, serving[house], provider_by_id, k)
            if offer:
                offers.append(offer)
                planted += sessions
    for provider in providers:
        used = planter.minutes.get(provider["id"], 0)
        if used and (tight or rng.random() < 0.3):
            provider["max_minutes_per_week"] = used + (0 if tight else rng.choice([0, 60, 120]))
    requirements = []
    for accommodation in accommodations:
        minutes: dict[str, int] = {}
        for offer in offers:
            if offer["accommodation"] == accommodation["id"] and offer["guaranteed"]:
                minutes[offer["category"]] = minutes.get(offer["category"], 0) + \
                    offer["duration_minutes"] * offer["sessions_per_week"]
        for category, total in sorted(minutes.items())[:3]:
            requirements.append({"accommodation": accommodation["id"], "category": category,
                                 "min_minutes_per_week": total - total % 30 if rng.random() < 0.5 else total})
    bookings, closures = _bookings(rng, accommodations, planted)
    return {"format": "roombook-scenario/1", "timezone": "Europe/Berlin",
            "period": {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()},
            "slot_minutes": SLOT, "travel_minutes": TRAVEL,
            "travel": [{"from": f"h{i}", "to": f"h{i + 1}", "minutes": 20} for i in range(0, houses - 1, 3)],
            "accommodations": accommodations, "providers": providers, "offers": offers,
            "requirements": requirements, "bookings": bookings, "closures": closures,
            "current_plan": planted if with_plan else []}


def _plant_offer(rng: random.Random, planter: _Planter, accommodation: dict, serving: list[str],
                 providers: dict[str, dict], k: int) -> tuple[dict | None, list[dict]]:
    house = accommodation["id"]
    room = rng.choice(accommodation["rooms"])
    duration = rng.choice([60, 90, 120, 120, 180])
    sessions_per_week = rng.choice([1, 1, 2, 2, 3])
    names = rng.sample(serving, min(len(serving), rng.choice([1, 1, 2])))
    offer_id = f"{house}-o{k}"
    sessions = []
    days_used: set[int] = set()
    for number in range(sessions_per_week):
        slot = _find_slot(rng, planter, room, names, providers, house, duration, days_used)
        if slot is None:
            break
        provider, day, start = slot
        planter.take(room["id"], provider, house, day, start, start + duration)
        days_used.add(day)
        sessions.append({"offer": offer_id, "session": number, "room": room["id"], "provider": provider,
                         "day": DAYS[day], "start": hhmm(start), "end": hhmm(start + duration)})
    if not sessions:
        return None, []
    offer = {"id": offer_id, "title": f"Angebot {k} in {accommodation['name']}",
             "category": rng.choice(CATEGORIES), "accommodation": house, "providers": names,
             "duration_minutes": duration, "sessions_per_week": len(sessions),
             "participants": rng.randint(max(1, room["capacity"] // 2), room["capacity"]),
             "needs_features": sorted(rng.sample(room["features"], rng.randint(0, min(1, len(room["features"]))))),
             "guaranteed": rng.random() < 0.8}
    if rng.random() < 0.25:
        first = sessions[0]
        offer["preferred"] = [{"day": first["day"], "from": "08:00", "to": "20:00"}]
    if rng.random() < 0.05:
        offer["pinned"] = [{"session": 0, "day": sessions[0]["day"], "start": sessions[0]["start"],
                            "room": room["id"]}]
    return offer, sessions


def _find_slot(rng: random.Random, planter: _Planter, room: dict, names: list[str], providers: dict[str, dict],
               house: str, duration: int, days_used: set[int]) -> tuple[str, int, int] | None:
    options = []
    for provider in names:
        for window in providers[provider]["available"]:
            day = DAYS.index(window["day"])
            if day in days_used:
                continue
            for opening in room["open"]:
                if opening["day"] != window["day"]:
                    continue
                lo = max(_minute(window["from"]), _minute(opening["from"]))
                hi = min(_minute(window["to"]), _minute(opening["to"]))
                options += [(provider, day, t) for t in range(lo - lo % SLOT, hi - duration + 1, 30) if t >= lo]
    rng.shuffle(options)
    for provider, day, start in options:
        if planter.free(room["id"], provider, house, day, start, start + duration):
            return provider, day, start
    return None


def _minute(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


def _bookings(rng: random.Random, accommodations: list[dict], planted: list[dict]) -> tuple[list, list]:
    """Dated bookings that never clash with the planted plan (or may be displaced), and closures."""
    busy: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for row in planted:
        busy.setdefault((row["room"], row["day"]), []).append((_minute(row["start"]), _minute(row["end"])))
    bookings, closures = [], []
    for accommodation in accommodations:
        for room in accommodation["rooms"]:
            for n in range(rng.randint(0, 3)):
                day = PERIOD[0] + timedelta(days=rng.randrange((PERIOD[1] - PERIOD[0]).days + 1))
                if day.weekday() > 4:
                    continue
                start = rng.choice(range(8 * 60, 16 * 60, 30))
                end = start + 120
                clash = any(overlaps(start, end, a, b) for a, b in busy.get((room["id"], DAYS[day.weekday()]), []))
                displaceable = clash or rng.random() < 0.5
                bookings.append({"id": f"{room['id']}-b{n}", "room": room["id"],
                                 "start": f"{day}T{hhmm(start)}", "end": f"{day}T{hhmm(end)}",
                                 "title": "Hausversammlung" if displaceable else "Impftermin",
                                 "displaceable": displaceable})
            closures.append({"room": room["id"], "start": "2027-04-05T00:00", "end": "2027-04-06T00:00",
                             "reason": "Ostermontag"})
            if rng.random() < 0.1:
                closures.append({"room": room["id"], "start": "2027-03-15T08:00", "end": "2027-03-17T20:00",
                                 "reason": "Malerarbeiten"})
    return bookings, closures


def overload_provider(scenario: dict) -> tuple[dict, str]:
    """Infeasible variant: the busiest shared provider loses most of its weekly hours."""
    result = copy.deepcopy(scenario)
    demand: dict[str, int] = {}
    for offer in result["offers"]:
        if offer["guaranteed"] and len(offer["providers"]) == 1:
            demand[offer["providers"][0]] = demand.get(offer["providers"][0], 0) + \
                offer["duration_minutes"] * offer["sessions_per_week"]
    provider_id = max(demand, key=demand.get)
    provider = next(p for p in result["providers"] if p["id"] == provider_id)
    provider["max_minutes_per_week"] = demand[provider_id] // 2
    return result, provider["name"]


def shrink_rooms(scenario: dict) -> tuple[dict, str]:
    """Infeasible variant: every room of the first house becomes too small for its largest group."""
    result = copy.deepcopy(scenario)
    house = result["accommodations"][0]
    for room in house["rooms"]:
        room["capacity"] = 2
    return result, house["name"]


def perturb(scenario: dict, plan: dict, share: float = 0.01, seed: int = 5) -> dict:
    """The plan becomes current_plan; `share` of the providers each lose one day they work on.

    Providers with a spare working day are chosen first, so the change usually stays solvable.
    """
    rng = random.Random(seed)
    result = copy.deepcopy(scenario)
    result["current_plan"] = plan["sessions"]
    used_days: dict[str, set[str]] = {}
    for row in plan["sessions"]:
        used_days.setdefault(row["provider"], set()).add(row["day"])
    providers = {p["id"]: p for p in result["providers"]}
    spare = sorted(p for p in used_days if len({w["day"] for w in providers[p]["available"]}) > len(used_days[p]))
    candidates = spare if spare else sorted(used_days)
    for provider_id in rng.sample(candidates, max(1, round(share * len(result["providers"])))):
        lost = rng.choice(sorted(used_days[provider_id]))
        providers[provider_id]["available"] = [w for w in providers[provider_id]["available"] if w["day"] != lost]
    return result
