"""A volunteer's weekly booking series in the feeds: one VEVENT with a weekly RRULE under the series' UID, an
EXDATE for a cancelled week and for a week in another room (which is an event of its own), RECURRENCE-ID
overrides for the weeks changed on their own, across the DST change; the UID stays through later changes.
Both parsers reading it in every feed: tests/feeds/test_proof.py (the demo city there holds this series)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook.booking.series import change_dates
from roombook.feeds.catalogue import private_feed, room_feed
from roombook.feeds.tokens import create_feed_token
from roombook.models import Booking, BookingSeries, Room, User
from tests.factories import local
from tests.feeds.conftest import by_key, expand_python
from tests.feeds.test_content import events, feed, value

SPAN = (local(2027, 2, 1), local(2027, 6, 1))


def _series(session):
    series = session.scalar(sa.select(BookingSeries).where(BookingSeries.title == "Elterncafé"))
    dates = session.scalars(sa.select(Booking).where(Booking.series_id == series.id)
                            .order_by(Booking.starts_at)).all()
    return series, dates


def test_a_booking_series_is_one_event_with_exdates_and_overrides(demo_city):
    series, dates = _series(demo_city)
    volunteer = demo_city.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    token, _secret = create_feed_token(demo_city, volunteer, "volunteer")
    body = feed(demo_city, private_feed(demo_city, token))  # titles shown: the owner's own feed
    mine = [e for e in events(body) if value(e, "UID") == f"series-{series.uid}@roombook"]
    masters = [e for e in mine if "RRULE" in e]
    overrides = [e for e in mine if "RECURRENCE-ID" in e]
    assert len(masters) == 1 and value(masters[0], "RRULE").startswith("FREQ=WEEKLY;UNTIL=")
    # the rule has the time most dates have (18:00 from the fifth week on): the weeks before are overrides
    assert value(masters[0], "DTSTART").endswith("T180000")
    exdates = sorted(value({"EXDATE": [line]}, "EXDATE") for line in masters[0]["EXDATE"])
    assert exdates == ["20270317T180000", "20270324T180000"]  # cancelled; moved to another room
    assert sorted(value(e, "RECURRENCE-ID") for e in overrides) == [
        "20270303T180000", "20270310T180000", "20270407T180000"]  # 17:00 twice; a title of its own
    starts = [s for uid, s, *_ in expand_python(body, *SPAN) if uid == f"series-{series.uid}@roombook"]
    assert starts == sorted(d.starts_at for d in dates if d.status == "active" and d.room_id == series.room_id)
    assert [(s.astimezone(dates[0].room.tz).hour) for s in starts] == [17, 17, 18, 18, 18, 18]
    moved = [e for e in events(body) if value(e, "UID") == f"booking-{dates[3].id}@roombook"]
    assert len(moved) == 1 and "Mehrzweckraum" in value(moved[0], "LOCATION")
    public = feed(demo_city, room_feed(by_key(demo_city, Room, "nord-gr"))).decode()
    assert "Elterncaf" not in public and public.count(f"UID:series-{series.uid}@roombook") == 3, \
        "the public feed shows the series as 'belegt': only the weeks at another time override"
    # (tests/feeds/test_proof.py expands this series in every feed with both parsers, against the database)

    # the UID stays when the whole series changes; the week with a title of its own takes the new one too
    change_dates(demo_city, volunteer, dates[0], "series", {"title": "Elterncafé neu"},
                 now=dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc))
    after = feed(demo_city, private_feed(demo_city, token))
    text = after.decode()
    assert text.count(f"UID:series-{series.uid}@roombook") == 3 and "SUMMARY:Elterncafé neu" in text
    assert "Sondertermin" not in text, "the whole-series title overwrites the single date's own title"
