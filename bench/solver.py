"""Solver benchmark on generated cities with a planted feasible plan.

Run from the repository root: `python bench/solver.py [--sizes 5 20 100 300] [--time-limit 60]`.
Prints one table row per size (and one per infeasible variant) in Markdown.

`python bench/solver.py --loaded [--sizes 20] [--seeds 1 2 3 4 7] [--tight-seeds 1 2] [--time-limit 5]
[--repeat 3]` measures when the first valid plan comes, on the machine as it is and beside a CPU hog: one
busy process per core, started and stopped by this script for each city's loaded runs and ended by a
deadline of its own in any case. Each row gives the fastest, median and slowest of the repeated runs and
how many of them ended with a guaranteed session unplaced. `--against REV` runs the search strategy of
commit REV (its roombook/solver/search.py, the rest of the solver as in this tree) in turns with this
tree's, so both meet the same load. `--crowded` takes its cities from bench/crowded_gen.py (another
generator: providers linked across the city, rooms packed; seed 2027 unless --seeds says otherwise).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import types
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from crowded_gen import SEED as CROWDED_SEED
from crowded_gen import generate_crowded
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


HOG = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextmanager
def cpu_hog(seconds: float):
    """One busy process per core for the block, and never longer than `seconds` whatever happens here."""
    hogs = [subprocess.Popen([sys.executable, "-c", HOG.format(seconds=seconds)], start_new_session=True)
            for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.5)  # let them reach the run queue before the first measured solve
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=10)


def load_average() -> str:
    with open("/proc/loadavg") as fh:
        return fh.read().split()[0]


def search_of(revision: str):
    """The search strategy of another commit (its roombook/solver/search.py), to run beside this tree's."""
    source = subprocess.run(["git", "show", f"{revision}:roombook/solver/search.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(f"roombook.solver._search_{len(sys.modules)}")
    module.__package__ = "roombook.solver"
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{revision}:roombook/solver/search.py", "exec"), module.__dict__)
    return module.search


def first_valid_plans(scenario: dict, time_limit: float, repeat: int,
                      strategies: dict[str, object]) -> dict[str, tuple[list[float | None], list[int], list[str]]]:
    """`repeat` solves with each strategy, taking turns so a change in the machine's load meets all alike: per
    strategy the first valid plan's time of each run, the guaranteed sessions each left unplaced at the limit,
    and the load average before each."""
    solving = sys.modules["roombook.solver.solve"]
    own = solving.search
    results = {name: ([], [], []) for name in strategies}
    try:
        for _ in range(repeat):
            for name, strategy in strategies.items():
                solving.search = strategy or own
                firsts, short, loads = results[name]
                loads.append(load_average())
                plan, first, _wall = run_solver(scenario, time_limit)
                firsts.append(first)
                short.append(unplaced_guaranteed(scenario, plan))
    finally:
        solving.search = own
    return results


def spread(firsts: list[float | None]) -> str:
    """Fastest / median / slowest; a run without a valid plan counts as never (shown as –)."""
    values = sorted(float("inf") if f is None else f for f in firsts)
    return " / ".join("–" if v == float("inf") else f"{v:.1f} s"
                      for v in (values[0], statistics.median(values), values[-1]))


def loaded_runs(sizes: list[int], seeds: list[int], tight_seeds: list[int], time_limit: float, repeat: int,
                against: str | None, crowded: bool = False) -> None:
    strategies = {"this tree": None}
    if against:
        strategies = {f"search.py of {against}": search_of(against), **strategies}
    print(f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores; {time_limit:.0f} s limit, {repeat} runs "
          "per row; the first valid plan as fastest / median / slowest\n")
    print("| houses | city | seed | sessions | greedy unplaced guaranteed | machine | solver "
          "| load average before the runs | first valid plan | runs ending with a guaranteed session unplaced "
          "(sessions unplaced in each) |")
    print("|---:|---|---:|---:|---:|---|---|---|---|---:|")
    cities = [(False, seed) for seed in seeds] + [(True, seed) for seed in tight_seeds]
    for size in sizes:
        for tight, seed in cities:
            scenario = generate_crowded(size, seed) if crowded else generate(size, seed, tight=tight)
            run_solver(scenario, min(time_limit, 1.0))  # OR-Tools imported before anything is measured
            _, greedy_guaranteed, _ = greedy_baseline(scenario)
            sessions = sum(o["sessions_per_week"] for o in scenario["offers"])
            for machine in ("as it is", "beside a CPU hog"):
                if machine == "as it is":
                    results = first_valid_plans(scenario, time_limit, repeat, strategies)
                else:
                    with cpu_hog(len(strategies) * repeat * (time_limit + 10) + 10):
                        results = first_valid_plans(scenario, time_limit, repeat, strategies)
                for name, (firsts, short, loads) in results.items():
                    city = "crowded" if crowded else "tight" if tight else "planted"
                    print(f"| {size} | {city} | {seed} | {sessions} | {greedy_guaranteed} "
                          f"| {machine} | {name} | {min(loads, key=float)}–{max(loads, key=float)} "
                          f"| {spread(firsts)} | {sum(n > 0 for n in short)} of {repeat} ({' '.join(map(str, short))}) |",
                          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--loaded", action="store_true", help="first valid plans, idle and beside a CPU hog")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="with --loaded (default 1 2 3 4 7)")
    parser.add_argument("--tight-seeds", type=int, nargs="*", default=[1, 2], help="with --loaded: tight cities")
    parser.add_argument("--repeat", type=int, default=3, help="with --loaded")
    parser.add_argument("--against", help="with --loaded: also the search strategy of this commit, turn about")
    parser.add_argument("--crowded", action="store_true",
                        help="with --loaded: cities of bench/crowded_gen.py (default seed %d) instead" % CROWDED_SEED)
    args = parser.parse_args()
    if args.loaded:
        if args.crowded:
            args.seeds = args.seeds or [CROWDED_SEED]
            args.tight_seeds = []
        loaded_runs(args.sizes or [20], args.seeds or [1, 2, 3, 4, 7], args.tight_seeds, args.time_limit or 5.0,
                    args.repeat, args.against, args.crowded)
        return
    args.sizes = args.sizes or [5, 20, 100, 300]
    args.time_limit = args.time_limit or 60.0
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
