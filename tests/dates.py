"""Dates for tests that book and count in the coming weeks of the demo city (loaded 'today')."""
from __future__ import annotations

import datetime as dt
import functools

import holidays

from roombook.booking.occurrences import HOLIDAY_SUBDIVISION
from roombook.clock import week_of
from roombook.scenario.demo import maintenance_day


@functools.cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=HOLIDAY_SUBDIVISION, years=range(year, year + 3))


def quiet_monday(today: dt.date, weeks_ahead: int = 1, span: int = 1,
                 days: tuple[int, ...] = tuple(range(7))) -> dt.date:
    """The first Monday at least `weeks_ahead` weeks ahead that begins `span` weeks in a row each holding no NRW
    public holiday on the weekdays `days` (Monday = 0; default: any) and not the demo's maintenance closure.

    A holiday closes every room and the painters close sued-gr for a day: either would change what tests expect
    to book or count. Which weeks those are depends on the day the suite runs, so both are asked, never assumed.
    """
    nrw = _public_holidays(today.year)
    painters = week_of(maintenance_day(today))

    def quiet(monday: dt.date) -> bool:
        return monday != painters and not any(monday + dt.timedelta(days=offset) in nrw for offset in days)

    monday = week_of(today) + dt.timedelta(weeks=weeks_ahead)
    while not all(quiet(monday + dt.timedelta(weeks=week)) for week in range(span)):
        monday += dt.timedelta(weeks=1)
    return monday
