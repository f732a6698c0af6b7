"""First-fit placement: the start solution for the search and the benchmark's baseline."""

from __future__ import annotations

from collections.abc import Iterator

from .problem import Placement, Problem, Session
from .schedule import Schedule


def place_greedily(problem: Problem, schedule: Schedule | None = None,
                   sessions: list[Session] | None = None) -> dict[int, Placement]:
    """Keep what still fits of the current plan, then place the hardest sessions first."""
    schedule = schedule or Schedule(problem)
    pending = [s for s in (problem.sessions if sessions is None else sessions)
               if s.index not in schedule.assignment]
    for session in pending:
        current = session.current
        if current and current.start in session.options.get((current.room, current.provider), ()) \
                and schedule.fits(session, current):
            schedule.add(session, current)
    pending = [s for s in pending if s.index not in schedule.assignment]
    pending.sort(key=lambda s: (not s.guaranteed, s.candidate_count()))
    for session in pending:
        placement = choose_placement(schedule, session)
        if placement is not None:
            schedule.add(session, placement)
    return schedule.assignment


def choose_placement(schedule: Schedule, session: Session) -> Placement | None:
    """The first fitting placement, preferring wished-for times and not displacing bookings."""
    fallback = None
    for placement in _candidates(session):
        if not schedule.fits(session, placement):
            continue
        if schedule.displaces(session, placement) <= schedule.displaced.keys():
            return placement
        fallback = fallback or placement
    return fallback


def _candidates(session: Session) -> Iterator[Placement]:
    preferred = session.preferred or frozenset()
    for wanted in (True, False) if preferred else (False,):
        for (room, provider), starts in session.options.items():
            for start in starts:
                if not preferred or (start in preferred) == wanted:
                    yield Placement(room, provider, start)
