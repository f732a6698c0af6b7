"""Is a scenario file usable? JSON Schema first, then what a schema cannot say (references, order)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "scenario" / "schema.json"


class InvalidScenario(ValueError):
    """The scenario breaks the file format; `problems` lists every finding."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid scenario: " + "; ".join(problems[:5]))
        self.problems = problems


@cache
def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_errors(document: dict, definition: str) -> list[str]:
    """Messages for every place where `document` breaks `$defs/<definition>` of the schema."""
    from jsonschema import Draft202012Validator

    schema = {key: value for key, value in load_schema().items() if key != "oneOf"}
    schema["$ref"] = f"#/$defs/{definition}"
    validator = Draft202012Validator(schema)
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
            for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def scenario_problems(scenario: dict) -> list[str]:
    problems = schema_errors(scenario, "scenario")
    if problems:
        return problems
    accommodations = _unique(problems, "accommodation", scenario["accommodations"])
    rooms = _unique(problems, "room", [r for a in scenario["accommodations"] for r in a["rooms"]])
    providers = _unique(problems, "provider", scenario["providers"])
    _unique(problems, "offer", scenario["offers"])
    _unique(problems, "booking", scenario.get("bookings", []))
    room_home = {r["id"]: a["id"] for a in scenario["accommodations"] for r in a["rooms"]}
    windows = [(f"room {r['id']}", r["open"]) for a in scenario["accommodations"] for r in a["rooms"]]
    windows += [(f"provider {p['id']}", p["available"]) for p in scenario["providers"]]
    for offer in scenario["offers"]:
        name = f"offer {offer['id']}"
        if offer["accommodation"] not in accommodations:
            problems.append(f"{name}: unknown accommodation {offer['accommodation']!r}")
        for provider in offer["providers"]:
            if provider not in providers:
                problems.append(f"{name}: unknown provider {provider!r}")
        windows += [(name, offer.get("allowed", [])), (name, offer.get("preferred", []))]
        for pin in offer.get("pinned", []):
            if pin["session"] >= offer["sessions_per_week"]:
                problems.append(f"{name}: pin for session {pin['session']} but only "
                                f"{offer['sessions_per_week']} sessions per week")
            if "room" in pin and room_home.get(pin["room"]) != offer["accommodation"]:
                problems.append(f"{name}: pinned room {pin['room']!r} is not in its accommodation")
    for owner, rows in windows:
        for window in rows:
            if window["from"] >= window["to"]:
                problems.append(f"{owner}: window {window['day']} {window['from']}-{window['to']} is empty")
    for requirement in scenario.get("requirements", []):
        if requirement["accommodation"] not in accommodations:
            problems.append(f"requirement: unknown accommodation {requirement['accommodation']!r}")
    for leg in scenario.get("travel", []):
        for end in (leg["from"], leg["to"]):
            if end not in accommodations:
                problems.append(f"travel: unknown accommodation {end!r}")
    for kind in ("bookings", "closures"):
        for row in scenario.get(kind, []):
            if row["room"] not in rooms:
                problems.append(f"{kind}: unknown room {row['room']!r}")
            if row["start"] >= row["end"]:
                problems.append(f"{kind}: {row['start']} is not before {row['end']}")
    if scenario["period"]["start"] > scenario["period"]["end"]:
        problems.append("period: start is after end")
    return problems


def _unique(problems: list[str], kind: str, rows: list[dict]) -> set[str]:
    seen: set[str] = set()
    for row in rows:
        if row["id"] in seen:
            problems.append(f"{kind} id {row['id']!r} is used twice")
        seen.add(row["id"])
    return seen


def check_scenario(scenario: dict) -> None:
    """Raise InvalidScenario unless the scenario can be solved."""
    problems = scenario_problems(scenario)
    if problems:
        raise InvalidScenario(problems)
