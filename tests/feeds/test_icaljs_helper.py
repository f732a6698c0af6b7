"""The suite's ical.js reading (icaljs_expand.mjs) relates a moved occurrence (RECURRENCE-ID) only to the series
of its own UID: ical.js on its own relates every override in the calendar to every series, so another series
starting at the same local time would move too."""
from __future__ import annotations

import datetime as dt

from tests.feeds.conftest import expand_icaljs, expand_python

UTC = dt.timezone.utc
# Two weekly series at the same local start, three Mondays in January 2027 (CET, UTC+1); "a"'s second occurrence
# is moved from 10:00 to 14:00. "b" has no exception and keeps all three at 10:00.
FEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//roombook//test//DE
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:series-a@roombook
DTSTAMP:20261201T000000Z
DTSTART;TZID=Europe/Berlin:20270104T100000
DTEND;TZID=Europe/Berlin:20270104T110000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Kurs A
END:VEVENT
BEGIN:VEVENT
UID:series-a@roombook
DTSTAMP:20261201T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20270111T100000
DTSTART;TZID=Europe/Berlin:20270111T140000
DTEND;TZID=Europe/Berlin:20270111T150000
SUMMARY:Kurs A (verlegt)
END:VEVENT
BEGIN:VEVENT
UID:series-b@roombook
DTSTAMP:20261201T000000Z
DTSTART;TZID=Europe/Berlin:20270104T100000
DTEND;TZID=Europe/Berlin:20270104T110000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Kurs B
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


def test_a_moved_occurrence_moves_only_the_series_with_its_uid():
    window = (dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2027, 2, 1, tzinfo=UTC))
    by_icaljs = expand_icaljs({"feed": FEED.encode()}, *window)["feed"]

    starts = {uid: [start for u, start, *_rest in by_icaljs if u == uid] for uid in ("series-a@roombook",
                                                                                      "series-b@roombook")}
    assert starts["series-b@roombook"] == [dt.datetime(2027, 1, day, 9, tzinfo=UTC) for day in (4, 11, 18)]
    assert starts["series-a@roombook"] == [dt.datetime(2027, 1, 4, 9, tzinfo=UTC),
                                           dt.datetime(2027, 1, 11, 13, tzinfo=UTC),
                                           dt.datetime(2027, 1, 18, 9, tzinfo=UTC)]
    assert by_icaljs == expand_python(FEED.encode(), *window)
