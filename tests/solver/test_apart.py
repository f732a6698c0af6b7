"""The solver in a process of its own answers as in this one: plan, progress, refusals; a solver process that
ends without a plan, or a progress callback that fails, ends the solve with an error."""

import subprocess
import sys
from pathlib import Path

import pytest
from solver_factories import offer, scenario

from roombook.solver import InvalidScenario, apart, check_plan
from roombook.solver.apart import SolverFailed, solve_apart


def test_a_plan_solved_apart_keeps_every_rule_and_reports_progress():
    city = scenario(offers=[offer("kurs", sessions=2), offer("treff", duration=90)])
    events: list[dict] = []
    plan = solve_apart(city, 10, events.append)
    assert plan["status"] == "optimal" and len(plan["sessions"]) == 3
    assert check_plan(city, plan) == []
    assert events and events[-1]["hard"] == 0


def test_an_invalid_scenario_is_refused_with_every_problem():
    with pytest.raises(InvalidScenario) as refused:
        solve_apart(scenario(offers="none"), 5)
    assert refused.value.problems and refused.value.problems[0][0] == "$.offers"


def test_a_solver_process_ending_without_a_plan_is_a_failure(monkeypatch):
    monkeypatch.setattr(apart.sys, "executable", "/bin/false")
    with pytest.raises(SolverFailed, match="status 1"):
        solve_apart(scenario(), 5)


def test_a_failing_progress_callback_ends_the_solve():
    def broken(event: dict) -> None:
        raise ConnectionError("the run's row cannot be written")

    with pytest.raises(ConnectionError):
        solve_apart(scenario(), 30, broken)


def test_the_solver_process_runs_the_code_of_the_process_that_started_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # another working directory: `-m roombook.solver` must not find another tree
    monkeypatch.delenv("PYTHONPATH", raising=False)
    env = apart._same_code()
    found = subprocess.run([sys.executable, "-c", "import roombook; print(roombook.__file__)"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(found).resolve() == Path(apart.__file__).resolve().parents[1] / "__init__.py"
