"""Weekly opening windows expanded to UTC: local wall-clock times across DST, checked against rrule."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from roombook.booking.recurrence import (
    DAYS,
    parse_hhmm,
    to_utc,
    weekly_local,
    windows_between,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def _by_rrule(windows, tz, start, end):
    """The same expansion the long way: one dateutil rrule per window (how slots are materialised)."""
    first, last = start.astimezone(tz).date() - dt.timedelta(days=1), end.astimezone(tz).date()
    found = []
    for window in windows:
        closes = parse_hhmm(window["to"])
        for local_open in weekly_local(window["day"], parse_hhmm(window["from"]), first, last):
            local_close = (dt.datetime.combine(local_open.date() + dt.timedelta(days=1), dt.time(0))
                           if closes == dt.time.max else dt.datetime.combine(local_open.date(), closes))
            w_start, w_end = to_utc(local_open, tz), to_utc(local_close, tz)
            if w_start < end and start < w_end:
                found.append((max(w_start, start), min(w_end, end)))
    return sorted(found)


def test_weekday_hours_keep_their_wall_clock_time_across_the_spring_change():
    windows = [{"day": "fri", "from": "09:00", "to": "17:00"}, {"day": "mon", "from": "09:00", "to": "17:00"}]
    start = dt.datetime(2027, 3, 26, tzinfo=UTC)  # Friday before the change on Sunday 28 March
    got = windows_between(windows, BERLIN, start, start + dt.timedelta(days=4))
    assert got == [(dt.datetime(2027, 3, 26, 8, tzinfo=UTC), dt.datetime(2027, 3, 26, 16, tzinfo=UTC)),
                   (dt.datetime(2027, 3, 29, 7, tzinfo=UTC), dt.datetime(2027, 3, 29, 15, tzinfo=UTC))]


def test_a_window_to_midnight_ends_at_the_next_day_and_the_range_clips():
    windows = [{"day": "sat", "from": "18:00", "to": "24:00"}]
    start = dt.datetime(2026, 12, 5, 20, tzinfo=UTC)  # Saturday 21:00 in Berlin
    got = windows_between(windows, BERLIN, start, start + dt.timedelta(days=1))
    assert got == [(start, dt.datetime(2026, 12, 5, 23, tzinfo=UTC))]


def test_nothing_opens_on_days_without_a_window():
    windows = [{"day": "sun", "from": "10:00", "to": "12:00"}]
    start = dt.datetime(2026, 11, 30, tzinfo=UTC)  # Monday
    assert windows_between(windows, BERLIN, start, start + dt.timedelta(days=5)) == []


_windows = st.lists(
    st.builds(lambda day, opens, length: {"day": day, "from": f"{opens // 60:02}:{opens % 60:02}",
                                          "to": "24:00" if opens + length >= 1440
                                          else f"{(opens + length) // 60:02}:{(opens + length) % 60:02}"},
              st.sampled_from(DAYS), st.integers(0, 1439), st.integers(1, 1440)),
    max_size=6)


@settings(max_examples=300, deadline=None)
@given(windows=_windows, first=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2029, 12, 31)),
       hours=st.integers(1, 24 * 40), zone=st.sampled_from(["Europe/Berlin", "America/New_York", "UTC"]))
def test_day_by_day_expansion_equals_one_rrule_per_window(windows, first, hours, zone):
    tz = ZoneInfo(zone)
    start = first.replace(tzinfo=UTC)
    end = start + dt.timedelta(hours=hours)
    assert windows_between(windows, tz, start, end) == _by_rrule(windows, tz, start, end)
