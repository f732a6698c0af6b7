import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from roombook.solver import InvalidScenario, check_plan, solve
from roombook.solver.validate import load_schema

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "small-city.json"


def load_example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_example_solves_to_a_plan_the_validator_and_schema_accept():
    scenario = load_example()
    plan = solve(scenario, time_limit=10)
    assert plan["status"] in ("optimal", "feasible")
    assert check_plan(scenario, plan) == []
    assert list(Draft202012Validator(load_schema()).iter_errors(plan)) == []
    expected = sum(o["sessions_per_week"] for o in scenario["offers"])
    assert len(plan["sessions"]) == expected
    assert plan["unplaced"] == [] and plan["unmet_requirements"] == []


def test_example_lists_occurrences_cancelled_by_closures():
    scenario = load_example()
    plan = solve(scenario, time_limit=10)
    easter = [c for c in plan["cancelled_occurrences"] if c["date"] == "2027-04-05"]
    on_monday_in_nord = [s for s in plan["sessions"] if s["room"] == "nord-gr" and s["day"] == "mon"]
    assert len(easter) == len(on_monday_in_nord)
    assert all(c["reason"] == "Ostermontag" for c in easter)


def test_solve_reports_progress_and_time():
    events = []
    plan = solve(load_example(), time_limit=10, progress=events.append)
    assert events and {"elapsed", "objective", "bound", "hard"} <= events[-1].keys()
    assert events[-1]["hard"] == 0
    assert 0 <= plan["solve_seconds"] < 10


def test_invalid_scenario_raises_with_every_problem_listed():
    scenario = load_example()
    scenario["offers"][0]["providers"] = ["niemand"]
    scenario["bookings"][0]["room"] = "keller"
    with pytest.raises(InvalidScenario) as raised:
        solve(scenario, time_limit=1)
    assert raised.value.problems == [("$.offers[0].providers[0]", "unknown provider 'niemand'"),
                                     ("$.bookings[0].room", "unknown room 'keller'")]


def test_scenario_without_offers_gives_an_empty_optimal_plan():
    scenario = load_example()
    scenario["offers"], scenario["requirements"] = [], []
    plan = solve(scenario, time_limit=1)
    assert (plan["status"], plan["sessions"], plan["unplaced"]) == ("optimal", [], [])
    assert check_plan(scenario, plan) == []
