"""The solver's entry point: scenario in, plan out."""

from __future__ import annotations

import time
from collections.abc import Callable

from .plan import build_plan
from .problem import build_problem
from .search import search
from .validate import check_scenario

RESERVE_SHARE = 0.05


def solve(scenario: dict, time_limit: float = 30.0, progress: Callable[[dict], None] | None = None,
          workers: int = 2) -> dict:
    """Plan every weekly session of `scenario` within `time_limit` seconds (wall time, whole solve).

    Raises InvalidScenario for a file that breaks the format. `progress`, if given, receives
    dicts with `elapsed`, `objective`, `bound`, `hard` and `phase` whenever the plan improves.
    """
    started = time.monotonic()
    check_scenario(scenario)
    problem = build_problem(scenario)
    outcome = search(problem, time_limit * (1 - RESERVE_SHARE), progress, workers, started)
    return build_plan(problem, outcome.assignment, outcome.optimal, time.monotonic() - started)
