"""A weekly series on the pages: booked up to an end date, one row in "Meine Buchungen" unfolding into every
week with its state, and changed or cancelled for this date, this and following, or the whole series."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.models import Booking, BookingSeries, Room
from tests.conftest import login
from tests.dates import quiet_monday
from tests.web.conftest import next_monday, post

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


def _series(web, session, **fields):
    # five Mondays without a holiday or the painters' week: in spring that can be four months ahead (2028:
    # Easter Monday, 1 May and Whit Monday are Mondays), beyond the 120 days the room takes bookings for
    first = quiet_monday(clock.today(), weeks_ahead=2, span=5, days=(0,))
    session.scalar(sa.select(Room).where(Room.key == "nord-gr")).max_days_ahead = 400
    session.flush()
    data = {"room": "nord-gr", "date": first.isoformat(), "start": "18:00", "end": "19:00",
            "title": "Elterncafé", "weeks": "", "until": (first + dt.timedelta(weeks=4)).isoformat(),
            "book_rest": "y", **fields}
    answer = post(web, "/book", data)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return session.scalars(sa.select(Booking).where(Booking.title == "Elterncafé").order_by(Booking.starts_at)).all()


def test_an_end_date_books_every_week_up_to_it_and_my_bookings_shows_one_series_row(web, session):
    login(web, "volunteer@example.org")
    dates = _series(web, session)
    assert len(dates) == 5 and len({b.series_id for b in dates}) == 1
    page = web.get("/my/bookings").get_data(as_text=True)
    row = re.search(rf'<li id="series-{dates[0].series_id}">(.*?)</details>', page, re.S)
    assert page.count('class="series-list"') == 1 and "Ganze Serie ändern" in page
    assert row is not None and row.group(1).count('class="active') == 5
    kommende = page.split("<h2>Kommende</h2>", 1)[1].split("<h2>", 1)[0]
    assert "Elterncafé" not in kommende, "the series' dates are not loose rows among the one-off bookings"


def test_an_end_date_before_the_first_date_is_an_error_at_the_field(web, session):
    login(web, "volunteer@example.org")
    answer = post(web, "/book", {"room": "nord-gr", "date": next_monday().isoformat(), "start": "18:00",
                                 "end": "19:00", "title": "Elterncafé", "until": "2020-01-01"})
    assert answer.status_code == 422 and 'id="until-error"' in answer.get_data(as_text=True)


def test_changing_from_the_third_week_on_keeps_weeks_one_and_two(web, session):
    login(web, "volunteer@example.org")
    dates = _series(web, session)
    third = dates[2]
    form = web.get(f"/bookings/{third.id}/change?scope=following").get_data(as_text=True)
    assert re.search(r'value="following"[^>]*checked|checked[^>]*value="following"', form)
    answer = post(web, f"/bookings/{third.id}/change", {"scope": "following", "start_time": "17:00",
                                                       "minutes": "60", "room": "nord-gr", "title": "Elterncafé"})
    assert answer.status_code == 302
    session.expire_all()
    assert [b.starts_at.astimezone(b.room.tz).strftime("%H:%M") for b in dates] == ["18:00"] * 2 + ["17:00"] * 3


def test_a_refused_change_lists_the_dates_and_changes_nothing(web, session):
    login(web, "volunteer@example.org")
    dates = _series(web, session)
    answer = post(web, f"/bookings/{dates[0].id}/change", {"scope": "series", "start_time": "23:00",
                                                          "minutes": "60", "room": "nord-gr", "title": "Elterncafé"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "Es wurde nichts geändert" in page
    assert page.count("<li><strong>") == 5
    session.expire_all()
    assert {b.starts_at.astimezone(b.room.tz).strftime("%H:%M") for b in dates} == {"18:00"}


def test_cancelling_the_whole_series_takes_one_reason_and_keeps_its_weeks_visible(web, session):
    login(web, "volunteer@example.org")
    dates = _series(web, session)
    answer = post(web, f"/bookings/{dates[1].id}/cancel", {"scope": "series", "reason": "Kurs endet"})
    assert answer.status_code == 302
    session.expire_all()
    assert {(b.status, b.status_reason) for b in dates} == {("cancelled", "Kurs endet")}
    assert session.get(BookingSeries, dates[0].series_id) is not None
