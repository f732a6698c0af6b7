"""Choose one option per item jointly: CP-SAT over a small set of ranked candidates with pairwise exclusions.

A room change asks this when several series it displaces compete for the same free time: each series has a
ranked list of places (found by an exact search elsewhere), two chosen places must not clash (the same room at
the same time, or one person in two places), and a series left without a place costs far more than any place
does, weighted by how binding it is. Placing the series one after another lets the first take what the second
needed; choosing them together does not. Pure: ints in, ints out, no database and no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Choice:
    chosen: list[int | None]  # per item, the index of its chosen candidate, or None
    optimal: bool
    solved: bool              # False: the solver found nothing in time and `chosen` is the caller's fallback


def choose_jointly(costs: list[list[int]], unplaced: list[int], clashes: list[tuple[tuple[int, int], tuple[int, int]]],
                   *, time_limit: float = 2.0, hint: list[int | None] | None = None, workers: int = 2) -> Choice:
    """Per item, at most one candidate (`costs[item][candidate]`), no two clashing candidates both chosen,
    minimising the chosen costs plus `unplaced[item]` for each item left without one."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    picks = [[model.NewBoolVar(f"x{i}_{c}") for c in range(len(row))] for i, row in enumerate(costs)]
    placed = []
    for i, row in enumerate(picks):
        if not row:
            placed.append(None)
            continue
        model.AddAtMostOne(row)
        placed.append(sum(row))
    for (i, a), (j, b) in clashes:
        model.AddBoolOr([picks[i][a].Not(), picks[j][b].Not()])
    objective = []
    for i, row in enumerate(picks):
        objective += [costs[i][c] * var for c, var in enumerate(row)]
        if row:
            objective.append(unplaced[i] * (1 - placed[i]))
    model.Minimize(sum(objective) + sum(unplaced[i] for i, row in enumerate(picks) if not row))
    if hint is not None:
        for i, row in enumerate(picks):
            for c, var in enumerate(row):
                model.AddHint(var, 1 if hint[i] == c else 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 7
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Choice(list(hint) if hint is not None else [None] * len(costs), optimal=False, solved=False)
    chosen = [next((c for c, var in enumerate(row) if solver.Value(var)), None) for row in picks]
    return Choice(chosen, optimal=status == cp_model.OPTIMAL, solved=True)
