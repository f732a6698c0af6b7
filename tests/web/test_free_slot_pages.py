"""The free-slot search page on the demo city: filters, results that book in one click, refusals at the field;
and a free gap's booking link that fills in the gap's real bounds."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from roombook.models import Booking, User
from tests.conftest import login
from tests.web.conftest import next_monday

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


def _search(client, **params):
    query = {"start": next_monday().isoformat(), "days": "7", "weekdays": "tue", "after": "18:00",
             "duration": "60", "min_capacity": "10", "submit": "Suchen", **params}
    return client.get("/free-slots", query_string=query)


def test_tuesday_after_six_with_ten_seats_lists_rooms_across_the_city(web):
    login(web, "volunteer@example.org")
    response = _search(web)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    results = re.findall(r'<li class="card slot">(.*?)</li>', page, re.S)
    assert results, page
    places = {re.search(r"</strong>, ([^<]+)</p>", r).group(1) for r in results}
    assert len(places) >= 2  # across the city, not one accommodation
    assert all("18:00–19:00" in r for r in results)
    assert "Beratungsraum" not in page  # four seats are too few
    links = [html.unescape(h) for h in re.findall(r'href="(/book\?[^"]+)"', page)]
    form = web.get(links[0]).get_data(as_text=True)
    assert 'value="18:00"' in form and 'value="19:00"' in form


def test_with_a_title_one_click_books_the_weekly_slot(web, session):
    login(web, "volunteer@example.org")
    page = _search(web, weeks="3", title="Chorprobe").get_data(as_text=True)
    first = re.search(r'<form method="post" action="/book" class="inline">(.*?)</form>', page, re.S).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', first))
    assert fields["title"] == "Chorprobe" and fields["weeks"] == "3"
    response = web.post("/book", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    volunteer = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    booked = session.scalars(sa.select(Booking).where(Booking.user_id == volunteer.id,
                                                      Booking.title == "Chorprobe")).all()
    assert len(booked) == 3 and len({b.room_id for b in booked}) == 1


@pytest.mark.parametrize(("params", "field"), [
    ({"min_capacity": "0"}, "min_capacity"), ({"weeks": "99"}, "weeks"), ({"days": "40"}, "days"),
    ({"after": "25:00"}, "after"), ({"after": "18:00", "before": "18:30"}, "before"),
    ({"weekdays": "funday"}, "weekdays"), ({"near": "atlantis"}, "near"), ({"duration": "7"}, "duration"),
])
def test_a_bad_filter_is_refused_at_its_field(web, params, field):
    login(web, "volunteer@example.org")
    response = _search(web, **params)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page or (field == "weekdays" and 'class="error"' in page), page


def test_the_search_needs_a_login(web):
    response = web.get("/free-slots")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_free_gaps_link_fills_in_the_gap_itself(web):
    """Nord's Gemeinschaftsraum on a quiet Monday: the gap from 10:30 (after Deutschkurs A1) to the next entry."""
    login(web, "volunteer@example.org")
    week = web.get(f"/accommodations/nord?week={next_monday().isoformat()}").get_data(as_text=True)
    entries = re.findall(r'<li class="entry free">\s*<span class="time">([^<]+)</span>.*?href="([^"]+)"', week, re.S)
    assert entries
    for hours, link in entries:
        start, end = hours.split("–")
        query = html.unescape(link)
        assert f"start={start}" in query
        # the gap's end, unless the room's longest booking (240 minutes in the demo) ends it earlier
        proposed_end = re.search(r"end=(\d\d:\d\d)", query).group(1)
        gap = _minutes(end if end != "24:00" else "23:45") - _minutes(start)
        assert _minutes(proposed_end) - _minutes(start) == min(gap, 240), (hours, query)


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])
