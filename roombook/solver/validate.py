"""Is a scenario file usable? The one validator of the scenario format (FORMAT.md, schema.json beside
this file), for the solver's command line and for importing into the database alike: the JSON Schema
first, then what a schema cannot say (references, orderings, time zones). Every problem is reported with
its JSON path, so a city's IT can find it in a large file."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SCHEMA_PATH = Path(__file__).with_name("schema.json")


class InvalidScenario(ValueError):
    """A scenario that cannot be used; `problems` lists `(json_path, message)`."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("invalid scenario: " + "; ".join(f"{path}: {message}" for path, message in problems[:5]))
        self.problems = problems


@cache
def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(definition: str):
    """A validator for one definition of the schema ('scenario' or 'plan')."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator({"$defs": load_schema()["$defs"], "$ref": f"#/$defs/{definition}"})


def schema_problems(document: dict, definition: str) -> list[tuple[str, str]]:
    """Schema violations of a scenario or plan document, as (json_path, message)."""
    return [(error.json_path, error.message)
            for error in sorted(_validator(definition).iter_errors(document), key=lambda e: e.json_path)]


def scenario_problems(scenario: dict) -> list[tuple[str, str]]:
    """Every problem of the scenario as (json_path, message); empty when it is sound."""
    return schema_problems(scenario, "scenario") or _reference_problems(scenario)


def check_scenario(scenario: dict) -> None:
    """Raise InvalidScenario unless the scenario can be solved."""
    problems = scenario_problems(scenario)
    if problems:
        raise InvalidScenario(problems)


def _duplicates(items: list[dict], path: str, key: str = "id") -> list[tuple[str, str]]:
    counts = Counter(item[key] for item in items)
    return [(f"{path}[{i}].{key}", f"duplicate id '{item[key]}'")
            for i, item in enumerate(items) if counts[item[key]] > 1]


def _windows(windows: list[dict], path: str) -> list[tuple[str, str]]:
    return [(f"{path}[{i}]", f"window 'to' {w['to']} is not after 'from' {w['from']}")
            for i, w in enumerate(windows) if w["to"] <= w["from"]]


def _reference_problems(s: dict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    try:
        ZoneInfo(s["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(("$.timezone", f"unknown time zone '{s['timezone']}'"))
    if s["period"]["end"] < s["period"]["start"]:
        problems.append(("$.period.end", "period ends before it starts"))

    accommodations = {a["id"] for a in s["accommodations"]}
    rooms = {r["id"]: a["id"] for a in s["accommodations"] for r in a["rooms"]}
    all_rooms = [r for a in s["accommodations"] for r in a["rooms"]]
    providers = {p["id"] for p in s["providers"]}
    offers = {o["id"]: o for o in s["offers"]}

    problems += _duplicates(s["accommodations"], "$.accommodations")
    for i, a in enumerate(s["accommodations"]):
        for j, room in enumerate(a["rooms"]):
            problems += _windows(room["open"], f"$.accommodations[{i}].rooms[{j}].open")
    counts = Counter(r["id"] for r in all_rooms)
    for i, a in enumerate(s["accommodations"]):
        problems += [(f"$.accommodations[{i}].rooms[{j}].id", f"duplicate room id '{r['id']}'")
                     for j, r in enumerate(a["rooms"]) if counts[r["id"]] > 1]
    problems += _duplicates(s["providers"], "$.providers")
    for i, p in enumerate(s["providers"]):
        problems += _windows(p["available"], f"$.providers[{i}].available")
    problems += _duplicates(s["offers"], "$.offers")
    for i, o in enumerate(s["offers"]):
        path = f"$.offers[{i}]"
        if o["accommodation"] not in accommodations:
            problems.append((f"{path}.accommodation", f"unknown accommodation '{o['accommodation']}'"))
        problems += [(f"{path}.providers[{j}]", f"unknown provider '{p}'")
                     for j, p in enumerate(o["providers"]) if p not in providers]
        for field in ("allowed", "preferred"):
            problems += _windows(o.get(field) or [], f"{path}.{field}")
        for j, pin in enumerate(o.get("pinned") or []):
            if pin["session"] >= o["sessions_per_week"]:
                problems.append((f"{path}.pinned[{j}].session", f"session {pin['session']} does not exist"))
            if "room" in pin and rooms.get(pin["room"]) != o["accommodation"]:
                problems.append((f"{path}.pinned[{j}].room", f"room '{pin['room']}' is not in "
                                                             f"'{o['accommodation']}'"))
    for i, r in enumerate(s.get("requirements", [])):
        if r["accommodation"] not in accommodations:
            problems.append((f"$.requirements[{i}].accommodation",
                             f"unknown accommodation '{r['accommodation']}'"))
    for i, t in enumerate(s.get("travel", [])):
        for end in ("from", "to"):
            if t[end] not in accommodations:
                problems.append((f"$.travel[{i}].{end}", f"unknown accommodation '{t[end]}'"))
    problems += _duplicates(s.get("bookings", []), "$.bookings")
    for field in ("bookings", "closures"):
        for i, b in enumerate(s.get(field, [])):
            if b["room"] not in rooms:
                problems.append((f"$.{field}[{i}].room", f"unknown room '{b['room']}'"))
            if b["end"] <= b["start"]:
                problems.append((f"$.{field}[{i}].end", "end is not after start"))
    for i, row in enumerate(s.get("current_plan", [])):
        path = f"$.current_plan[{i}]"
        offer = offers.get(row["offer"])
        if offer is None:
            problems.append((f"{path}.offer", f"unknown offer '{row['offer']}'"))
            continue
        if rooms.get(row["room"]) != offer["accommodation"]:
            problems.append((f"{path}.room", f"room '{row['room']}' is not in '{offer['accommodation']}'"))
        if row["provider"] not in offer["providers"]:
            problems.append((f"{path}.provider", f"provider '{row['provider']}' does not lead '{row['offer']}'"))
        if row["session"] >= offer["sessions_per_week"]:
            problems.append((f"{path}.session", f"session {row['session']} does not exist"))
        if row["end"] <= row["start"]:
            problems.append((f"{path}.end", "end is not after start"))
    return problems
