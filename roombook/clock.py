"""The city's clock: the one place that answers "now", "today" and "which week to show".

Instants are UTC; dates and weeks are the city's (an accommodation's time zone, Europe/Berlin by default),
so every page, job and rule agrees on the date around local midnight. Tests set the clock with `frozen`
instead of patching the system: a suite that asks this module passes on any day of the year.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

CITY_TIMEZONE = "Europe/Berlin"
# The dates anyone may ask about (a week to show, an API range): wide enough for any plan and its
# history, and far enough from year 1 and 9999 that a week's arithmetic and any zone's offset stay
# inside what `datetime` holds.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current instant, timezone-aware in UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.timezone.utc)


def _zone(timezone: str | dt.tzinfo | None) -> dt.tzinfo:
    if timezone is None:
        return ZoneInfo(CITY_TIMEZONE)
    return ZoneInfo(timezone) if isinstance(timezone, str) else timezone


def today(timezone: str | dt.tzinfo | None = None) -> dt.date:
    """Today's date in the city (or in `timezone`), not the server's."""
    return now().astimezone(_zone(timezone)).date()


def in_calendar(day: dt.date) -> bool:
    """Whether `day` lies between FIRST_DAY and LAST_DAY, the dates pages and the API answer about."""
    return FIRST_DAY <= day <= LAST_DAY


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week that contains `day`."""
    return day - dt.timedelta(days=day.weekday())


# From Saturday at this local hour on, a week view opens on the coming week: the week that is ending has
# little left to book or read, and a poster hung up at the weekend is for the week ahead.
NEXT_WEEK_FROM = (5, dt.time(18, 0))  # Saturday, 18:00


def week_to_show(timezone: str | dt.tzinfo | None = None) -> dt.date:
    """The Monday of the week a week view or poster opens on when none is asked for: this week, and from
    Saturday evening on the coming one."""
    local = now().astimezone(_zone(timezone))
    monday = week_of(local.date())
    weekday, evening = NEXT_WEEK_FROM
    if (local.weekday(), local.time()) >= (weekday, evening):
        monday += dt.timedelta(days=7)
    return monday


@contextmanager
def frozen(instant: dt.datetime) -> Iterator[dt.datetime]:
    """Stop the clock at `instant` (aware) for the block: tests and the demo at a chosen date."""
    global _frozen
    if instant.tzinfo is None:
        raise ValueError("the clock takes an aware instant")
    before, _frozen = _frozen, instant.astimezone(dt.timezone.utc)
    try:
        yield _frozen
    finally:
        _frozen = before
