"""Re-solving with the plan in force moves only what the change forces."""

import copy
import json
from pathlib import Path

from solver_factories import offer, scenario, solved, window

from roombook.solver import solve

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "small-city.json"


def keyed(plan: dict) -> dict:
    return {(r["offer"], r["session"]): (r["day"], r["start"], r["room"], r["provider"]) for r in plan["sessions"]}


def test_provider_losing_a_day_moves_only_its_sessions_of_that_day():
    city = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    first = solve(city, time_limit=10)
    changed = copy.deepcopy(city)
    changed["current_plan"] = first["sessions"]
    vhs_b = next(p for p in changed["providers"] if p["id"] == "vhs-b")
    vhs_b["available"] = [w for w in vhs_b["available"] if w["day"] != "thu"]
    second = solved(changed, time_limit=10)
    before, after = keyed(first), keyed(second)
    affected = {key for key, value in before.items() if value[0] == "thu" and value[3] == "vhs-b"}
    moved = {key for key in before if after.get(key) != before[key]}
    assert affected and moved == affected
    assert second["moved"] == len(affected)
    assert second["status"] in ("optimal", "feasible")


def test_new_offer_is_placed_without_moving_anything():
    city = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    first = solve(city, time_limit=10)
    changed = copy.deepcopy(city)
    changed["current_plan"] = first["sessions"]
    changed["offers"].append(offer("neu", "mitte", ["ehrenamt-alltag"], duration=60, participants=6))
    second = solved(changed, time_limit=10)
    assert second["moved"] == 0
    assert {k: v for k, v in keyed(second).items() if k[0] != "neu"} == keyed(first)
    assert ("neu", 0) in keyed(second)


def test_staying_put_beats_a_preferred_time():
    current = [{"offer": "kurs", "session": 0, "room": "saal", "provider": "vhs", "day": "tue",
                "start": "10:00", "end": "11:00"}]
    plan = solved(scenario(offers=[offer("kurs", preferred=[window("mon", "08:00", "12:00")])], current_plan=current))
    assert plan["sessions"] == current and plan["moved"] == 0
    assert plan["status"] == "optimal"
