"""CP-SAT model of one part of the problem: some sessions free, everything else fixed.

The same builder serves a whole component (nothing fixed) and a large-neighbourhood step
(most sessions fixed). Fixed sessions are not modelled; they only prune the free
sessions' start lists through `Schedule.fits`, which keeps the model small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from .objective import Weights, requirement_minutes
from .problem import Placement, Problem, Session
from .schedule import Schedule
from .timegrid import DAY_MINUTES, overlaps


@dataclass
class PartResult:
    assignment: dict[int, Placement]
    found: bool
    optimal: bool
    objective: int = 0
    bound: int = 0


@dataclass
class _Vars:
    start: object
    present: object
    choice: dict[tuple[str, str], object] = field(default_factory=dict)
    room: dict[str, object] = field(default_factory=dict)
    provider: dict[str, object] = field(default_factory=dict)
    day: dict[int, object] = field(default_factory=dict)


def solve_part(problem: Problem, free: list[Session], fixed: dict[int, Placement], time_limit: float,
               hint: dict[int, Placement], weights: Weights, workers: int = 2,
               on_solution: Callable[[int, int], None] | None = None, good_enough: int | None = None) -> PartResult:
    """Optimise the free sessions around the fixed ones, starting from `hint` where it still fits.

    With `good_enough`, the search stops at the first solution whose objective is below it.
    """
    from ortools.sat.python import cp_model

    builder = _Builder(problem, free, fixed, weights, cp_model)
    builder.build()
    builder.add_hint(hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 7
    callback = _reporter(on_solution or (lambda objective, bound: None), good_enough, cp_model)
    status = solver.Solve(builder.model, callback)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PartResult({}, found=False, optimal=False)
    assignment = {}
    for session in free:
        variables = builder.vars.get(session.index)
        if variables is None or not solver.Value(variables.present):
            continue
        key = next(k for k, lit in variables.choice.items() if solver.Value(lit))
        assignment[session.index] = Placement(key[0], key[1], solver.Value(variables.start) * problem.slot)
    return PartResult(assignment, found=True, optimal=status == cp_model.OPTIMAL,
                      objective=int(solver.ObjectiveValue()), bound=int(solver.BestObjectiveBound()))


def _reporter(report: Callable[[int, int], None], good_enough: int | None, cp_model):
    """A solution callback passing (objective, bound) on; built here because OR-Tools loads lazily."""
    class Reporter(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            report(int(self.ObjectiveValue()), int(self.BestObjectiveBound()))
            if good_enough is not None and self.ObjectiveValue() < good_enough:
                self.StopSearch()
    return Reporter()


class _Builder:
    def __init__(self, problem: Problem, free: list[Session], fixed: dict[int, Placement],
                 weights: Weights, cp_model):
        self.problem = problem
        self.free = free
        self.fixed = fixed
        self.weights = weights
        self.cp = cp_model
        self.model = cp_model.CpModel()
        self.schedule = Schedule(problem, fixed)
        self.options: dict[int, dict[tuple[str, str], list[int]]] = {}
        self.vars: dict[int, _Vars] = {}
        self.costs: list[tuple[int, object]] = []
        self.constant = 0
        self.hint_extras: list[tuple[object, Callable[[dict[int, Placement]], bool]]] = []
        self.ordered_offers: set[str] = set()
        self.displacement_flags: dict[str, object] = {}

    def build(self) -> None:
        for session in self.free:
            self._add_session(session)
        self._add_resources()
        self._add_offer_days()
        self._add_bookings()
        self._add_requirements()
        self._add_wishes()
        total = self.constant + sum(coef for coef, _ in self.costs)
        saved = self.cp.LinearExpr.WeightedSum([lit for _, lit in self.costs], [coef for coef, _ in self.costs])
        self.model.Minimize(total - saved)

    def _domain(self, starts: list[int]):
        slot = self.problem.slot
        return self.cp.Domain.FromValues([t // slot for t in starts])

    def _add_session(self, session: Session) -> None:
        options = {}
        for (room, provider), starts in session.options.items():
            kept = [t for t in starts if self.schedule.fits(session, Placement(room, provider, t))]
            if kept:
                options[(room, provider)] = kept
        self.options[session.index] = options
        weight = self.weights.hard if session.guaranteed else self.weights.unplaced
        if not options:
            self.constant += weight
            return
        model = self.model
        union = sorted({t for starts in options.values() for t in starts})
        name = f"s{session.index}"
        start = model.NewIntVarFromDomain(self._domain(union), f"{name}_t")
        present = model.NewBoolVar(f"{name}_on")
        variables = _Vars(start, present)
        if len(options) == 1:
            variables.choice[next(iter(options))] = present
        else:
            for key, starts in options.items():
                lit = model.NewBoolVar(f"{name}_{key[0]}_{key[1]}")
                variables.choice[key] = lit
                model.AddLinearExpressionInDomain(start, self._domain(starts)).OnlyEnforceIf(lit)
            model.Add(sum(variables.choice.values()) == present)
        for index, kind in ((0, variables.room), (1, variables.provider)):
            groups: dict[str, list] = {}
            for key, lit in variables.choice.items():
                groups.setdefault(key[index], []).append(lit)
            for resource, lits in groups.items():
                if len(lits) == 1:
                    kind[resource] = lits[0]
                else:
                    lit = model.NewBoolVar(f"{name}_{resource}")
                    model.Add(sum(lits) == lit)
                    kind[resource] = lit
        self.vars[session.index] = variables
        self.costs.append((weight, present))

    def _interval(self, session: Session, lit):
        return self.model.NewOptionalFixedSizeIntervalVar(
            self.problem.slot * self.vars[session.index].start, session.duration, lit, "")

    def _add_resources(self) -> None:
        rooms: dict[str, list] = {}
        providers: dict[str, list[Session]] = {}
        for session in self.free:
            variables = self.vars.get(session.index)
            if variables is None:
                continue
            for room, lit in variables.room.items():
                rooms.setdefault(room, []).append(self._interval(session, lit))
            for provider in variables.provider:
                providers.setdefault(provider, []).append(session)
        for intervals in rooms.values():
            if len(intervals) > 1:
                self.model.AddNoOverlap(intervals)
        for provider, sessions in providers.items():
            lits = [self.vars[s.index].provider[provider] for s in sessions]
            if len(sessions) > 1:
                self.model.AddNoOverlap([self._interval(s, lit) for s, lit in zip(sessions, lits)])
            self._add_travel(provider, sessions)
            limit = self.problem.provider_limit(provider)
            if limit is not None:
                capacity = limit - self.schedule.minutes.get(provider, 0)
                if sum(s.duration for s in sessions) > capacity:
                    self.model.Add(sum(s.duration * lit for s, lit in zip(sessions, lits)) <= capacity)

    def _days(self, session: Session, provider: str) -> set[int]:
        return {t // DAY_MINUTES for (_, p), starts in self.options[session.index].items()
                if p == provider for t in starts}

    def _add_travel(self, provider: str, sessions: list[Session]) -> None:
        """Pairwise order with buffer for sessions of one provider in different accommodations."""
        if len({s.accommodation for s in sessions}) < 2:
            return
        slot = self.problem.slot
        days = {s.index: self._days(s, provider) for s in sessions}
        for i, first in enumerate(sessions):
            reach = {d + k for d in days[first.index] for k in (-1, 0, 1)}
            for second in sessions[i + 1:]:
                gap = self.problem.travel_minutes(first.accommodation, second.accommodation)
                if gap == 0 or not reach & days[second.index]:
                    continue
                a, b = self.vars[first.index], self.vars[second.index]
                both = [a.provider[provider], b.provider[provider]]
                before = self.model.NewBoolVar("")
                self.model.Add(slot * a.start + first.duration + gap <= slot * b.start).OnlyEnforceIf(
                    [before, *both])
                self.model.Add(slot * b.start + second.duration + gap <= slot * a.start).OnlyEnforceIf(
                    [before.Not(), *both])
                self.hint_extras.append((before, _earlier(first.index, second.index)))

    def _add_offer_days(self) -> None:
        """Sessions of one offer on different days; identical free sessions kept in order."""
        by_offer: dict[str, list[Session]] = {}
        for session in self.free:
            if session.index in self.vars:
                by_offer.setdefault(session.offer, []).append(session)
        for offer, sessions in by_offer.items():
            if len(sessions) < 2:
                continue
            per_day: dict[int, list] = {}
            for session in sessions:
                variables = self.vars[session.index]
                for day in sorted({t // DAY_MINUTES for ts in self.options[session.index].values() for t in ts}):
                    lit = self.model.NewBoolVar("")
                    lo = day * DAY_MINUTES // self.problem.slot
                    hi = ((day + 1) * DAY_MINUTES - 1) // self.problem.slot
                    self.model.AddLinearConstraint(variables.start, lo, hi).OnlyEnforceIf(lit)
                    variables.day[day] = lit
                    per_day.setdefault(day, []).append(lit)
                self.model.Add(sum(variables.day.values()) == variables.present)
            for lits in per_day.values():
                if len(lits) > 1:
                    self.model.AddAtMostOne(lits)
            if self._interchangeable(offer, sessions):
                self.ordered_offers.add(offer)
                for earlier, later in pairwise(sessions):
                    a, b = self.vars[earlier.index], self.vars[later.index]
                    self.model.AddImplication(b.present, a.present)
                    self.model.Add(a.start < b.start).OnlyEnforceIf(b.present)

    def _interchangeable(self, offer: str, sessions: list[Session]) -> bool:
        every = [s for s in self.problem.sessions if s.offer == offer]
        return (len(every) == len(sessions)
                and all(s.pin is None and s.current is None for s in sessions))

    def _add_bookings(self) -> None:
        slot = self.problem.slot
        flags: dict[str, object] = {}
        for session in self.free:
            variables = self.vars.get(session.index)
            if variables is None:
                continue
            for room, lit in variables.room.items():
                starts = [t for (r, _), ts in self.options[session.index].items() if r == room for t in ts]
                for block in self.problem.displaceable_blocks.get(room, ()):
                    if block.booking in self.schedule.displaced:
                        continue
                    if not any(overlaps(t, t + session.duration, block.start, block.end) for t in starts):
                        continue
                    if block.booking not in flags:
                        flags[block.booking] = self.model.NewBoolVar(f"displace_{block.booking}")
                        self.costs.append((-self.weights.displaced, flags[block.booking]))
                        self.constant += self.weights.displaced
                    latest = (block.start - session.duration) // slot
                    earliest = -(-block.end // slot)
                    spans = [[0, latest]] if latest >= 0 else []
                    allowed = self.cp.Domain.FromIntervals(spans + [[earliest, 7 * DAY_MINUTES // slot]])
                    self.model.AddLinearExpressionInDomain(variables.start, allowed).OnlyEnforceIf(
                        [lit, flags[block.booking].Not()])
        self.displacement_flags = flags

    def _add_requirements(self) -> None:
        fixed_minutes = requirement_minutes(self.problem, self.fixed)
        groups: dict[tuple[str, str], list[Session]] = {}
        for session in self.free:
            groups.setdefault((session.accommodation, session.category), []).append(session)
        for requirement in self.problem.requirements:
            key = (requirement["accommodation"], requirement["category"])
            if key not in groups:
                continue
            need = requirement["min_minutes_per_week"] - fixed_minutes.get(key, 0)
            placeable = [s for s in groups[key] if s.index in self.vars]
            if need <= 0:
                continue
            if sum(s.duration for s in placeable) < need:
                self.constant += self.weights.hard
                continue
            met = self.model.NewBoolVar("")
            self.model.Add(sum(s.duration * self.vars[s.index].present for s in placeable) >= need
                           ).OnlyEnforceIf(met)
            self.costs.append((self.weights.hard, met))
            self.hint_extras.append((met, _meets(placeable, need)))

    def _add_wishes(self) -> None:
        slot = self.problem.slot
        for session in self.free:
            variables = self.vars.get(session.index)
            current = session.current
            if current is not None:
                if variables is not None and current.start in self.options[session.index].get(
                        (current.room, current.provider), ()):
                    same = self.model.NewBoolVar("")
                    self.model.AddImplication(same, variables.choice[(current.room, current.provider)])
                    self.model.Add(variables.start == current.start // slot).OnlyEnforceIf(same)
                    self.costs.append((self.weights.moved, same))
                    self.hint_extras.append((same, _keeps(session)))
                else:
                    self.constant += self.weights.moved
            if session.preferred is not None:
                starts = sorted({t for ts in self.options[session.index].values() for t in ts}
                                & session.preferred)
                if variables is not None and starts:
                    wished = self.model.NewBoolVar("")
                    self.model.AddImplication(wished, variables.present)
                    self.model.AddLinearExpressionInDomain(variables.start, self._domain(starts)).OnlyEnforceIf(wished)
                    self.costs.append((self.weights.not_preferred, wished))
                    self.hint_extras.append((wished, _wished(session)))
                else:
                    self.constant += self.weights.not_preferred

    def add_hint(self, hint: dict[int, Placement]) -> None:
        hint = self._normalised(hint)
        slot = self.problem.slot
        for session in self.free:
            variables = self.vars.get(session.index)
            if variables is None:
                continue
            placement = hint.get(session.index)
            key = (placement.room, placement.provider) if placement else None
            usable = placement is not None and placement.start in self.options[session.index].get(key, ())
            self.model.AddHint(variables.present, usable)
            if usable:
                self.model.AddHint(variables.start, placement.start // slot)
            for choice, lit in variables.choice.items():
                if lit is not variables.present:
                    self.model.AddHint(lit, usable and choice == key)
            for kind, index in ((variables.room, 0), (variables.provider, 1)):
                for resource, lit in kind.items():
                    if lit is not variables.present and all(lit is not c for c in variables.choice.values()):
                        self.model.AddHint(lit, usable and key[index] == resource)
            for day, lit in variables.day.items():
                self.model.AddHint(lit, usable and placement.start // DAY_MINUTES == day)
        usable_hint = {i: p for i, p in hint.items() if i in self.vars
                       and p.start in self.options[i].get((p.room, p.provider), ())}
        for lit, rule in self.hint_extras:
            self.model.AddHint(lit, rule(usable_hint))
        displaced: set[str] = set()
        for index, placement in usable_hint.items():
            displaced |= self.schedule.displaces(self.problem.sessions[index], placement)
        for booking, flag in self.displacement_flags.items():
            self.model.AddHint(flag, booking in displaced)

    def _normalised(self, hint: dict[int, Placement]) -> dict[int, Placement]:
        """Renumber interchangeable sessions so the hint respects the symmetry-breaking order."""
        result = dict(hint)
        for offer in self.ordered_offers:
            sessions = [s for s in self.free if s.offer == offer]
            placed = sorted((hint[s.index] for s in sessions if s.index in hint), key=lambda p: p.start)
            for session in sessions:
                result.pop(session.index, None)
            for session, placement in zip(sessions, placed):
                result[session.index] = placement
        return result


def _earlier(first: int, second: int) -> Callable[[dict[int, Placement]], bool]:
    return lambda hint: first in hint and second in hint and hint[first].start < hint[second].start


def _meets(sessions: list[Session], need: int) -> Callable[[dict[int, Placement]], bool]:
    return lambda hint: sum(s.duration for s in sessions if s.index in hint) >= need


def _keeps(session: Session) -> Callable[[dict[int, Placement]], bool]:
    return lambda hint: hint.get(session.index) == session.current


def _wished(session: Session) -> Callable[[dict[int, Placement]], bool]:
    return lambda hint: session.index in hint and hint[session.index].start in session.preferred
