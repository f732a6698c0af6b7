"""Resource usage of a partial assignment, for fast fit checks."""

from __future__ import annotations

from .problem import Placement, Problem, Session
from .timegrid import DAY_MINUTES, overlaps


class Schedule:
    """Who uses which room and provider when, so a placement can be checked in a few steps."""

    def __init__(self, problem: Problem, assignment: dict[int, Placement] | None = None):
        self.problem = problem
        self.assignment: dict[int, Placement] = {}
        self.rooms: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
        self.providers: dict[tuple[str, int], list[tuple[int, int, str, int]]] = {}
        self.minutes: dict[str, int] = {}
        self.offer_days: dict[str, dict[int, int]] = {}
        self.displaced: dict[str, int] = {}
        for index, placement in (assignment or {}).items():
            self.add(problem.sessions[index], placement)

    def fits(self, session: Session, placement: Placement) -> bool:
        """Whether rules 3-5 still hold with this session added (rules 1, 2, 6 are in the options)."""
        start, end = placement.start, placement.start + session.duration
        day = start // DAY_MINUTES
        if day in self.offer_days.get(session.offer, {}):
            return False
        for other_start, other_end, _ in self.rooms.get((placement.room, day), ()):
            if overlaps(start, end, other_start, other_end):
                return False
        limit = self.problem.provider_limit(placement.provider)
        if limit is not None and self.minutes.get(placement.provider, 0) + session.duration > limit:
            return False
        for near in (day - 1, day, day + 1):
            for other_start, other_end, accommodation, _ in self.providers.get((placement.provider, near), ()):
                gap = self.problem.travel_minutes(accommodation, session.accommodation)
                if overlaps(start - gap, end + gap, other_start, other_end):
                    return False
        return True

    def displaces(self, session: Session, placement: Placement) -> set[str]:
        end = placement.start + session.duration
        return {block.booking for block in self.problem.displaceable_blocks.get(placement.room, ())
                if overlaps(placement.start, end, block.start, block.end)}

    def add(self, session: Session, placement: Placement) -> None:
        start, end = placement.start, placement.start + session.duration
        day = start // DAY_MINUTES
        self.assignment[session.index] = placement
        self.rooms.setdefault((placement.room, day), []).append((start, end, session.index))
        self.providers.setdefault((placement.provider, day), []).append(
            (start, end, session.accommodation, session.index))
        self.minutes[placement.provider] = self.minutes.get(placement.provider, 0) + session.duration
        days = self.offer_days.setdefault(session.offer, {})
        days[day] = session.index
        for booking in self.displaces(session, placement):
            self.displaced[booking] = self.displaced.get(booking, 0) + 1
