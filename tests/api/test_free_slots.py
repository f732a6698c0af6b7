"""GET /api/v1/free-slots: the answer's shape and order, pages, bad parameters (422 naming each), and that
the availability endpoint agrees with every slot it lists."""
from __future__ import annotations

import datetime as dt

import pytest

from roombook import clock
from roombook.booking import book_room
from tests.factories import local

NOW = local(2027, 3, 1, 9)


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def test_tuesday_evening_with_ten_seats_across_the_city(client, make_accommodation, make_room, make_user, bearer):
    here = make_accommodation(latitude=52.02, longitude=8.53)
    small = make_room(here, capacity=6)
    near = make_room(make_accommodation(latitude=52.03, longitude=8.53), capacity=12, features=["step_free"])
    far = make_room(make_accommodation(latitude=52.2, longitude=8.53), capacity=12, features=["step_free"])
    answer = client.get(f"/api/v1/free-slots?from=2027-03-01&to=2027-03-08&weekdays=tue&after=18:00&duration=90"
                        f"&min_capacity=10&features=step_free&near={here.id}", headers=bearer(make_user())).json
    ours = [item for item in answer["items"] if item["room"] in {small.id, near.id, far.id}]
    assert [item["room"] for item in ours] == [near.id, far.id]
    first = ours[0]
    assert (first["start"], first["end"]) == ("2027-03-02T18:00:00+01:00", "2027-03-02T19:30:00+01:00")
    assert first["capacity"] == 12 and first["features"] == ["step_free"] and first["distance_km"] == 1.11
    assert first["dates"] == [{"start": first["start"], "end": first["end"]}]


def test_pages_like_every_other_list(client, make_room, make_user, bearer):
    room = make_room()
    headers = bearer(make_user())
    url = f"/api/v1/free-slots?accommodation={room.accommodation_id}&after=10:00&before=12:00"
    whole = client.get(url, headers=headers).json
    assert whole["total"] == 7 and whole["next"] is None
    page = client.get(url + "&limit=3&offset=3", headers=headers).json
    assert page["items"] == whole["items"][3:6] and page["total"] == 7
    assert "offset=6" in page["next"] and "limit=3" in page["next"]


def test_the_availability_endpoint_agrees_with_every_slot(client, session, make_room, make_user, bearer):
    room = make_room()
    volunteer = make_user()
    book_room(session, volunteer, room, local(2027, 3, 9, 18, 30), local(2027, 3, 9, 19), "Chor")
    headers = bearer(volunteer)
    answer = client.get(f"/api/v1/free-slots?accommodation={room.accommodation_id}&weekdays=tue&after=18:00"
                        "&weeks=2&to=2027-03-15", headers=headers).json
    assert answer["items"]
    for item in answer["items"]:
        for date in item["dates"]:
            free = client.get(f"/api/v1/rooms/{item['room']}/availability",
                              query_string={"from": date["start"], "to": date["end"]}, headers=headers).json
            assert free["free"] == [date]


@pytest.mark.parametrize(("query", "field"), [
    ("from=tomorrow", "from"),
    ("from=2027-03-01&to=2027-04-15", "to"),
    ("to=2027-02-01", "to"),
    ("weekdays=mon,funday", "weekdays"),
    ("after=18", "after"),
    ("after=25:00", "after"),
    ("before=7pm", "before"),
    ("after=18:00&before=18:30", "before"),
    ("duration=0", "duration"),
    ("duration=abc", "duration"),
    ("duration=5000", "duration"),
    ("min_capacity=-1", "min_capacity"),
    ("features=step free", "features"),
    ("accommodation=2147483647", "accommodation"),
    ("accommodation=x", "accommodation"),
    ("near=2147483647", "near"),
    ("weeks=0", "weeks"),
    ("weeks=53", "weeks"),
    ("limit=0", "limit"),
    ("offset=-1", "offset"),
])
def test_a_bad_parameter_is_a_422_naming_it(client, make_user, bearer, query, field):
    response = client.get(f"/api/v1/free-slots?{query}", headers=bearer(make_user()))
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json" and response.json["field"] == field
