"""Turn an assignment into a plan file (roombook-plan/1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .explain import Explainer
from .objective import requirement_minutes
from .problem import Placement, Problem
from .schedule import Schedule
from .timegrid import (
    DAY_MINUTES,
    DAYS,
    dates_in,
    format_hhmm,
    overlaps,
    parse_hhmm,
    parse_local,
    week_spans,
)
from .wording import english

MAX_ALTERNATIVES = 3


def build_plan(problem: Problem, assignment: dict[int, Placement], optimal: bool, seconds: float) -> dict:
    explainer = Explainer(problem, assignment)
    sessions = []
    unplaced = []
    for session in problem.sessions:
        placement = assignment.get(session.index)
        if placement is None:
            why = explainer.unplaced(session)
            unplaced.append({"offer": session.offer, "session": session.number, "reason": english(why), "why": why})
            continue
        day = placement.start // DAY_MINUTES
        start = placement.start % DAY_MINUTES
        sessions.append({"offer": session.offer, "session": session.number, "room": placement.room,
                         "provider": placement.provider, "day": DAYS[day], "start": format_hhmm(start),
                         "end": format_hhmm(start + session.duration)})
    planned = requirement_minutes(problem, assignment)
    unmet = []
    for requirement in problem.requirements:
        minutes = planned.get((requirement["accommodation"], requirement["category"]), 0)
        if minutes < requirement["min_minutes_per_week"]:
            why = explainer.requirement(requirement, minutes)
            unmet.append({"accommodation": requirement["accommodation"], "category": requirement["category"],
                          "required_minutes": requirement["min_minutes_per_week"], "planned_minutes": minutes,
                          "reason": english(why), "why": why})
    hard_short = unmet or any(row for row in unplaced if problem.offers[row["offer"]]["guaranteed"])
    moved = sum(1 for s in problem.sessions if s.current is not None and assignment.get(s.index) != s.current)
    return {
        "format": "roombook-plan/1",
        "status": "infeasible" if hard_short else ("optimal" if optimal else "feasible"),
        "sessions": sessions,
        "unplaced": unplaced,
        "unmet_requirements": unmet,
        "displaced_bookings": displaced_bookings(problem, assignment),
        "cancelled_occurrences": cancelled_occurrences(problem, sessions),
        "moved": moved,
        "solve_seconds": round(seconds, 3),
    }


def displaced_bookings(problem: Problem, assignment: dict[int, Placement]) -> list[dict]:
    """One row per (booking, session) overlap, with free slots the booking could move to."""
    schedule = Schedule(problem, assignment)
    bookings = {b["id"]: b for b in problem.scenario.get("bookings", [])}
    taken: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for row in problem.scenario.get("bookings", []) + problem.scenario.get("closures", []):
        taken.setdefault(row["room"], []).append((parse_local(row["start"]), parse_local(row["end"]), row.get("id", "")))
    rows = []
    for index, placement in sorted(assignment.items()):
        session = problem.sessions[index]
        for booking in sorted(schedule.displaces(session, placement)):
            rows.append({"booking": booking, "offer": session.offer, "session": session.number,
                         "alternatives": alternatives(problem, schedule, taken, bookings[booking])})
    return rows


def alternatives(problem: Problem, schedule: Schedule, taken: dict[str, list[tuple[datetime, datetime, str]]],
                 booking: dict) -> list[dict]:
    """Same date: the same time in another room first, then other free times in any room of the house."""
    start, end = parse_local(booking["start"]), parse_local(booking["end"])
    length = int((end - start).total_seconds() // 60)
    if start.date() != (end - timedelta(minutes=1)).date():
        return []
    accommodation = problem.room_accommodation[booking["room"]]
    rooms = problem.accommodations[accommodation]["rooms"]
    midnight = datetime.combine(start.date(), datetime.min.time())
    offset = start.weekday() * DAY_MINUTES
    wanted = start.hour * 60 + start.minute
    found = []
    candidates = [(r, wanted) for r in rooms if r["id"] != booking["room"]]
    for room in rooms:
        for lo, hi in week_spans(room["open"]):
            if lo // DAY_MINUTES == start.weekday():
                candidates += [(room, t - offset) for t in range(lo, hi - length + 1, problem.slot)]
    for room, minute in candidates:
        if len(found) >= MAX_ALTERNATIVES:
            break
        slot_start = midnight + timedelta(minutes=minute)
        slot_end = slot_start + timedelta(minutes=length)
        if (room["id"] == booking["room"] and minute == wanted) or \
                not _free(schedule, taken, booking, room, offset + minute, length, slot_start, slot_end):
            continue
        row = {"room": room["id"], "start": slot_start.strftime("%Y-%m-%dT%H:%M"),
               "end": slot_end.strftime("%Y-%m-%dT%H:%M")}
        if row not in found:
            found.append(row)
    return found


def _free(schedule: Schedule, taken: dict[str, list[tuple[datetime, datetime, str]]], booking: dict, room: dict,
          week_start: int, length: int, slot_start: datetime, slot_end: datetime) -> bool:
    """Open, not used by a planned session and not booked or closed on that date."""
    if not any(lo <= week_start and week_start + length <= hi for lo, hi in week_spans(room["open"])):
        return False
    day = week_start // DAY_MINUTES
    if any(overlaps(week_start, week_start + length, lo, hi) for lo, hi, _ in schedule.rooms.get((room["id"], day), ())):
        return False
    return not any(slot_start < hi and lo < slot_end and name != booking["id"]
                   for lo, hi, name in taken.get(room["id"], ()))


def cancelled_occurrences(problem: Problem, sessions: list[dict]) -> list[dict]:
    """Each dated occurrence in the period that a closure of its room cancels."""
    closures: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for closure in problem.scenario.get("closures", []):
        closures.setdefault(closure["room"], []).append(
            (parse_local(closure["start"]), parse_local(closure["end"]), closure.get("reason", "closed")))
    rows = []
    if not closures:
        return rows
    dates = dates_in(*problem.period)
    for row in sessions:
        day = DAYS.index(row["day"])
        for date in dates:
            if date.weekday() != day:
                continue
            midnight = datetime.combine(date, datetime.min.time())
            start = midnight + timedelta(minutes=parse_hhmm(row["start"]))
            end = midnight + timedelta(minutes=parse_hhmm(row["end"]))
            for lo, hi, reason in closures.get(row["room"], ()):
                if start < hi and lo < end:
                    rows.append({"offer": row["offer"], "session": row["session"], "date": date.isoformat(),
                                 "reason": reason})
                    break
    return rows
