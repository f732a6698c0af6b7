"""VTIMEZONE components with RRULE-based daylight-saving rules, derived from the system's tz database.

Some generators describe a zone by listing every transition as RDATE values; ical.js (Thunderbird)
misreads such lists. A STANDARD and a DAYLIGHT sub-component each with a yearly RRULE (as tzurl.org
and the big calendar services publish them) is read correctly by every client we know of. We derive
the rule from zoneinfo for a span of future years instead of hard-coding it, so a tzdata update
(say, the EU dropping DST) changes the feed with it. The output does not depend on today's date.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from roombook.feeds.ical import prop

UTC = dt.timezone.utc
# The years whose transitions must all follow one yearly rule. Fixed, so the output is stable.
RULE_YEARS = range(2025, 2041)
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class IrregularZone(ValueError):
    """The zone's transitions follow no single yearly rule in RULE_YEARS."""


@dataclass(frozen=True)
class Transition:
    """One yearly change of a zone's offset, described as a rule (month, weekday, which week, wall time)."""

    month: int
    weekday: int
    week: int  # 1..4, or -1 for the last such weekday of the month
    wall: dt.time  # local time of the change, on the clock before it
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    daylight: bool


def _transitions_in(tz: ZoneInfo, year: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """(instant before, instant after) pairs, one minute apart, around every offset change in a year."""
    found = []
    day = dt.datetime(year, 1, 1, tzinfo=UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        nxt = day + dt.timedelta(days=1)
        if day.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo, hi = day, nxt
            while hi - lo > dt.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    mid = lo + dt.timedelta(minutes=1)
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append((lo, hi))
        day = nxt
    return found


def _describe(tz: ZoneInfo, before: dt.datetime, after: dt.datetime) -> Transition:
    offset_from, offset_to = before.astimezone(tz).utcoffset(), after.astimezone(tz).utcoffset()
    wall = (after.replace(tzinfo=None) + offset_from)
    last_day = calendar.monthrange(wall.year, wall.month)[1]
    week = -1 if wall.day + 7 > last_day else (wall.day - 1) // 7 + 1
    local_after = after.astimezone(tz)
    return Transition(wall.month, wall.weekday(), week, wall.time(), offset_from, offset_to,
                      local_after.tzname() or "", bool(local_after.dst()))


def _first_in_1970(t: Transition) -> dt.datetime:
    """The transition's local wall time in 1970: a fixed, early DTSTART as the big services use."""
    days = [d for d in calendar.Calendar().itermonthdates(1970, t.month) if d.month == t.month and
            d.weekday() == t.weekday]
    day = days[-1] if t.week == -1 else days[t.week - 1]
    return dt.datetime.combine(day, t.wall)


def _offset(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


@lru_cache(maxsize=16)
def vtimezone(name: str) -> tuple[str, ...]:
    """The VTIMEZONE content lines for a zone (cached: tzdata does not change while we run)."""
    tz = ZoneInfo(name)
    per_year = [[_describe(tz, b, a) for b, a in _transitions_in(tz, year)] for year in RULE_YEARS]
    lines = ["BEGIN:VTIMEZONE", prop("TZID", name), prop("X-LIC-LOCATION", name)]
    if not any(per_year):
        probe = dt.datetime(RULE_YEARS[0], 1, 1, tzinfo=UTC).astimezone(tz)
        offset = _offset(probe.utcoffset())
        return tuple(lines + ["BEGIN:STANDARD", prop("TZOFFSETFROM", offset), prop("TZOFFSETTO", offset),
                              prop("TZNAME", probe.tzname() or name), prop("DTSTART", "19700101T000000"),
                              "END:STANDARD", "END:VTIMEZONE"])
    rules = set(map(tuple, per_year))
    if len(rules) != 1:
        raise IrregularZone(f"{name}: the offset changes follow no single yearly rule")
    for t in sorted(per_year[0], key=lambda t: t.daylight, reverse=True):
        kind = "DAYLIGHT" if t.daylight else "STANDARD"
        byday = ("-1" if t.week == -1 else str(t.week)) + _BYDAY[t.weekday]
        lines += [f"BEGIN:{kind}", prop("TZOFFSETFROM", _offset(t.offset_from)),
                  prop("TZOFFSETTO", _offset(t.offset_to)), prop("TZNAME", t.name),
                  prop("DTSTART", _first_in_1970(t).strftime("%Y%m%dT%H%M%S")),
                  prop("RRULE", f"FREQ=YEARLY;BYMONTH={t.month};BYDAY={byday}"), f"END:{kind}"]
    return tuple(lines + ["END:VTIMEZONE"])
