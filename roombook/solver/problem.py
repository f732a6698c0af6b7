"""The scenario turned into sessions with their possible placements.

Everything that depends on one session alone (room fit, windows, pins, non-displaceable
bookings) is resolved here into plain start lists, so the search only has to deal with
what sessions do to each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .timegrid import (
    DAY_MINUTES,
    DAYS,
    day_pieces,
    intersect,
    overlaps,
    parse_date,
    parse_hhmm,
    parse_local,
    starts_within,
    week_spans,
)


@dataclass(frozen=True)
class Placement:
    """Where one weekly session takes place; `start` is in minutes from Monday 00:00."""

    room: str
    provider: str
    start: int


@dataclass(frozen=True)
class Block:
    """The weekly shadow of a dated booking: the weekday and time it takes in its room."""

    booking: str
    room: str
    start: int
    end: int


@dataclass
class Session:
    index: int
    offer: str
    number: int
    accommodation: str
    category: str
    duration: int
    guaranteed: bool
    options: dict[tuple[str, str], tuple[int, ...]]
    preferred: frozenset[int] | None
    current: Placement | None = None
    pin: dict | None = None

    def candidate_count(self) -> int:
        return sum(len(starts) for starts in self.options.values())


@dataclass
class Problem:
    scenario: dict
    slot: int
    period: tuple[date, date]
    accommodations: dict[str, dict]
    rooms: dict[str, dict]
    room_accommodation: dict[str, str]
    providers: dict[str, dict]
    offers: dict[str, dict]
    sessions: list[Session]
    requirements: list[dict]
    fixed_blocks: dict[str, list[Block]]
    displaceable_blocks: dict[str, list[Block]]
    default_travel: int
    travel: dict[tuple[str, str], int] = field(default_factory=dict)

    def travel_minutes(self, first: str, second: str) -> int:
        if first == second:
            return 0
        return self.travel.get((first, second), self.default_travel)

    def provider_limit(self, provider: str) -> int | None:
        return self.providers[provider].get("max_minutes_per_week")


def build_problem(scenario: dict) -> Problem:
    """Resolve a (valid) scenario into sessions and their candidate placements."""
    slot = scenario.get("slot_minutes", 15)
    period = (parse_date(scenario["period"]["start"]), parse_date(scenario["period"]["end"]))
    accommodations = {a["id"]: a for a in scenario["accommodations"]}
    rooms = {r["id"]: r for a in scenario["accommodations"] for r in a["rooms"]}
    room_accommodation = {r["id"]: a["id"] for a in scenario["accommodations"] for r in a["rooms"]}
    fixed_blocks, displaceable_blocks = _booking_blocks(scenario.get("bookings", []), period)
    travel = {}
    for leg in scenario.get("travel", []):
        travel.setdefault((leg["from"], leg["to"]), leg["minutes"])
        travel.setdefault((leg["to"], leg["from"]), leg["minutes"])
    problem = Problem(
        scenario=scenario, slot=slot, period=period, accommodations=accommodations, rooms=rooms,
        room_accommodation=room_accommodation,
        providers={p["id"]: p for p in scenario["providers"]},
        offers={o["id"]: o for o in scenario["offers"]}, sessions=[],
        requirements=list(scenario.get("requirements", [])), fixed_blocks=fixed_blocks,
        displaceable_blocks=displaceable_blocks,
        default_travel=scenario.get("travel_minutes", 0), travel=travel)
    current = _current_placements(scenario.get("current_plan", []))
    for offer in scenario["offers"]:
        options = offer_options(problem, offer)
        preferred = _preferred_starts(offer, slot)
        pins = {pin["session"]: pin for pin in offer.get("pinned", [])}
        for number in range(offer["sessions_per_week"]):
            pin = pins.get(number)
            problem.sessions.append(Session(
                index=len(problem.sessions), offer=offer["id"], number=number,
                accommodation=offer["accommodation"], category=offer["category"],
                duration=offer["duration_minutes"], guaranteed=offer["guaranteed"],
                options=_pinned(options, pin) if pin else options, preferred=preferred,
                current=current.get((offer["id"], number)), pin=pin))
    return problem


def room_fits(room: dict, offer: dict) -> bool:
    return (room["capacity"] >= offer["participants"]
            and set(offer.get("needs_features", [])) <= set(room.get("features", [])))


def offer_options(problem: Problem, offer: dict, with_bookings: bool = True) -> dict[tuple[str, str], tuple[int, ...]]:
    """Grid starts per (room, provider) where rule 1, rule 2 and (optionally) rule 6 allow the offer."""
    duration = offer["duration_minutes"]
    allowed = week_spans(offer["allowed"]) if "allowed" in offer else None
    options = {}
    for room in problem.accommodations[offer["accommodation"]]["rooms"]:
        if not room_fits(room, offer):
            continue
        room_spans = week_spans(room["open"])
        if allowed is not None:
            room_spans = intersect(room_spans, allowed)
        blocks = problem.fixed_blocks.get(room["id"], []) if with_bookings else []
        for provider in offer["providers"]:
            spans = intersect(room_spans, week_spans(problem.providers[provider]["available"]))
            starts = [t for t in starts_within(spans, duration, problem.slot)
                      if not any(overlaps(t, t + duration, b.start, b.end) for b in blocks)]
            if starts:
                options[(room["id"], provider)] = tuple(starts)
    return options


def _pinned(options: dict, pin: dict) -> dict:
    start = DAYS.index(pin["day"]) * DAY_MINUTES + parse_hhmm(pin["start"])
    return {key: (start,) for key, starts in options.items()
            if start in starts and pin.get("room", key[0]) == key[0]}


def _preferred_starts(offer: dict, slot: int) -> frozenset[int] | None:
    if not offer.get("preferred"):
        return None
    return frozenset(starts_within(week_spans(offer["preferred"]), offer["duration_minutes"], slot))


def _current_placements(rows: list[dict]) -> dict[tuple[str, int], Placement]:
    return {(row["offer"], row["session"]): Placement(
        row["room"], row["provider"], DAYS.index(row["day"]) * DAY_MINUTES + parse_hhmm(row["start"]))
        for row in rows}


def _booking_blocks(bookings: list[dict], period: tuple[date, date]) -> tuple[dict, dict]:
    """Weekly blocks of the bookings inside the period, split by whether they may be displaced."""
    fixed: dict[str, list[Block]] = {}
    displaceable: dict[str, list[Block]] = {}
    for booking in bookings:
        target = displaceable if booking["displaceable"] else fixed
        for day, lo, hi in day_pieces(parse_local(booking["start"]), parse_local(booking["end"])):
            if period[0] <= day <= period[1]:
                offset = day.weekday() * DAY_MINUTES
                target.setdefault(booking["room"], []).append(
                    Block(booking["id"], booking["room"], offset + lo, offset + hi))
    return fixed, displaceable
