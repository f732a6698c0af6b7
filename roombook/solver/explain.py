"""Manager-readable reasons why a session or a requirement is short.

Cheap necessary conditions come first because they name the bottleneck (a room, a
provider, an accommodation); only when none of them holds do we describe what the
finished plan puts in the way.
"""

from __future__ import annotations

from collections import Counter

from .problem import Placement, Problem, Session, offer_options, room_fits
from .schedule import Schedule
from .timegrid import (
    DAY_MINUTES,
    DAYS,
    describe_start,
    format_hhmm,
    overlaps,
    week_spans,
)


def hours(minutes: int) -> str:
    value = minutes / 60
    return f"{value:g} h" if value == int(value) else f"{value:.1f} h"


def names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def category_label(category: str) -> str:
    return category.replace("_", " ")


class Explainer:
    def __init__(self, problem: Problem, assignment: dict[int, Placement]):
        self.problem = problem
        self.assignment = assignment
        self.schedule = Schedule(problem, assignment)
        self.reasons: dict[int, str] = {}

    def unplaced(self, session: Session) -> str:
        if session.index not in self.reasons:
            self.reasons[session.index] = self._unplaced(session)
        return self.reasons[session.index]

    def _unplaced(self, session: Session) -> str:
        offer = self.problem.offers[session.offer]
        for check in (self._pin, self._room, self._windows, self._bookings, self._days,
                      self._provider_hours, self._room_hours):
            reason = check(session, offer)
            if reason:
                return reason
        return self._blocked(session)

    def _accommodation(self, offer: dict) -> str:
        return self.problem.accommodations[offer["accommodation"]]["name"]

    def _pin(self, session: Session, offer: dict) -> str | None:
        if session.pin is None or session.options:
            return None
        pin = session.pin
        start = DAYS.index(pin["day"]) * DAY_MINUTES + int(pin["start"][:2]) * 60 + int(pin["start"][3:])
        where = f" in room {self.problem.rooms[pin['room']]['name']}" if pin.get("room") in self.problem.rooms else ""
        end = start + offer["duration_minutes"]
        rooms = [r for r in self.problem.accommodations[offer["accommodation"]]["rooms"]
                 if pin.get("room", r["id"]) == r["id"]]
        fitting = [r for r in rooms if room_fits(r, offer)]
        if not fitting:
            why = "that room does not suit the offer" if rooms else "that room is not in the accommodation"
        elif not any(_inside(week_spans(r["open"]), start, end) for r in fitting):
            why = "the room is not open then"
        elif "allowed" in offer and not _inside(week_spans(offer["allowed"]), start, end):
            why = "that time is outside the offer's allowed times"
        elif not any(_inside(week_spans(self.problem.providers[p]["available"]), start, end)
                     for p in offer["providers"]):
            why = f"{names([self.problem.providers[p]['name'] for p in offer['providers']])} is not available then"
        else:
            titles = sorted({b.booking for r in fitting for b in self.problem.fixed_blocks.get(r["id"], ())
                             if overlaps(start, end, b.start, b.end)})
            why = f"booking {names(titles)} cannot be displaced" if titles else "the pinned time is not usable"
        return (f"session {session.number} is pinned to {describe_start(start)}{where} for "
                f"{offer['duration_minutes']} minutes, but {why}")

    def _room(self, session: Session, offer: dict) -> str | None:
        rooms = self.problem.accommodations[offer["accommodation"]]["rooms"]
        place = self._accommodation(offer)
        if not rooms:
            return f"{place} has no room"
        if not any(r["capacity"] >= offer["participants"] for r in rooms):
            largest = max(r["capacity"] for r in rooms)
            return f"no room in {place} holds {offer['participants']} participants (the largest holds {largest})"
        needed = offer.get("needs_features", [])
        for feature in needed:
            if not any(feature in r.get("features", []) for r in rooms):
                return f"no room in {place} has the feature '{feature}'"
        if not any(room_fits(r, offer) for r in rooms):
            return (f"no room in {place} holds {offer['participants']} participants and has "
                    f"{names([repr(f) for f in needed])}")
        return None

    def _windows(self, session: Session, offer: dict) -> str | None:
        if session.pin is not None or offer_options(self.problem, offer, with_bookings=False):
            return None
        rooms = [r["name"] for r in self.problem.accommodations[offer["accommodation"]]["rooms"]
                 if room_fits(r, offer)]
        providers = [self.problem.providers[p]["name"] for p in offer["providers"]]
        within = " within the offer's allowed times" if "allowed" in offer else ""
        return (f"opening hours of room {names(rooms)} and availability of {names(providers)}{within} "
                f"never overlap for {offer['duration_minutes']} minutes")

    def _bookings(self, session: Session, offer: dict) -> str | None:
        if session.pin is not None or session.options:
            return None
        blocks = sorted({(b.booking, b.start, b.end) for r in self.problem.accommodations[offer["accommodation"]]["rooms"]
                         for b in self.problem.fixed_blocks.get(r["id"], ())}, key=lambda b: b[1])
        listed = [f"{_title(self.problem, b[0])} ({describe_start(b[1])}–{format_hhmm(b[2] % DAY_MINUTES)})"
                  for b in blocks[:3]]
        return ("every time when a suitable room is open and a provider is available is blocked by "
                f"bookings that cannot be displaced: {names(listed)}")

    def _days(self, session: Session, offer: dict) -> str | None:
        days = sorted({t // DAY_MINUTES for starts in session.options.values() for t in starts})
        if session.pin is not None or len(days) >= offer["sessions_per_week"]:
            return None
        listed = names([DAYS[d].capitalize() for d in days])
        return (f"only {len(days)} day(s) ({listed}) offer a {offer['duration_minutes']}-minute slot where room "
                f"and provider fit, but {offer['sessions_per_week']} sessions on different days are requested")

    def _provider_hours(self, session: Session, offer: dict) -> str | None:
        """Demand that only these providers can serve against their weekly hours."""
        group = set(offer["providers"])
        offers = [o for o in self.problem.offers.values() if set(o["providers"]) <= group]
        demand = sum(o["duration_minutes"] * o["sessions_per_week"] for o in offers)
        supply = 0
        capped = False
        for provider in group:
            available = sum(hi - lo for lo, hi in week_spans(self.problem.providers[provider]["available"]))
            limit = self.problem.provider_limit(provider)
            if limit is not None and limit < available:
                available, capped = limit, True
            supply += available
        if demand <= supply:
            return None
        who = names(sorted(self.problem.providers[p]["name"] for p in group))
        places = names(sorted({self.problem.accommodations[o["accommodation"]]["name"] for o in offers}))
        verb = "may work at most" if capped else "is available"
        return f"{who} {verb} {hours(supply)}/week but {hours(demand)} are requested across {places}"

    def _room_hours(self, session: Session, offer: dict) -> str | None:
        """Demand of offers that can only use these rooms against the rooms' weekly opening hours."""
        rooms = self.problem.accommodations[offer["accommodation"]]["rooms"]
        usable = {r["id"] for r in rooms if room_fits(r, offer)}
        offers = [o for o in self.problem.offers.values() if o["accommodation"] == offer["accommodation"]
                  and {r["id"] for r in rooms if room_fits(r, o)} <= usable]
        demand = sum(o["duration_minutes"] * o["sessions_per_week"] for o in offers)
        supply = sum(hi - lo for r in rooms if r["id"] in usable for lo, hi in week_spans(r["open"]))
        if demand <= supply:
            return None
        return (f"room {names(sorted(self.problem.rooms[r]['name'] for r in usable))} in {self._accommodation(offer)} "
                f"is open {hours(supply)}/week but the offers that can only use it need {hours(demand)}")

    def _blocked(self, session: Session) -> str:
        """What the finished plan puts in the way of each possible placement."""
        causes: Counter[str] = Counter()
        free = None
        for (room, provider), starts in session.options.items():
            for start in starts:
                cause = self._cause(session, Placement(room, provider, start))
                if cause is None:
                    free = free or Placement(room, provider, start)
                else:
                    causes[cause] += 1
        if free is not None:
            return (f"not placed within the time limit although {describe_start(free.start)} in room "
                    f"{self.problem.rooms[free.room]['name']} looks free; solve again with more time")
        top = [cause for cause, _ in causes.most_common(3)]
        priority = "" if session.guaranteed else " (guaranteed offers go first)"
        return f"every possible time is taken{priority}: {'; '.join(top)}"

    def _cause(self, session: Session, placement: Placement) -> str | None:
        problem = self.problem
        start, end = placement.start, placement.start + session.duration
        day = start // DAY_MINUTES
        other = self.schedule.offer_days.get(session.offer, {}).get(day)
        if other is not None and other != session.index:
            return f"the offer's other sessions use {DAYS[day].capitalize()}"
        for lo, hi, index in self.schedule.rooms.get((placement.room, day), ()):
            if overlaps(start, end, lo, hi):
                return f"room {problem.rooms[placement.room]['name']} is used by {self._label(index)}"
        provider = problem.providers[placement.provider]["name"]
        limit = problem.provider_limit(placement.provider)
        if limit is not None and self.schedule.minutes.get(placement.provider, 0) + session.duration > limit:
            return f"{provider} has reached {hours(limit)}/week"
        for near in (day - 1, day, day + 1):
            for lo, hi, accommodation, index in self.schedule.providers.get((placement.provider, near), ()):
                gap = problem.travel_minutes(accommodation, session.accommodation)
                if overlaps(start - gap, end + gap, lo, hi):
                    travel = f" (incl. {gap} minutes travel)" if gap else ""
                    return f"{provider} is busy with {self._label(index)}{travel}"
        return None

    def _label(self, index: int) -> str:
        session = self.problem.sessions[index]
        offer = self.problem.offers[session.offer]
        return f"{offer['title']} ({self.problem.accommodations[offer['accommodation']]['name']})"

    def requirement(self, requirement: dict, planned: int) -> str:
        problem = self.problem
        place = problem.accommodations[requirement["accommodation"]]["name"]
        label = category_label(requirement["category"])
        sessions = [s for s in problem.sessions if s.accommodation == requirement["accommodation"]
                    and s.category == requirement["category"]]
        offered = sum(s.duration for s in sessions)
        if not sessions:
            return f"no {label} offer exists for {place}"
        if offered < requirement["min_minutes_per_week"]:
            return (f"only {offered} minutes/week of {label} are offered in {place} but "
                    f"{requirement['min_minutes_per_week']} are required")
        missing = [s for s in sessions if s.index not in self.assignment]
        first = missing[0]
        title = problem.offers[first.offer]["title"]
        return (f"{len(missing)} session(s) of {label} in {place} could not be placed, e.g. '{title}': "
                f"{self.unplaced(first)}")


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(lo <= start and end <= hi for lo, hi in spans)


def _title(problem: Problem, booking: str) -> str:
    for row in problem.scenario.get("bookings", []):
        if row["id"] == booking:
            return f"'{row.get('title') or booking}'"
    return booking
