"""Independent plan validator: re-checks every hard rule of FORMAT.md from the raw files.

Deliberately shares no constraint code with the solver (only the schema loader), so a bug
in the solver's model cannot hide itself here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .validate import schema_problems

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _minute(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:5])


def _covered(windows: list[dict], day: str, start: int, end: int) -> bool:
    """Whether [start, end) on `day` lies inside the union of the windows."""
    spans = sorted((_minute(w["from"]), _minute(w["to"])) for w in windows if w["day"] == day)
    reach = start
    for lo, hi in spans:
        if lo > reach:
            break
        reach = max(reach, hi)
        if reach >= end:
            return True
    return False


def _pairs(rows: list[dict]):
    for i, first in enumerate(rows):
        for second in rows[i + 1:]:
            yield first, second


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M")


def check_plan(scenario: dict, plan: dict) -> list[str]:
    """Every violation of the plan format and of hard rules 1-7; empty for a valid plan."""
    errors = schema_problems(plan, "plan")
    if errors:
        return [f"schema: {path}: {message}" for path, message in errors]
    return _Checker(scenario, plan).run()


class _Checker:
    def __init__(self, scenario: dict, plan: dict):
        self.scenario = scenario
        self.plan = plan
        self.errors: list[str] = []
        self.offers = {o["id"]: o for o in scenario["offers"]}
        self.providers = {p["id"]: p for p in scenario["providers"]}
        self.rooms = {r["id"]: (a["id"], r) for a in scenario["accommodations"] for r in a["rooms"]}
        self.slot = scenario.get("slot_minutes", 15)
        self.rows: list[dict] = []

    def run(self) -> list[str]:
        self._rows()
        self._rule_3()
        self._rule_4()
        self._rule_5()
        self._rule_6()
        self._rule_7()
        return self.errors

    def _say(self, rule: int, row: dict | None, text: str) -> None:
        where = f"{row['offer']}#{row['session']}: " if row else ""
        self.errors.append(f"rule {rule}: {where}{text}")

    def _rows(self) -> None:
        """Rules 1 and 2 for each session on its own; keeps the rows that can be checked further."""
        seen = set()
        for row in self.plan["sessions"]:
            offer = self.offers.get(row["offer"])
            if offer is None or row["session"] >= offer["sessions_per_week"]:
                self._say(2, row, "no such offer session")
                continue
            if (row["offer"], row["session"]) in seen:
                self._say(5, row, "placed twice")
                continue
            seen.add((row["offer"], row["session"]))
            start, end = _minute(row["start"]), _minute(row["end"])
            if end - start != offer["duration_minutes"]:
                self._say(1, row, f"lasts {end - start} minutes instead of {offer['duration_minutes']}")
            if start % self.slot:
                self._say(1, row, f"start {row['start']} is off the {self.slot}-minute grid")
            self.rows.append(row)
            self._room_fits(row, offer, start, end)
            if row["provider"] not in offer["providers"] or row["provider"] not in self.providers:
                self._say(3, row, f"provider {row['provider']} does not lead this offer")
            elif not _covered(self.providers[row["provider"]]["available"], row["day"], start, end):
                self._say(1, row, f"provider {row['provider']} is not available {row['day']} {row['start']}-{row['end']}")

    def _room_fits(self, row: dict, offer: dict, start: int, end: int) -> None:
        home = self.rooms.get(row["room"])
        if home is None or home[0] != offer["accommodation"]:
            self._say(2, row, f"room {row['room']} is not in accommodation {offer['accommodation']}")
            return
        room = home[1]
        if room["capacity"] < offer["participants"]:
            self._say(2, row, f"room {row['room']} holds {room['capacity']} < {offer['participants']}")
        missing = set(offer.get("needs_features", [])) - set(room.get("features", []))
        if missing:
            self._say(2, row, f"room {row['room']} lacks {sorted(missing)}")
        if not _covered(room["open"], row["day"], start, end):
            self._say(1, row, f"room {row['room']} is not open {row['day']} {row['start']}-{row['end']}")
        if "allowed" in offer and not _covered(offer["allowed"], row["day"], start, end):
            self._say(1, row, "outside the offer's allowed windows")

    def _week(self, row: dict) -> tuple[int, int]:
        base = _DAYS.index(row["day"]) * 1440
        return base + _minute(row["start"]), base + _minute(row["end"])

    def _travel(self, first: str, second: str) -> int:
        if first == second:
            return 0
        for leg in self.scenario.get("travel", []):
            if {leg["from"], leg["to"]} == {first, second}:
                return leg["minutes"]
        return self.scenario.get("travel_minutes", 0)

    def _rule_3(self) -> None:
        by_room: dict[str, list[dict]] = {}
        by_provider: dict[str, list[dict]] = {}
        for row in self.rows:
            by_room.setdefault(row["room"], []).append(row)
            by_provider.setdefault(row["provider"], []).append(row)
        for room, rows in by_room.items():
            for first, second in _pairs(rows):
                (a_start, a_end), (b_start, b_end) = self._week(first), self._week(second)
                if a_start < b_end and b_start < a_end:
                    self._say(3, first, f"overlaps {second['offer']}#{second['session']} in room {room}")
        for provider, rows in by_provider.items():
            for first, second in _pairs(rows):
                (a_start, a_end), (b_start, b_end) = self._week(first), self._week(second)
                gap = self._travel(self.offers[first["offer"]]["accommodation"],
                                   self.offers[second["offer"]]["accommodation"])
                if a_start < b_end + gap and b_start < a_end + gap:
                    self._say(3, first, f"provider {provider} also leads {second['offer']}#"
                                        f"{second['session']} without {gap} minutes between")

    def _rule_4(self) -> None:
        minutes: dict[str, int] = {}
        for row in self.rows:
            minutes[row["provider"]] = minutes.get(row["provider"], 0) + self.offers[row["offer"]]["duration_minutes"]
        for provider, total in minutes.items():
            limit = self.providers.get(provider, {}).get("max_minutes_per_week")
            if limit is not None and total > limit:
                self._say(4, None, f"provider {provider} plans {total} minutes/week, limit {limit}")

    def _rule_5(self) -> None:
        placed = {(r["offer"], r["session"]): r for r in self.rows}
        for offer in self.scenario["offers"]:
            for pin in offer.get("pinned", []):
                row = placed.get((offer["id"], pin["session"]))
                if row and (row["day"] != pin["day"] or _minute(row["start"]) != _minute(pin["start"])
                            or row["room"] != pin.get("room", row["room"])):
                    self._say(5, row, "does not keep its pin")
        days: dict[tuple[str, str], dict] = {}
        for row in self.rows:
            other = days.setdefault((row["offer"], row["day"]), row)
            if other is not row:
                self._say(5, row, f"shares {row['day']} with session {other['session']}")

    def _occurrences(self, row: dict):
        period = self.scenario["period"]
        day = date.fromisoformat(period["start"])
        last = date.fromisoformat(period["end"])
        while day <= last:
            if _DAYS[day.weekday()] == row["day"]:
                midnight = datetime(day.year, day.month, day.day)
                yield day, midnight + timedelta(minutes=_minute(row["start"])), \
                    midnight + timedelta(minutes=_minute(row["end"]))
            day += timedelta(days=1)

    def _rule_6(self) -> None:
        displaced = {(d["booking"], d["offer"], d["session"]) for d in self.plan["displaced_bookings"]}
        cancelled = {(c["offer"], c["session"], c["date"]) for c in self.plan.get("cancelled_occurrences", [])}
        bookings: dict[str, list[tuple[datetime, datetime, dict]]] = {}
        for booking in self.scenario.get("bookings", []):
            bookings.setdefault(booking["room"], []).append((_stamp(booking["start"]), _stamp(booking["end"]), booking))
        closures: dict[str, list[tuple[datetime, datetime]]] = {}
        for closure in self.scenario.get("closures", []):
            closures.setdefault(closure["room"], []).append((_stamp(closure["start"]), _stamp(closure["end"])))
        for row in self.rows:
            for day, start, end in self._occurrences(row):
                for lo, hi, booking in bookings.get(row["room"], ()):
                    if not (start < hi and lo < end):
                        continue
                    if not booking["displaceable"]:
                        self._say(6, row, f"overlaps booking {booking['id']} on {day} which cannot be displaced")
                    elif (booking["id"], row["offer"], row["session"]) not in displaced:
                        self._say(6, row, f"overlaps booking {booking['id']} on {day} not listed as displaced")
                if any(start < hi and lo < end for lo, hi in closures.get(row["room"], ())) \
                        and (row["offer"], row["session"], day.isoformat()) not in cancelled:
                    self._say(6, row, f"occurrence on {day} falls into a closure but is not cancelled")

    def _rule_7(self) -> None:
        placed = {(r["offer"], r["session"]) for r in self.rows}
        unplaced = {(u["offer"], u["session"]): u for u in self.plan["unplaced"]}
        infeasible = self.plan["status"] == "infeasible"
        short = False
        for offer in self.scenario["offers"]:
            for number in range(offer["sessions_per_week"]):
                key = (offer["id"], number)
                if key in placed:
                    continue
                row = unplaced.get(key)
                if row is None or not str(row.get("reason", "")).strip():
                    self._say(7, {"offer": key[0], "session": number}, "neither placed nor explained in unplaced")
                if offer["guaranteed"]:
                    short = True
                    if not infeasible:
                        self._say(7, {"offer": key[0], "session": number},
                                  "guaranteed session is not placed but the status is not infeasible")
        minutes: dict[tuple[str, str], int] = {}
        for row in self.rows:
            offer = self.offers[row["offer"]]
            key = (offer["accommodation"], offer["category"])
            minutes[key] = minutes.get(key, 0) + offer["duration_minutes"]
        unmet = {(u["accommodation"], u["category"]): u for u in self.plan["unmet_requirements"]}
        for requirement in self.scenario.get("requirements", []):
            key = (requirement["accommodation"], requirement["category"])
            if minutes.get(key, 0) >= requirement["min_minutes_per_week"]:
                continue
            short = True
            row = unmet.get(key)
            if not infeasible or row is None or not str(row.get("reason", "")).strip():
                self._say(7, None, f"requirement {key[1]} in {key[0]} is not met "
                                   f"({minutes.get(key, 0)} of {requirement['min_minutes_per_week']} minutes) "
                                   "and not reported as infeasible with a reason")
        if infeasible and not short:
            self._say(7, None, "status is infeasible although every hard rule is met")
