"""Dates for tests that book and count in the coming weeks of the demo city (loaded 'today')."""
from __future__ import annotations

import datetime as dt

import holidays


def quiet_monday(today: dt.date, weeks_ahead: int = 1) -> dt.date:
    """The first Monday at least `weeks_ahead` weeks ahead whose week holds no NRW public holiday.

    A holiday closes every room, so a week with one would change what tests expect to book or count.
    """
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks_ahead)
    nrw = holidays.country_holidays("DE", subdiv="NW", years=range(monday.year, monday.year + 2))
    while any(monday + dt.timedelta(days=offset) in nrw for offset in range(7)):
        monday += dt.timedelta(weeks=1)
    return monday
