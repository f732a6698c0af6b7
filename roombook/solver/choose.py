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


def model_text(costs: list[list[int]], unplaced: list[int], clashes,
               hint: list[int | None] | None) -> tuple[str, list[list[int]]]:
    """The model as CP-SAT's text format: one 0/1 variable per candidate. Leaving item i unplaced costs
    `unplaced[i]`, written as that constant less `unplaced[i]` per chosen candidate of i (at most one is)."""
    index, lines, coeffs = [], [], []
    for i, row in enumerate(costs):
        index.append(list(range(len(coeffs), len(coeffs) + len(row))))
        coeffs += [cost - unplaced[i] for cost in row]
    lines += ["variables { domain: [0, 1] }"] * len(coeffs)
    for refs in index:
        if len(refs) > 1:
            lines.append(f"constraints {{ at_most_one {{ literals: {refs} }} }}")
    for (i, a), (j, b) in clashes:  # not both: ¬x ∨ ¬y, a negated literal being -(index) - 1
        lines.append(f"constraints {{ bool_or {{ literals: [{-index[i][a] - 1}, {-index[j][b] - 1}] }} }}")
    lines.append(f"objective {{ vars: {list(range(len(coeffs)))} coeffs: {coeffs} offset: {sum(unplaced)} }}")
    if hint is not None:
        values = [1 if hint[i] == c else 0 for i, row in enumerate(index) for c in range(len(row))]
        lines.append(f"solution_hint {{ vars: {list(range(len(coeffs)))} values: {values} }}")
    return "\n".join(lines), index


def choose_jointly(costs: list[list[int]], unplaced: list[int], clashes: list[tuple[tuple[int, int], tuple[int, int]]],
                   *, time_limit: float = 2.0, hint: list[int | None] | None = None, workers: int = 2) -> Choice:
    """Per item, at most one candidate (`costs[item][candidate]`), no two clashing candidates both chosen,
    minimising the chosen costs plus `unplaced[item]` for each item left without one.

    Built on OR-Tools' compiled helper directly rather than `cp_model`: that module imports pandas, which
    takes seconds in a fresh process, and a room change's first proposal in a worker must not wait for it."""
    from ortools.sat.python import cp_model_helper as cmh

    text, index = model_text(costs, unplaced, clashes, hint)
    model = cmh.CpModelProto()
    parameters = cmh.SatParameters()
    if not model.parse_text_format(text) or not parameters.parse_text_format(
            f"max_time_in_seconds: {max(0.05, time_limit)} num_workers: {workers} random_seed: 7"):
        raise ValueError("CP-SAT refused the model's text")  # a bug here, never a person's input
    solver = cmh.SolveWrapper()
    solver.set_parameters(parameters)
    response = solver.solve(model)
    if response.status not in (cmh.CpSolverStatus.OPTIMAL, cmh.CpSolverStatus.FEASIBLE):
        return Choice(list(hint) if hint is not None else [None] * len(costs), optimal=False, solved=False)
    values = list(response.solution)
    chosen = [next((c for c, ref in enumerate(refs) if values[ref]), None) for refs in index]
    return Choice(chosen, optimal=response.status == cmh.CpSolverStatus.OPTIMAL, solved=True)
