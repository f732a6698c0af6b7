"""Solver benchmark on generated cities with a planted feasible plan.

Run from the repository root: `python bench/solver.py [--sizes 5 20 100 300] [--time-limit 60]`.
Prints one table row per size (and one per infeasible variant) in Markdown.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scenario_gen import generate, overload_provider, perturb, shrink_rooms

from roombook.solver import check_plan, solve
from roombook.solver.greedy import place_greedily
from roombook.solver.problem import build_problem


def run_solver(scenario: dict, time_limit: float) -> tuple[dict, float | None, float]:
    """The plan, when the first plan keeping every hard rule was known, and the wall time."""
    first: list[float] = []

    def progress(event: dict) -> None:
        if not first and event["hard"] == 0:
            first.append(event["elapsed"])

    started = time.monotonic()
    plan = solve(scenario, time_limit, progress)
    return plan, (first[0] if first else None), time.monotonic() - started


def greedy_baseline(scenario: dict) -> tuple[float, int, int]:
    started = time.monotonic()
    problem = build_problem(scenario)
    assignment = place_greedily(problem)
    seconds = time.monotonic() - started
    guaranteed = sum(1 for s in problem.sessions if s.guaranteed and s.index not in assignment)
    return seconds, guaranteed, len(problem.sessions) - len(assignment)


def unplaced_guaranteed(scenario: dict, plan: dict) -> int:
    guaranteed = {o["id"] for o in scenario["offers"] if o["guaranteed"]}
    return sum(1 for row in plan["unplaced"] if row["offer"] in guaranteed)


def forced_moves(changed: dict) -> int:
    """Sessions of the current plan whose provider no longer works that day: they must move."""
    available = {p["id"]: {w["day"] for w in p["available"]} for p in changed["providers"]}
    return sum(1 for row in changed["current_plan"] if row["day"] not in available[row["provider"]])


def fmt(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20, 100, 300])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("| houses | sessions | first valid plan | status | unplaced guaranteed | wall time | optimality proven "
          "| moved after 1% change (forced; re-solve time, status) | greedy time | greedy unplaced (guaranteed/all) | validator |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for size in args.sizes:
        scenario = generate(size, args.seed)
        sessions = sum(o["sessions_per_week"] for o in scenario["offers"])
        plan, first, wall = run_solver(scenario, args.time_limit)
        changed = perturb(scenario, plan)
        replan, _, rewall = run_solver(changed, args.time_limit)
        greedy_seconds, greedy_guaranteed, greedy_all = greedy_baseline(scenario)
        errors = check_plan(scenario, plan) + check_plan(changed, replan)
        proven = fmt(plan["solve_seconds"]) if plan["status"] == "optimal" else "no"
        moved = (f"{replan['moved']} of {sessions} ({100 * replan['moved'] / sessions:.1f} %; forced "
                 f"{forced_moves(changed)}; {fmt(rewall)}, {replan['status']})")
        print(f"| {size} | {sessions} | {fmt(first)} | {plan['status']} | {unplaced_guaranteed(scenario, plan)} "
              f"| {fmt(wall)} | {proven} | {moved} | {greedy_seconds:.2f} s | {greedy_guaranteed}/{greedy_all} "
              f"| {'valid' if not errors else f'{len(errors)} violations'} |", flush=True)
    print()
    print("| tight city (every provider at its planted maximum, 9 offers per house) | sessions | first valid plan "
          "| status | unplaced guaranteed / all | wall time | greedy unplaced (guaranteed/all) | validator |")
    print("|---:|---:|---:|---|---:|---:|---:|---|")
    for size in [s for s in args.sizes if s >= 100]:
        scenario = generate(size, args.seed, tight=True)
        plan, first, wall = run_solver(scenario, args.time_limit)
        _, greedy_guaranteed, greedy_all = greedy_baseline(scenario)
        errors = check_plan(scenario, plan)
        print(f"| {size} | {sum(o['sessions_per_week'] for o in scenario['offers'])} | {fmt(first)} | {plan['status']} "
              f"| {unplaced_guaranteed(scenario, plan)} / {len(plan['unplaced'])} | {fmt(wall)} "
              f"| {greedy_guaranteed}/{greedy_all} | {'valid' if not errors else f'{len(errors)} violations'} |",
              flush=True)
    print()
    print("| infeasible variant | houses | status | wall time | bottleneck named | first reason |")
    print("|---|---:|---|---:|---|---|")
    for name, variant in (("provider overloaded", overload_provider), ("rooms too small", shrink_rooms)):
        for size in args.sizes[:2]:
            scenario, bottleneck = variant(generate(size, args.seed))
            plan, _, wall = run_solver(scenario, args.time_limit)
            reasons = [row["reason"] for row in plan["unplaced"]] + [row["reason"] for row in plan["unmet_requirements"]]
            named = any(bottleneck in reason for reason in reasons)
            first_reason = reasons[0] if reasons else "–"
            print(f"| {name} | {size} | {plan['status']} | {fmt(wall)} | {'yes' if named else 'no'} "
                  f"| {first_reason} |", flush=True)


if __name__ == "__main__":
    main()
