"""Dates that depend on the day the suite runs: the demo city's and the test worlds' are placed so that nothing
collides on any day. scripts/faketime-suite.sh runs the tests marked `dates` with the system clock at chosen
instants; the first test here proves the clock really is there."""
from __future__ import annotations

import datetime as dt
import os

import holidays
import pytest

from roombook import clock
from roombook.booking.occurrences import HOLIDAY_SUBDIVISION
from roombook.clock import week_of
from roombook.scenario.demo import maintenance_day, workshop_fridays
from tests.dates import quiet_monday
from tests.manage.conftest import TERM_WEEKS


@pytest.mark.dates
def test_the_clock_is_at_the_instant_the_faketime_suite_set():
    instant = os.environ.get("ROOMBOOK_FAKETIME_INSTANT")
    if not instant:
        pytest.skip("runs under scripts/faketime-suite.sh, which names the instant")
    expected = dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))
    # the clock runs on from the instant: pytest has started and collected by now, but no hour has passed
    assert dt.timedelta(0) <= clock.now() - expected < dt.timedelta(hours=1), (clock.now(), expected)


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def test_on_every_day_the_demo_and_the_test_worlds_book_around_holidays_and_the_painters():
    """What the fixtures book (tests/web/conftest.py, tests/manage/conftest.py) never meets what closes a room
    in the demo, for every day of six years; the quiet weeks the management tests count lie in their term."""
    closed = holidays.country_holidays("DE", subdiv=HOLIDAY_SUBDIVISION, years=range(2026, 2033))
    for today in _days(dt.date(2026, 1, 1), dt.date(2031, 12, 31)):
        painters = maintenance_day(today)
        assert painters.weekday() == 2 and painters not in closed, today
        assert dt.timedelta(weeks=3) <= week_of(painters) - week_of(today) < dt.timedelta(weeks=26), today
        fridays = workshop_fridays(today)
        assert not closed.keys() & set(fridays), today
        other_volunteers_wednesday = quiet_monday(today) + dt.timedelta(days=2)
        assert other_volunteers_wednesday not in closed and other_volunteers_wednesday != painters, today
        counted = quiet_monday(today, span=2)
        weeks = {counted + dt.timedelta(days=day) for day in range(14)}
        assert not weeks & (closed.keys() | {painters}), today
        assert counted + dt.timedelta(weeks=2) <= week_of(today) + dt.timedelta(weeks=TERM_WEEKS), today
