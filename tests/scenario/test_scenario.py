"""Scenario import and export: every example loads, round trips are lossless, bad files change nothing."""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from roombook.models import (
    Accommodation,
    Booking,
    Closure,
    Occurrence,
    Offer,
    OfferSession,
)
from roombook.scenario.demo import demo_scenario
from roombook.scenario.exporter import export_scenario
from roombook.scenario.importer import import_scenario
from roombook.solver.validate import InvalidScenario, schema_problems

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "scenario"
EXAMPLES = sorted({p.name: p for p in [*SHARED.glob("examples/*.json"), *(ROOT / "tests/data").glob("*.json")]}
                  .values())


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _wipe(session) -> None:
    for table in reversed(Accommodation.metadata.sorted_tables):
        session.execute(table.delete())
    session.flush()
    session.expunge_all()


def test_project_schema_is_the_shared_contract():
    if not (SHARED / "schema.json").exists():
        pytest.fail("the shared scenario format is missing beside the project")
    assert load(ROOT / "roombook/solver/schema.json") == load(SHARED / "schema.json")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_imports(session, path):
    scenario = load(path)
    counts = import_scenario(session, scenario)
    assert counts["accommodations"] == len(scenario["accommodations"])
    assert session.scalar(sa.select(sa.func.count()).select_from(Offer)) == len(scenario["offers"])
    assert session.scalar(sa.select(sa.func.count()).select_from(OfferSession)) == len(scenario["current_plan"])
    assert (session.scalar(sa.select(sa.func.count()).select_from(Occurrence)) > 0) == bool(scenario["current_plan"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_import_export_import_round_trip(session, path):
    import_scenario(session, load(path))
    first = export_scenario(session)
    assert schema_problems(first, "scenario") == []
    _wipe(session)
    import_scenario(session, copy.deepcopy(first))
    second = export_scenario(session)
    assert second == first


def test_export_keeps_what_the_file_said(session):
    scenario = load(EXAMPLES[0])
    import_scenario(session, scenario)
    exported = export_scenario(session, scenario["timezone"])
    assert exported["period"] == scenario["period"]
    assert {a["id"] for a in exported["accommodations"]} == {a["id"] for a in scenario["accommodations"]}
    plan = {(r["offer"], r["session"]): (r["day"], r["start"], r["room"], r["provider"])
            for r in scenario["current_plan"]}
    assert {(r["offer"], r["session"]): (r["day"], r["start"], r["room"], r["provider"])
            for r in exported["current_plan"]} == plan
    assert {b["id"] for b in exported["bookings"]} <= {b["id"] for b in scenario["bookings"]}
    holidays = [c for c in exported["closures"] if c["kind"] == "holiday"]
    assert holidays and all(c["reason"].startswith("Feiertag") for c in holidays)


def _broken(mutate) -> dict:
    scenario = load(EXAMPLES[0])
    mutate(scenario)
    return scenario


@pytest.mark.parametrize("mutate,path,words", [
    (lambda s: s["offers"][0].update(accommodation="atlantis"), "$.offers[0].accommodation", "unknown"),
    (lambda s: s["offers"][0]["providers"].append("nobody"), "$.offers[0].providers[", "unknown provider"),
    (lambda s: s["accommodations"][0]["rooms"][0]["open"][0].update({"from": "18:00", "to": "09:00"}),
     "$.accommodations[0].rooms[0].open[0]", "not after"),
    (lambda s: s["providers"].append(dict(s["providers"][0])), "$.providers[", "duplicate id"),
    (lambda s: s["bookings"][0].update(room="nowhere"), "$.bookings[0].room", "unknown room"),
    (lambda s: s["current_plan"].append({"offer": "ghost", "session": 0, "room": "nord-gr", "provider": "vhs-a",
                                         "day": "mon", "start": "10:00", "end": "11:00"}),
     "$.current_plan[0].offer", "unknown offer"),
    (lambda s: s.update(format="something-else"), "$.format", "roombook-scenario/1"),
    (lambda s: s["offers"][0].update(duration_minutes="long"), "$.offers[0].duration_minutes", "not of type"),
])
def test_invalid_file_is_refused_whole_naming_path_and_problem(session, mutate, path, words):
    with pytest.raises(InvalidScenario) as refused:
        import_scenario(session, _broken(mutate))
    assert any(p.startswith(path) and words in message for p, message in refused.value.problems), \
        refused.value.problems
    assert session.scalar(sa.select(sa.func.count()).select_from(Accommodation)) == 0


def test_overlapping_bookings_in_a_file_are_refused(session):
    def overlap(s):
        twin = dict(s["bookings"][0], id="twin")
        s["bookings"].append(twin)
    with pytest.raises(InvalidScenario) as refused:
        import_scenario(session, _broken(overlap))
    assert any("overlaps" in message for _p, message in refused.value.problems)


def test_two_closures_of_a_room_from_the_same_start_are_refused(session):
    scenario = demo_scenario(dt.date(2027, 2, 24))
    first = scenario["closures"][0]
    scenario["closures"].append(dict(first, end=first["end"], reason="noch einmal"))
    with pytest.raises(InvalidScenario) as refused:
        import_scenario(session, scenario)
    assert refused.value.problems == [(f"$.closures[{len(scenario['closures']) - 1}]",
                                       "another closure of the same kind starts in this room then")]


def test_importing_the_same_city_twice_is_refused(session):
    import_scenario(session, load(EXAMPLES[0]))
    with pytest.raises(InvalidScenario, match="already exists"):
        import_scenario(session, load(EXAMPLES[0]))
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == len(load(EXAMPLES[0])["bookings"])


def test_demo_city_round_trips_with_its_plan(session):
    import_scenario(session, demo_scenario(dt.date(2027, 2, 24)))
    first = export_scenario(session)
    assert len(first["current_plan"]) > 15 and schema_problems(first, "scenario") == []
    _wipe(session)
    import_scenario(session, copy.deepcopy(first))
    assert export_scenario(session) == first


def test_file_closures_cancel_their_occurrences(session):
    scenario = demo_scenario(dt.date(2027, 2, 24))
    import_scenario(session, scenario)
    for closure in scenario["closures"]:
        assert session.scalar(sa.select(Closure).where(Closure.reason == closure["reason"])) is not None
    cancelled = session.scalars(sa.select(Occurrence).where(Occurrence.status == "cancelled")).all()
    assert cancelled and all(o.reason for o in cancelled)
