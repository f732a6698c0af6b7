"""How the time budget is spent: components apart, CP-SAT for small ones, LNS for large ones."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from .cpsat import solve_part
from .greedy import place_greedily
from .objective import Weights, evaluate, weights_for
from .problem import Placement, Problem, Session

MONOLITHIC_SESSIONS = 400
NEIGHBOURHOOD_SESSIONS = 60
LARGEST_NEIGHBOURHOOD = 480
STEP_SECONDS = 3.0
MIN_STEP_SECONDS = 0.1  # building a model takes longer than this: with less time left, none is built

Progress = Callable[[dict], None]
# A repair step's objective: the soft tiers' weights make CP-SAT prove a neighbourhood's soft optimum before it
# gives up on a shortfall the neighbourhood cannot fix (1.6 s of a 5 s limit on a 20-house city); counting
# hard shortfalls alone, the proof is quick. The step's plan is kept only if it is better by the full weights.
HARD_ONLY = Weights(hard=1, unplaced=0, displaced=0, moved=0, not_preferred=0)


@dataclass
class Outcome:
    assignment: dict[int, Placement]
    optimal: bool


def components(problem: Problem) -> list[list[str]]:
    """Accommodations that share a provider must be planned together; the rest are independent."""
    parent = {a: a for a in problem.accommodations}

    def root(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    by_provider: dict[str, str] = {}
    for offer in problem.offers.values():
        for provider in offer["providers"]:
            first = by_provider.setdefault(provider, offer["accommodation"])
            parent[root(offer["accommodation"])] = root(first)
    groups: dict[str, list[str]] = {}
    for accommodation in problem.accommodations:
        groups.setdefault(root(accommodation), []).append(accommodation)
    return list(groups.values())


def neighbours(problem: Problem) -> dict[str, set[str]]:
    served: dict[str, set[str]] = {}
    for offer in problem.offers.values():
        for provider in offer["providers"]:
            served.setdefault(provider, set()).add(offer["accommodation"])
    linked: dict[str, set[str]] = {a: set() for a in problem.accommodations}
    for accommodations in served.values():
        for accommodation in accommodations:
            linked[accommodation] |= accommodations - {accommodation}
    return linked


class _Tracker:
    """Keeps each component's best objective and bound and reports their sums."""

    def __init__(self, weights: Weights, progress: Progress | None, started: float):
        self.weights = weights
        self.progress = progress
        self.started = started
        self.objective: dict[int, int] = {}
        self.bound: dict[int, int] = {}

    def update(self, part: int, objective: int, bound: int | None = None, phase: str = "") -> None:
        self.objective[part] = objective
        if bound is not None:
            self.bound[part] = bound
        if self.progress:
            total = sum(self.objective.values())
            self.progress({"phase": phase, "elapsed": time.monotonic() - self.started,
                           "objective": total, "bound": sum(self.bound.values()),
                           "hard": sum(v // self.weights.hard for v in self.objective.values())})


def search(problem: Problem, time_limit: float, progress: Progress | None = None, workers: int = 2,
           started: float | None = None) -> Outcome:
    """Best assignment found within `time_limit` seconds; `optimal` only when proven."""
    started = time.monotonic() if started is None else started
    deadline = started + time_limit
    weights = weights_for(problem)
    assignment = place_greedily(problem)
    tracker = _Tracker(weights, progress, started)
    by_accommodation: dict[str, list[Session]] = {}
    for session in problem.sessions:
        by_accommodation.setdefault(session.accommodation, []).append(session)
    parts = sorted(components(problem), key=lambda c: sum(len(by_accommodation.get(a, [])) for a in c))
    part_sessions = [[s for a in part for s in by_accommodation.get(a, [])] for part in parts]
    for number, sessions in enumerate(part_sessions):
        tracker.objective[number] = weights.of(evaluate(problem, assignment, sessions))
        tracker.bound[number] = 0
    tracker.update(0, tracker.objective.get(0, 0), None, "greedy")
    _repair_hard_shortfalls(problem, parts, part_sessions, by_accommodation, assignment, deadline, weights,
                            workers, tracker)
    optimal = True
    remaining = sum(len(s) for s in part_sessions)
    for number, (part, sessions) in enumerate(zip(parts, part_sessions)):
        share = (deadline - time.monotonic()) * len(sessions) / max(1, remaining)
        remaining -= len(sessions)
        if tracker.objective[number] == 0 or share < MIN_STEP_SECONDS:
            continue
        if len(sessions) <= MONOLITHIC_SESSIONS:
            optimal &= _solve_whole(problem, sessions, assignment, share, weights, workers, tracker, number)
        else:
            optimal &= _improve_locally(problem, part, by_accommodation, assignment, share, weights,
                                        workers, tracker, number)
    return Outcome(assignment, optimal)


def _repair_hard_shortfalls(problem: Problem, parts: list[list[str]], part_sessions: list[list[Session]],
                            by_accommodation: dict[str, list[Session]], assignment: dict[int, Placement],
                            deadline: float, weights: Weights, workers: int, tracker: _Tracker) -> None:
    """Hard shortfalls of every component first, so no component's soft wishes delay another's rules.

    The repair starts at once with neighbourhoods of the houses that fall short, each step stopping at the
    first plan of its neighbourhood without a hard shortfall: a model of 60 sessions builds, presolves and
    solves in a fraction of the time a whole component's model needs before its first solution, and that
    time grows with the machine's load (a 20-house city on a busy machine found its first valid plan only
    after the 5 s it was given). A component small enough for one model gets that model, with the repaired
    plan as its hint and the time left, as soon as a neighbourhood step improves nothing.
    """
    short = [n for n in range(len(parts)) if tracker.objective[n] >= weights.hard]
    remaining = sum(len(part_sessions[n]) for n in short)
    for number in short:
        sessions = part_sessions[number]
        share = (deadline - time.monotonic()) * len(sessions) / max(1, remaining)
        remaining -= len(sessions)
        if len(sessions) <= MONOLITHIC_SESSIONS:
            until = time.monotonic() + share
            _improve_locally(problem, parts[number], by_accommodation, assignment, share, weights, workers,
                             tracker, number, levels=1, largest=len(sessions) - 1, repair=True, whole_follows=True)
            if tracker.objective[number] >= weights.hard and until - time.monotonic() > MIN_STEP_SECONDS:
                _solve_whole(problem, sessions, assignment, until - time.monotonic(), weights, workers, tracker,
                             number, hard_only=True)
        else:
            _improve_locally(problem, parts[number], by_accommodation, assignment, share, weights, workers,
                             tracker, number, levels=1, repair=True)


def _solve_whole(problem: Problem, sessions: list[Session], assignment: dict[int, Placement], budget: float,
                 weights: Weights, workers: int, tracker: _Tracker, number: int, hard_only: bool = False) -> bool:
    """CP-SAT on a whole component. `hard_only`: the repair's last step, counting hard shortfalls alone and
    stopping at the first plan without one (its plan is kept if better by the full weights)."""
    before = weights.of(evaluate(problem, assignment, sessions))
    ids = {s.index for s in sessions}
    fixed = {i: p for i, p in assignment.items() if i not in ids}
    if hard_only:
        result = solve_part(problem, sessions, fixed, budget, assignment, HARD_ONLY, workers, good_enough=1)
    else:
        result = solve_part(problem, sessions, fixed, budget, assignment, weights, workers,
                            lambda objective, bound: tracker.update(number, objective, bound, "cp-sat"))
    if not result.found:
        return False
    after = weights.of(evaluate(problem, result.assignment, sessions))
    if after <= before:
        for session in sessions:
            assignment.pop(session.index, None)
        assignment.update(result.assignment)
        if hard_only:
            tracker.update(number, after, None, "repair")
        else:
            tracker.update(number, after, result.bound if result.optimal else min(result.bound, after), "cp-sat")
    return result.optimal and after <= before and not hard_only


def _improve_locally(problem: Problem, part: list[str], by_accommodation: dict[str, list[Session]],
                     assignment: dict[int, Placement], budget: float, weights: Weights, workers: int,
                     tracker: _Tracker, number: int, levels: int = 5, largest: int = LARGEST_NEIGHBOURHOOD,
                     repair: bool = False, whole_follows: bool = False) -> bool:
    """Large-neighbourhood search: re-optimise a few linked accommodations at a time.

    Works down the objective's tiers: houses with a hard shortfall are seeds first; when every
    seed's neighbourhood is locally optimal the neighbourhoods grow (up to `largest` sessions), and
    after the largest size the next tier's houses become seeds, down to the `levels`-th tier. The
    search first runs every component with a hard shortfall with `levels=1` and `repair`: each step
    then stops at its neighbourhood's first plan without a hard shortfall instead of optimising it.
    With `whole_follows` (a model of the whole component takes over) the first step that improves
    nothing ends the search, leaving the rest of the budget to that model.
    """
    deadline = time.monotonic() + budget
    linked = neighbours(problem)
    rng = random.Random(11)
    penalty = {a: weights.of(evaluate(problem, assignment, by_accommodation.get(a, []))) for a in part}
    settled: set[str] = set()
    tried: dict[str, int] = {}
    size = NEIGHBOURHOOD_SESSIONS
    tiers = [weights.hard, weights.unplaced, weights.displaced, weights.moved, weights.not_preferred]
    level = 0
    while time.monotonic() < deadline - MIN_STEP_SECONDS:
        open_seeds = [a for a in part if penalty[a] >= tiers[level] and a not in settled]
        if not open_seeds:
            if not any(penalty.values()):
                break
            if size * 2 <= max(largest, NEIGHBOURHOOD_SESSIONS) and any(p >= tiers[level] for p in penalty.values()):
                size *= 2
            elif level + 1 < levels:
                size, level = NEIGHBOURHOOD_SESSIONS, level + 1
            else:
                break
            settled = set()
            continue
        seed = max(open_seeds, key=lambda a: (penalty[a], -tried.get(a, 0), rng.random()))
        tried[seed] = tried.get(seed, 0) + 1
        area = _neighbourhood(seed, linked, by_accommodation, size, rng if tried[seed] > 1 else None)
        free = [s for a in area for s in by_accommodation.get(a, [])]
        free_ids = {s.index for s in free}
        fixed = {i: p for i, p in assignment.items() if i not in free_ids}
        step = min(STEP_SECONDS * size / NEIGHBOURHOOD_SESSIONS, deadline - time.monotonic())
        if repair:  # the model counts hard shortfalls only: its first plan without one ends the step
            result = solve_part(problem, free, fixed, step, assignment, HARD_ONLY, workers, good_enough=1)
        else:
            result = solve_part(problem, free, fixed, step, assignment, weights, workers)
        if not result.found:
            continue
        before = sum(penalty[a] for a in area)
        after_penalty = {a: weights.of(evaluate(problem, result.assignment, by_accommodation.get(a, [])))
                         for a in area}
        after = sum(after_penalty.values())
        if after < before:
            for index in free_ids:
                assignment.pop(index, None)
            assignment.update(result.assignment)
            penalty.update(after_penalty)
            settled -= set().union(*(linked[a] for a in area)) | set(area)
            tracker.update(number, sum(penalty.values()), None, "repair" if repair else "lns")
        elif whole_follows and not result.optimal:  # out of time, not out of ideas: the whole model next
            break
        if result.optimal:
            settled.add(seed)
    return sum(penalty.values()) == 0


def _neighbourhood(seed: str, linked: dict[str, set[str]], by_accommodation: dict[str, list[Session]],
                   limit: int, rng: random.Random | None) -> list[str]:
    """The seed house and its provider-linked neighbours, breadth first, up to `limit` sessions."""
    area = [seed]
    size = len(by_accommodation.get(seed, []))
    frontier = [seed]
    seen = {seed}
    while frontier and size < limit:
        current = frontier.pop(0)
        nearby = sorted(linked[current] - seen)
        if rng:
            rng.shuffle(nearby)
        for accommodation in nearby:
            if size >= limit:
                break
            seen.add(accommodation)
            area.append(accommodation)
            frontier.append(accommodation)
            size += len(by_accommodation.get(accommodation, []))
    return area
