"""What a plan is worth: the lexicographic score of FORMAT.md and its weighted form for CP-SAT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .problem import Placement, Problem, Session
from .schedule import Schedule


class Score(NamedTuple):
    """Plan quality in the order of FORMAT.md: hard shortfalls first, then the soft wishes."""

    hard: int
    unplaced: int
    displaced: int
    moved: int
    not_preferred: int


@dataclass(frozen=True)
class Weights:
    """Objective weights making the weighted sum lexicographic in the order of `Score`."""

    hard: int
    unplaced: int
    displaced: int
    moved: int
    not_preferred: int

    def of(self, score: Score) -> int:
        return (self.hard * score.hard + self.unplaced * score.unplaced + self.displaced * score.displaced
                + self.moved * score.moved + self.not_preferred * score.not_preferred)


def weights_for(problem: Problem) -> Weights:
    """Each weight exceeds the largest possible total of all lower tiers."""
    preferred = sum(1 for s in problem.sessions if s.preferred is not None)
    current = sum(1 for s in problem.sessions if s.current is not None)
    bookings = len({b.booking for blocks in problem.displaceable_blocks.values() for b in blocks})
    optional = sum(1 for s in problem.sessions if not s.guaranteed)
    w_moved = preferred + 1
    w_displaced = w_moved * current + w_moved
    w_unplaced = w_displaced * bookings + w_displaced
    w_hard = w_unplaced * optional + w_unplaced
    return Weights(w_hard, w_unplaced, w_displaced, w_moved, 1)


def requirement_minutes(problem: Problem, assignment: dict) -> dict[tuple[str, str], int]:
    """Planned minutes per (accommodation, category) of the placed sessions."""
    planned: dict[tuple[str, str], int] = {}
    for index in assignment:
        session = problem.sessions[index]
        key = (session.accommodation, session.category)
        planned[key] = planned.get(key, 0) + session.duration
    return planned


def evaluate(problem: Problem, assignment: dict[int, Placement], sessions: list[Session] | None = None) -> Score:
    """Score of `assignment`, counting only `sessions` (and their requirements and bookings) if given."""
    chosen = problem.sessions if sessions is None else sessions
    accommodations = {s.accommodation for s in chosen}
    planned = requirement_minutes(problem, {s.index: None for s in chosen if s.index in assignment})
    unmet = sum(1 for r in problem.requirements if r["accommodation"] in accommodations
                and planned.get((r["accommodation"], r["category"]), 0) < r["min_minutes_per_week"])
    hard = unmet + sum(1 for s in chosen if s.guaranteed and s.index not in assignment)
    unplaced = sum(1 for s in chosen if not s.guaranteed and s.index not in assignment)
    schedule = Schedule(problem)
    displaced: set[str] = set()
    for s in chosen:
        if s.index in assignment:
            displaced |= schedule.displaces(s, assignment[s.index])
    moved = sum(1 for s in chosen if s.current is not None and assignment.get(s.index) != s.current)
    not_preferred = sum(1 for s in chosen if s.preferred is not None and (
        s.index not in assignment or assignment[s.index].start not in s.preferred))
    return Score(hard, unplaced, len(displaced), moved, not_preferred)
