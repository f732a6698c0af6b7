"""The period a report covers and its parts (weeks, months, quarters), as local dates.

A period is [first, end) of dates, `end` exclusive as everywhere in the API; a part is the same, clipped to
the period. Instants come from local midnights of the accommodation's zone, so a part is right across DST.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from roombook import clock

MAX_DAYS = 366
PERIODS = ("week", "month", "quarter", "total")
GROUPS = ("room", "accommodation", "city")


class PeriodError(ValueError):
    """A period that cannot be reported on; `field` names the input at fault."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Part:
    """One column of a report: a week, month or quarter (or the whole period), clipped to the period."""

    key: str  # "2027-W12", "2027-03", "2027-Q1", or "total"
    first: dt.date
    end: dt.date  # exclusive

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def last_complete_quarter(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The quarter before the one of `today` (the city's today by default): the report's default period."""
    end = quarter_start(today or clock.today())
    return quarter_start(end - dt.timedelta(days=1)), end


def check_period(first: dt.date, end: dt.date) -> None:
    """Raise PeriodError unless [first, end) is a non-empty period of at most MAX_DAYS days."""
    if not (clock.in_calendar(first) and clock.in_calendar(end)):
        raise PeriodError("outside the calendar", "from" if not clock.in_calendar(first) else "to")
    if end <= first:
        raise PeriodError("`to` must lie after `from` (it is exclusive)", "to")
    if (end - first).days > MAX_DAYS:
        raise PeriodError(f"at most {MAX_DAYS} days", "to")


def _next(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return clock.week_of(day) + dt.timedelta(days=7)
    if period == "month":
        return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    start = quarter_start(day)
    return dt.date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)


def _key(day: dt.date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day:%Y-%m}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def parts(first: dt.date, end: dt.date, period: str) -> list[Part]:
    """The period cut into weeks (Monday to Sunday), months or quarters, or left whole ("total")."""
    if period == "total":
        return [Part("total", first, end)]
    result, day = [], first
    while day < end:
        following = min(_next(day, period), end)
        result.append(Part(_key(day, period), day, following))
        day = following
    return result


def weeks_in(first: dt.date, end: dt.date) -> list[dt.date]:
    """The Mondays within [first, end): the weeks a coverage report counts (a week belongs to where it starts)."""
    monday = clock.week_of(first)
    if monday < first:
        monday += dt.timedelta(days=7)
    result = []
    while monday < end:
        result.append(monday)
        monday += dt.timedelta(days=7)
    return result
