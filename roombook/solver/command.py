"""Command line: `python -m roombook.solver SCENARIO --out PLAN` and `... check SCENARIO PLAN` (and `... apart`,
the other end of `roombook.solver.apart.solve_apart`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "check":
        return _check(args[1:])
    if args and args[0] == "apart":
        return _apart(args[1:])
    return _solve(args)


def _apart(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m roombook.solver apart",
                                     description="Solve the scenario on stdin; progress and plan as JSON lines.")
    parser.add_argument("--time-limit", type=float, default=30.0)
    from .apart import serve

    return serve(parser.parse_args(argv).time_limit)


def _read(path: str, what: str) -> dict:
    """The JSON document at `path`, or SystemExit(2) with a message a person can act on."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SystemExit(_fail(f"cannot read {what} {path}: {error.strerror}"))
    except json.JSONDecodeError as error:
        raise SystemExit(_fail(f"{what} {path} is not JSON: line {error.lineno}: {error.msg}"))
    if not isinstance(document, dict):
        raise SystemExit(_fail(f"{what} {path} is not a JSON object"))
    return document


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _solve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m roombook.solver",
                                     description="Plan the weekly sessions of a scenario file "
                                                 "(or: python -m roombook.solver check SCENARIO PLAN).")
    parser.add_argument("scenario")
    parser.add_argument("--out", required=True, help="where to write the plan (JSON)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds for the whole solve")
    args = parser.parse_args(argv)
    from .solve import solve

    scenario = _valid_scenario(args.scenario)
    plan = solve(scenario, args.time_limit, progress=_print_progress)
    Path(args.out).write_text(json.dumps(plan, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{plan['status']}: {len(plan['sessions'])} sessions placed, {len(plan['unplaced'])} unplaced, "
          f"{len(plan['unmet_requirements'])} requirements unmet, {plan['moved']} moved, "
          f"{plan['solve_seconds']:.1f} s -> {args.out}")
    for row in plan["unplaced"]:
        print(f"  unplaced {row['offer']}#{row['session']}: {row['reason']}")
    for row in plan["unmet_requirements"]:
        print(f"  unmet {row['accommodation']}/{row['category']}: {row['reason']}")
    return 0


def _valid_scenario(path: str) -> dict:
    """The scenario in the file, or SystemExit(2) after printing every reason it is invalid."""
    from .validate import scenario_problems

    scenario = _read(path, "scenario")
    problems = scenario_problems(scenario)
    if problems:
        print(f"error: invalid scenario {path}:", file=sys.stderr)
        for path, message in problems:
            print(f"  {path}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)
    return scenario


def _print_progress(event: dict) -> None:
    print(f"[{event['elapsed']:6.1f} s] {event['phase']:<6} objective {event['objective']} "
          f"bound {event['bound']} hard shortfalls {event['hard']}", flush=True)


def _check(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m roombook.solver check",
                                     description="Check a plan against every hard rule of its scenario.")
    parser.add_argument("scenario")
    parser.add_argument("plan")
    args = parser.parse_args(argv)
    from .check import check_plan

    scenario = _valid_scenario(args.scenario)
    violations = check_plan(scenario, _read(args.plan, "plan"))
    for violation in violations:
        print(violation)
    if violations:
        return EXIT_VIOLATIONS
    print("plan is valid")
    return 0
