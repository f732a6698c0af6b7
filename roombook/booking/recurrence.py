"""Weekly wall-clock times in a local zone, expanded to UTC instants with dateutil's rrule.

A slot at 10:00 stays at 10:00 local time across DST: the rule runs on naive local times and
each result is then placed in the zone, so the UTC offset follows the date.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, WEEKLY, rrule

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = {"mon": MO, "tue": TU, "wed": WE, "thu": TH, "fri": FR, "sat": SA, "sun": SU}
UTC = dt.timezone.utc


def parse_hhmm(value: str) -> dt.time:
    """'08:30' → time(8, 30); '24:00' is the end of the day and maps to time.max."""
    if value == "24:00":
        return dt.time.max
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def format_hhmm(value: dt.time) -> str:
    return "24:00" if value == dt.time.max else value.strftime("%H:%M")


def to_utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A naive local wall-clock time as a UTC instant (the earlier one when the clock repeats)."""
    return local.replace(tzinfo=tz).astimezone(UTC)


def weekly_local(day: str, at: dt.time, first: dt.date, last: dt.date) -> Iterator[dt.datetime]:
    """Naive local datetimes of weekday `day` at `at`, for every week from `first` to `last` inclusive."""
    if last < first:
        return iter(())
    start = dt.datetime.combine(first, at if at != dt.time.max else dt.time(0))
    until = dt.datetime.combine(last, dt.time.max)
    times = rrule(WEEKLY, byweekday=_WEEKDAY[day], dtstart=start, until=until)
    if at == dt.time.max:
        return (t + dt.timedelta(days=1) for t in times)
    return iter(times)


def _wall_clock(day: dt.date, at: dt.time) -> dt.datetime:
    """`at` on `day` as a naive local datetime; time.max ('24:00') is the next midnight."""
    if at == dt.time.max:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0))
    return dt.datetime.combine(day, at)


def windows_between(windows: Iterable[dict], tz: ZoneInfo, start: dt.datetime,
                    end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Weekly windows ({day, from, to} in local time) as UTC intervals overlapping [start, end).

    Day by day rather than one rrule per window: a request asks about a few days, and building the
    rules cost more than the rest of answering it.
    """
    on_weekday: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for window in windows:
        on_weekday.setdefault(DAYS.index(window["day"]), []).append(
            (parse_hhmm(window["from"]), parse_hhmm(window["to"])))
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date()
    result = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        for opens, closes in on_weekday.get(day.weekday(), ()):
            w_start, w_end = to_utc(_wall_clock(day, opens), tz), to_utc(_wall_clock(day, closes), tz)
            if w_start < end and start < w_end:
                result.append((max(w_start, start), min(w_end, end)))
    return sorted(result)
