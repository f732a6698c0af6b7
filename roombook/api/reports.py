"""The council's report as JSON: room utilisation and coverage over a period, the same figures as the page
(roombook.reports). Facility managers get their accommodations, coordinators and admins the city; other
roles are refused. `to` is exclusive, as elsewhere in the API; a period is at most 366 days. Hours are
numbers (`unit: "hours"`), to the hundredth."""
from __future__ import annotations

import datetime as dt
import re

from flask import request

from roombook import clock
from roombook.access import permissions
from roombook.api.access import current_user, require
from roombook.api.blueprint import bp
from roombook.api.openapi import _obj, _op, _query, _ref, register_paths
from roombook.api.problems import invalid
from roombook.db import db
from roombook.reports import periods, shortfalls, utilisation
from roombook.reports.council import hours
from roombook.reports.utilisation import CLOSURE_KINDS, LOST_KINDS

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNIT = "hours"
DEFAULT_DAYS = 92  # a quarter, when only one end is given


def _date(name: str) -> dt.date | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise invalid(name, "a date like 2027-03-31") from None


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise invalid(name, "one of " + ", ".join(allowed))
    return value


def _period() -> tuple[dt.date, dt.date]:
    """[from, to) from the query: the last complete quarter without either, 92 days from the one given."""
    first, end = _date("from"), _date("to")
    if first is None and end is None:
        return periods.last_complete_quarter()
    for name, day in (("from", first), ("to", end)):
        if day is not None and not clock.in_calendar(day):
            raise invalid(name, f"a date between {clock.FIRST_DAY} and {clock.LAST_DAY}")
    first = first or end - dt.timedelta(days=DEFAULT_DAYS)
    end = end or first + dt.timedelta(days=DEFAULT_DAYS)
    try:
        periods.check_period(first, end)
    except periods.PeriodError as exc:
        raise invalid(exc.field, exc.message) from None
    return first, end


def _places():
    user = current_user()
    require(permissions.can_use_manage_pages(user), "Only facility managers, coordinators and admins.")
    return permissions.managed_accommodations(db.session, user)


def _part_json(part: periods.Part) -> dict:
    return {"period": part.key, "from": part.first.isoformat(), "to": part.end.isoformat()}


@bp.get("/reports/utilisation")
def utilisation_report():
    places = _places()
    first, end = _period()
    group = _choice("group", periods.GROUPS, "accommodation")
    period = _choice("period", periods.PERIODS, "total")
    result = utilisation.utilisation(db.session, places, periods.parts(first, end, period), group)
    items = []
    for line in result.lines:
        f = line.figures
        share = f.purpose_share
        items.append({
            "group": line.group, "key": line.key, "name": line.name, **_part_json(line.part),
            "open_hours": hours(f.open), "holiday_hours": hours(f.holiday),
            "closed_hours": {kind: hours(f.closed[kind]) for kind in LOST_KINDS},
            "used_hours": {category: hours(seconds) for category, seconds in f.offers.items()},
            "booking_hours": hours(f.bookings),
            "booking_hours_by_category": None if f.bookings_by_category is None else
            {c: hours(s) for c, s in f.bookings_by_category.items()},
            "purpose_hours": hours(f.purpose),
            "purpose_share": None if share is None else round(share, 4)})
    return {"from": first.isoformat(), "to": end.isoformat(), "unit": UNIT, "group": group, "period": period,
            "booking_categories_available": result.booking_categories_known, "items": items}


@bp.get("/reports/coverage")
def coverage_report():
    places = _places()
    first, end = _period()
    period = _choice("period", periods.PERIODS, "total")
    report = shortfalls.coverage_report(db.session, places, first, end, periods.parts(first, end, period))
    return {
        "from": first.isoformat(), "to": end.isoformat(), "unit": UNIT, "period": period,
        "weeks": [w.isoformat() for w in report.weeks],
        "items": [{"accommodation": t.accommodation.key, "accommodation_name": t.accommodation.name,
                   "category": t.category, **_part_json(t.part), "weeks": t.weeks,
                   "required_hours": hours(60 * t.required), "planned_hours": hours(60 * t.planned),
                   "delivered_hours": hours(60 * t.delivered), "cancelled_hours": hours(60 * t.cancelled),
                   "missing_hours": hours(60 * t.missing)} for t in report.totals],
        "weeks_without_procedural_counselling": [
            {"accommodation": place.key, "weeks": [w.isoformat() for w in weeks]}
            for place, weeks in report.procedural_gaps],
        "shortfalls": [{"accommodation": s.accommodation.key, "category": s.category, "week": s.week.isoformat(),
                        "status": s.status, "planned_hours": hours(60 * s.planned),
                        "required_hours": hours(60 * s.required), "missing_hours": hours(60 * s.missing),
                        "causes": [{"cause": c.code, "hours": None if c.minutes is None else hours(60 * c.minutes),
                                    "detail": c.detail} for c in s.causes]}
                       for s in report.shortfalls],
    }


