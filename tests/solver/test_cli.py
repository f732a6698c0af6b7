"""`python -m roombook.solver` as a manager or the benchmark would run it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from solver_factories import offer, scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "data" / "small-city.json"


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "roombook.solver", *args], check=False, capture_output=True,
                          text=True, env=env, timeout=60)


def test_solve_writes_a_plan_that_check_accepts(tmp_path):
    out = tmp_path / "plan.json"
    solved = run(str(EXAMPLE), "--out", str(out), "--time-limit", "5")
    assert solved.returncode == 0, solved.stderr
    assert "objective" in solved.stdout and "bound" in solved.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "roombook-plan/1"
    checked = run("check", str(EXAMPLE), str(out))
    assert (checked.returncode, checked.stdout.strip()) == (0, "plan is valid")


def test_infeasible_scenario_still_writes_a_plan(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario(offers=[offer("kurs", participants=99)])), encoding="utf-8")
    out = tmp_path / "plan.json"
    result = run(str(path), "--out", str(out), "--time-limit", "5")
    assert result.returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "infeasible"
    assert "holds 99 participants" in result.stdout


def test_invalid_scenario_exits_2_with_a_message(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario(offers=[offer("kurs", providers=["niemand"])])), encoding="utf-8")
    result = run(str(path), "--out", str(tmp_path / "plan.json"))
    assert result.returncode == 2
    assert "unknown provider 'niemand'" in result.stderr
    assert not (tmp_path / "plan.json").exists()
    path.write_text("{not json", encoding="utf-8")
    assert run(str(path), "--out", str(tmp_path / "plan.json")).returncode == 2


def test_check_prints_violations_and_exits_1(tmp_path):
    out = tmp_path / "plan.json"
    run(str(EXAMPLE), "--out", str(out), "--time-limit", "5")
    plan = json.loads(out.read_text(encoding="utf-8"))
    plan["sessions"][0]["start"] = "07:05"
    out.write_text(json.dumps(plan), encoding="utf-8")
    result = run("check", str(EXAMPLE), str(out))
    assert result.returncode == 1
    assert result.stdout.startswith("rule 1:")
