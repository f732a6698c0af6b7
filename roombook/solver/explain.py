"""Why a session or a requirement is short, as structured reasons: a code and its parameters.

Cheap necessary conditions come first because they name the bottleneck (a room, a
provider, an accommodation); only when none of them holds do we describe what the
finished plan puts in the way.

A reason is a plain dict, `{"code": ..., **parameters}`: names of houses, rooms, providers
and offers as the scenario spells them, durations in minutes, times as minutes from Monday
00:00, weekdays as "mon" … "sun". The solver words it in English (`wording.english`) for the
plan's `reason` text and the command line; the app words the same dict in the page's language.
The codes and their parameters are listed in FORMAT.md.
"""

from __future__ import annotations

from collections import Counter

from .problem import Placement, Problem, Session, offer_options, room_fits
from .schedule import Schedule
from .timegrid import DAY_MINUTES, DAYS, overlaps, week_spans
from .wording import english

Reason = dict


class Explainer:
    def __init__(self, problem: Problem, assignment: dict[int, Placement]):
        self.problem = problem
        self.assignment = assignment
        self.schedule = Schedule(problem, assignment)
        self.reasons: dict[int, Reason] = {}

    def unplaced(self, session: Session) -> Reason:
        if session.index not in self.reasons:
            self.reasons[session.index] = self._unplaced(session)
        return self.reasons[session.index]

    def _unplaced(self, session: Session) -> Reason:
        offer = self.problem.offers[session.offer]
        for check in (self._pin, self._room, self._windows, self._bookings, self._days,
                      self._provider_hours, self._room_hours):
            reason = check(session, offer)
            if reason:
                return reason
        return self._blocked(session)

    def _accommodation(self, offer: dict) -> str:
        return self.problem.accommodations[offer["accommodation"]]["name"]

    def _pin(self, session: Session, offer: dict) -> Reason | None:
        if session.pin is None or session.options:
            return None
        pin = session.pin
        start = DAYS.index(pin["day"]) * DAY_MINUTES + int(pin["start"][:2]) * 60 + int(pin["start"][3:])
        room = self.problem.rooms[pin["room"]]["name"] if pin.get("room") in self.problem.rooms else None
        end = start + offer["duration_minutes"]
        rooms = [r for r in self.problem.accommodations[offer["accommodation"]]["rooms"]
                 if pin.get("room", r["id"]) == r["id"]]
        fitting = [r for r in rooms if room_fits(r, offer)]
        if not fitting:
            cause = {"code": "pin_room_unsuitable" if rooms else "pin_room_elsewhere"}
        elif not any(_inside(week_spans(r["open"]), start, end) for r in fitting):
            cause = {"code": "pin_room_closed"}
        elif "allowed" in offer and not _inside(week_spans(offer["allowed"]), start, end):
            cause = {"code": "pin_not_allowed"}
        elif not any(_inside(week_spans(self.problem.providers[p]["available"]), start, end)
                     for p in offer["providers"]):
            cause = {"code": "pin_provider_away",
                     "providers": [self.problem.providers[p]["name"] for p in offer["providers"]]}
        else:
            titles = sorted({_title(self.problem, b.booking) for r in fitting
                             for b in self.problem.fixed_blocks.get(r["id"], ())
                             if overlaps(start, end, b.start, b.end)})
            cause = {"code": "pin_booking", "bookings": titles} if titles else {"code": "pin_unusable"}
        return {"code": "pinned", "session": session.number, "at": start, "room": room,
                "minutes": offer["duration_minutes"], "cause": cause}

    def _room(self, session: Session, offer: dict) -> Reason | None:
        rooms = self.problem.accommodations[offer["accommodation"]]["rooms"]
        place = self._accommodation(offer)
        if not rooms:
            return {"code": "no_room", "place": place}
        if not any(r["capacity"] >= offer["participants"] for r in rooms):
            return {"code": "room_too_small", "place": place, "participants": offer["participants"],
                    "largest": max(r["capacity"] for r in rooms)}
        needed = offer.get("needs_features", [])
        for feature in needed:
            if not any(feature in r.get("features", []) for r in rooms):
                return {"code": "room_lacks_feature", "place": place, "feature": feature}
        if not any(room_fits(r, offer) for r in rooms):
            return {"code": "room_unfit", "place": place, "participants": offer["participants"],
                    "features": list(needed)}
        return None

    def _windows(self, session: Session, offer: dict) -> Reason | None:
        if session.pin is not None or offer_options(self.problem, offer, with_bookings=False):
            return None
        rooms = [r["name"] for r in self.problem.accommodations[offer["accommodation"]]["rooms"]
                 if room_fits(r, offer)]
        providers = [self.problem.providers[p]["name"] for p in offer["providers"]]
        return {"code": "windows_never_meet", "rooms": rooms, "providers": providers,
                "minutes": offer["duration_minutes"], "allowed": "allowed" in offer}

    def _bookings(self, session: Session, offer: dict) -> Reason | None:
        if session.pin is not None or session.options:
            return None
        blocks = sorted({(b.booking, b.start, b.end) for r in self.problem.accommodations[offer["accommodation"]]["rooms"]
                         for b in self.problem.fixed_blocks.get(r["id"], ())}, key=lambda b: b[1])
        return {"code": "bookings_block",
                "bookings": [{"title": _title(self.problem, b[0]), "at": b[1], "end": b[2]} for b in blocks[:3]]}

    def _days(self, session: Session, offer: dict) -> Reason | None:
        days = sorted({t // DAY_MINUTES for starts in session.options.values() for t in starts})
        if session.pin is not None or len(days) >= offer["sessions_per_week"]:
            return None
        return {"code": "too_few_days", "days": [DAYS[d] for d in days], "minutes": offer["duration_minutes"],
                "sessions": offer["sessions_per_week"]}

    def _provider_hours(self, session: Session, offer: dict) -> Reason | None:
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
        return {"code": "provider_hours", "providers": sorted(self.problem.providers[p]["name"] for p in group),
                "capped": capped, "supply": supply, "demand": demand,
                "places": sorted({self.problem.accommodations[o["accommodation"]]["name"] for o in offers})}

    def _room_hours(self, session: Session, offer: dict) -> Reason | None:
        """Demand of offers that can only use these rooms against the rooms' weekly opening hours."""
        rooms = self.problem.accommodations[offer["accommodation"]]["rooms"]
        usable = {r["id"] for r in rooms if room_fits(r, offer)}
        offers = [o for o in self.problem.offers.values() if o["accommodation"] == offer["accommodation"]
                  and {r["id"] for r in rooms if room_fits(r, o)} <= usable]
        demand = sum(o["duration_minutes"] * o["sessions_per_week"] for o in offers)
        supply = sum(hi - lo for r in rooms if r["id"] in usable for lo, hi in week_spans(r["open"]))
        if demand <= supply:
            return None
        return {"code": "room_hours", "rooms": sorted(self.problem.rooms[r]["name"] for r in usable),
                "place": self._accommodation(offer), "supply": supply, "demand": demand}

    def _blocked(self, session: Session) -> Reason:
        """What the finished plan puts in the way of each possible placement."""
        causes: Counter[str] = Counter()
        by_text: dict[str, Reason] = {}
        free = None
        for (room, provider), starts in session.options.items():
            for start in starts:
                cause = self._cause(session, Placement(room, provider, start))
                if cause is None:
                    free = free or Placement(room, provider, start)
                else:
                    text = english(cause)
                    by_text.setdefault(text, cause)
                    causes[text] += 1
        if free is not None:
            return {"code": "time_limit", "at": free.start, "room": self.problem.rooms[free.room]["name"]}
        return {"code": "all_taken", "guaranteed": session.guaranteed,
                "causes": [by_text[text] for text, _ in causes.most_common(3)]}

    def _cause(self, session: Session, placement: Placement) -> Reason | None:
        problem = self.problem
        start, end = placement.start, placement.start + session.duration
        day = start // DAY_MINUTES
        other = self.schedule.offer_days.get(session.offer, {}).get(day)
        if other is not None and other != session.index:
            return {"code": "same_day", "day": DAYS[day]}
        for lo, hi, index in self.schedule.rooms.get((placement.room, day), ()):
            if overlaps(start, end, lo, hi):
                return {"code": "room_used", "room": problem.rooms[placement.room]["name"], "by": self._label(index)}
        provider = problem.providers[placement.provider]["name"]
        limit = problem.provider_limit(placement.provider)
        if limit is not None and self.schedule.minutes.get(placement.provider, 0) + session.duration > limit:
            return {"code": "provider_limit", "provider": provider, "limit": limit}
        for near in (day - 1, day, day + 1):
            for lo, hi, accommodation, index in self.schedule.providers.get((placement.provider, near), ()):
                gap = problem.travel_minutes(accommodation, session.accommodation)
                if overlaps(start - gap, end + gap, lo, hi):
                    return {"code": "provider_busy", "provider": provider, "by": self._label(index), "travel": gap}
        return None

    def _label(self, index: int) -> dict:
        session = self.problem.sessions[index]
        offer = self.problem.offers[session.offer]
        return {"title": offer["title"], "place": self.problem.accommodations[offer["accommodation"]]["name"]}

    def requirement(self, requirement: dict, planned: int) -> Reason:
        problem = self.problem
        place = problem.accommodations[requirement["accommodation"]]["name"]
        category = requirement["category"]
        sessions = [s for s in problem.sessions if s.accommodation == requirement["accommodation"]
                    and s.category == category]
        offered = sum(s.duration for s in sessions)
        if not sessions:
            return {"code": "no_offer", "category": category, "place": place}
        if offered < requirement["min_minutes_per_week"]:
            return {"code": "too_little_offered", "category": category, "place": place, "offered": offered,
                    "required": requirement["min_minutes_per_week"]}
        missing = [s for s in sessions if s.index not in self.assignment]
        first = missing[0]
        return {"code": "sessions_unplaced", "category": category, "place": place, "count": len(missing),
                "title": problem.offers[first.offer]["title"], "cause": self.unplaced(first)}


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(lo <= start and end <= hi for lo, hi in spans)


def _title(problem: Problem, booking: str) -> str:
    for row in problem.scenario.get("bookings", []):
        if row["id"] == booking:
            return row.get("title") or booking
    return booking