# --- the document ---------------------------------------------------------------------------------------

HOURS = {"type": "number", "minimum": 0, "description": "hours"}
NULL_HOURS = {"type": ["number", "null"], "minimum": 0}
DATE = {"type": "string", "format": "date"}
PART = {"period": {"type": "string", "description": "`total`, or the week (2027-W03), month (2027-01) or "
                                                    "quarter (2027-Q1)"},
        "from": DATE, "to": {**DATE, "description": "exclusive"}}
DATE_PARAMS = [_query("from", {"type": "string", "format": "date", "maxLength": 10},
                      "first day (local); default the first day of the last complete quarter"),
               _query("to", {"type": "string", "format": "date", "maxLength": 10},
                      "the day after the last (exclusive); at most 366 days after `from`")]
PERIOD_PARAM = _query("period", {"enum": list(periods.PERIODS)}, "the figures per week, month, quarter, or "
                                                                  "for the whole range (default)")
SCHEMAS = {
    "UtilisationReport": _obj({
        "from": DATE, "to": DATE, "unit": {"const": UNIT}, "group": {"enum": list(periods.GROUPS)},
        "period": {"enum": list(periods.PERIODS)},
        "booking_categories_available": {"type": "boolean", "description": "false while bookings carry no kind of "
                                         "offer: `booking_hours_by_category` is then null (not available)"},
        "items": {"type": "array", "items": _obj({
            "group": {"enum": list(periods.GROUPS)}, "key": {"type": "string"}, "name": {"type": "string"}, **PART,
            "open_hours": HOURS, "holiday_hours": HOURS,
            "closed_hours": _obj({kind: HOURS for kind in LOST_KINDS}),
            "used_hours": {"type": "object", "additionalProperties": HOURS, "description": "per kind of offer"},
            "booking_hours": HOURS,
            "booking_hours_by_category": {"type": ["object", "null"], "additionalProperties": HOURS},
            "purpose_hours": HOURS,
            "purpose_share": {"type": ["number", "null"], "minimum": 0,
                              "description": "purpose hours per open hour outside holidays (null: none open)"}})}}),
    "CoverageReport": _obj({
        "from": DATE, "to": DATE, "unit": {"const": UNIT}, "period": {"enum": list(periods.PERIODS)},
        "weeks": {"type": "array", "items": DATE, "description": "the Mondays counted (weeks begun in the range)"},
        "items": {"type": "array", "items": _obj({
            "accommodation": {"type": "string"}, "accommodation_name": {"type": "string"},
            "category": {"type": "string"}, **PART, "weeks": {"type": "integer", "minimum": 0},
            "required_hours": HOURS, "planned_hours": HOURS, "delivered_hours": HOURS, "cancelled_hours": HOURS,
            "missing_hours": HOURS})},
        "weeks_without_procedural_counselling": {"type": "array", "items": _obj({
            "accommodation": {"type": "string"}, "weeks": {"type": "array", "items": DATE}})},
        "shortfalls": {"type": "array", "items": _obj({
            "accommodation": {"type": "string"}, "category": {"type": "string"}, "week": DATE,
            "status": {"enum": ["amber", "red"]}, "planned_hours": HOURS, "required_hours": HOURS,
            "missing_hours": HOURS, "causes": {"type": "array", "items": _obj({
                "cause": {"enum": [shortfalls.NO_OFFER, shortfalls.NO_PROVIDER, shortfalls.CLOSURE,
                                   shortfalls.CANCELLATION, shortfalls.ROOM_TOO_SMALL, shortfalls.TOO_FEW]},
                "hours": NULL_HOURS, "detail": {"type": "string", "description": "a closure's kind "
                                                + "(" + ", ".join(CLOSURE_KINDS) + ") or an offer's title"}})}})}}),
}
register_paths({
    "/api/v1/reports/utilisation": {"get": _op(
        "utilisationReport", "Room utilisation over a period: hours open, used by kind, for the purpose, closed",
        {"200": {"description": "OK", "content": {"application/json": {"schema": _ref("UtilisationReport")}}}},
        (403, 422), parameters=[*DATE_PARAMS, _query("group", {"enum": list(periods.GROUPS)},
                                                     "per room, accommodation (default) or the city"), PERIOD_PARAM],
        tags=("reports",))},
    "/api/v1/reports/coverage": {"get": _op(
        "coverageReport", "Coverage of the mandatory offers over a period, with every shortfall and its causes",
        {"200": {"description": "OK", "content": {"application/json": {"schema": _ref("CoverageReport")}}}},
        (403, 422), parameters=[*DATE_PARAMS, PERIOD_PARAM], tags=("reports",))},
}, SCHEMAS)
