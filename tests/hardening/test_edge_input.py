"""Edge input, anonymous or not: dates at the ends of the calendar, digits that are not ASCII, JSON nested
thousands deep, line breaks in `next=`, bodies too large. Each is a clear 4xx naming the field (a problem
document in the API), never a 5xx, and nothing is stored."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook.db import db
from tests.conftest import csrf_token
from tests.hardening.conftest import PASSWORD, slot

FAR_DAYS = ["9999-12-31", "0001-01-01"]
WEEK_PAGES = ["/accommodations/{key}", "/accommodations/{key}/poster", "/accommodations/{key}/offers"]
NOT_ASCII_DIGITS = ["²", "①", "٣", "１"]
API_INTEGERS = [("/api/v1/rooms", "limit"), ("/api/v1/rooms", "offset"), ("/api/v1/rooms", "accommodation"),
                ("/api/v1/offers", "accommodation"), ("/api/v1/occurrences", "room"), ("/api/v1/bookings", "limit"),
                ("/api/v1/conflicts", "offset")]
FAR_INSTANTS = ["0001-01-01", "9999-12-31", "0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00",
                "9999-12-31T23:00", "1899-12-31T23:00Z"]
API_RANGES = ["/api/v1/occurrences", "/api/v1/rooms/{room}/availability", "/api/v1/bookings"]


def _rows() -> int:
    """Every row of every table: what an edge request must leave as it was."""
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(table))
               for table in db.metadata.sorted_tables)


@pytest.fixture
def nothing_stored(world, session):
    before = _rows()
    yield
    session.expire_all()
    assert _rows() == before


def _problem(answer, status: int, field: str) -> None:
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["field"] == field


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize("day", FAR_DAYS)
@pytest.mark.parametrize("page", WEEK_PAGES)
def test_a_week_at_the_end_of_the_calendar_is_a_400_naming_the_week(client, world, page, day):
    answer = client.get(page.format(key=world.room_a.accommodation.key) + f"?week={day}")
    assert answer.status_code == 400
    assert "week: Bitte ein Datum zwischen den Jahren 1900 und 2999 angeben." in answer.get_data(as_text=True)


@pytest.mark.usefixtures("nothing_stored")
def test_the_last_and_first_weeks_of_the_calendar_still_show(client, world):
    for day in ("2999-12-31", "1900-01-01"):
        assert client.get(f"/accommodations/{world.room_a.accommodation.key}?week={day}").status_code == 200
        assert client.get(f"/accommodations/{world.room_a.accommodation.key}/poster?week={day}").status_code == 200


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize("digit", NOT_ASCII_DIGITS)
@pytest.mark.parametrize("path,parameter", API_INTEGERS)
def test_an_integer_parameter_takes_only_ascii_digits(client, world, path, parameter, digit):
    answer = client.get(path, query_string={parameter: digit}, headers=world.headers["admin"])
    _problem(answer, 422, parameter)


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize("value", FAR_INSTANTS)
@pytest.mark.parametrize("path", API_RANGES)
@pytest.mark.parametrize("parameter", ["from", "to"])
def test_api_dates_at_the_ends_of_the_calendar_are_a_422_naming_the_field(client, world, path, parameter, value):
    answer = client.get(path.format(room=world.room_a.id), query_string={parameter: value},
                        headers=world.headers["volunteer"])
    _problem(answer, 422, parameter)


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize("start,end", [("0001-01-01T00:00", "0001-01-01T01:00"),  # before year 1 in UTC
                                       ("9999-12-31T22:00-05:00", "9999-12-31T23:00-05:00")])  # after 9999
@pytest.mark.parametrize("path", ["/api/v1/bookings", "/api/v1/booking-series"])
def test_a_booking_in_year_1_or_9999_is_a_422_naming_its_start(client, world, path, start, end):
    body = {"room": world.room_a.id, "start": start, "end": end, "title": "Treffen",
            **({"weeks": 2} if "series" in path else {})}
    _problem(client.post(path, json=body, headers=world.headers["volunteer"]), 422, "start")


DEEP = {"arrays 2000 deep": "[" * 2000 + "]" * 2000,
        "objects 2000 deep": '{"email":' * 2000 + '"x"' + "}" * 2000,
        "arrays 33 deep inside the object": '{"email": "a@example.org", "password": "x", "label": '
                                            + "[" * 33 + "]" * 33 + "}"}


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP)
def test_json_nested_too_deep_is_a_400_before_anything_reads_it(client, world, body):
    answer = client.post("/api/v1/tokens", data=body, headers={"Content-Type": "application/json"})
    _problem(answer, 400, "body")
    assert answer.get_json()["type"].endswith("#problem-malformed-json")


def test_json_nested_as_deep_as_allowed_is_read(client, world):
    label = "[" * 31 + "]" * 31  # 32 levels with the object around it
    answer = client.post("/api/v1/tokens", headers={"Content-Type": "application/json"},
                         data='{"email": "%s", "password": "%s", "label": %s}'
                              % (world.users["volunteer"].email, PASSWORD, label))
    _problem(answer, 422, "label")  # read, and refused for what it is: not a string


BREAKS = ["/my/bookings\r\nSet-Cookie: x=1", "/my/bookings\nLocation: https://evil.example/", "/\u2028x",
          "/my/bookings\x00"]


@pytest.mark.parametrize("target", BREAKS)
def test_a_line_break_in_next_after_login_is_not_followed(client, world, target):
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    answer = client.post("/login", query_string={"next": target},
                         data={"email": world.users["volunteer"].email, "password": PASSWORD,
                               "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert answer.status_code == 302 and answer.headers["Location"] == "/start"  # the start page, as without next
    assert not any("x=1" in cookie for cookie in answer.headers.getlist("Set-Cookie"))


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize("target", BREAKS)
def test_a_line_break_in_next_of_the_language_switch_is_not_followed(client, world, target):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    answer = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert not any("x=1" in cookie for cookie in answer.headers.getlist("Set-Cookie"))


TOO_LARGE = 1024 * 1024 + 1


@pytest.mark.usefixtures("nothing_stored")
def test_an_api_body_over_a_mebibyte_is_a_413_problem(client, world):
    body = '{"email": "a@example.org", "password": "%s"}' % ("x" * TOO_LARGE)
    answer = client.post("/api/v1/tokens", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    start, end = slot(5)
    answer = client.post("/api/v1/bookings", headers=world.headers["volunteer"],
                         json={"room": world.room_a.id, "start": start.isoformat(), "end": end.isoformat(),
                               "title": "x" * TOO_LARGE})
    assert answer.status_code == 413


@pytest.mark.usefixtures("nothing_stored")
def test_a_form_over_a_mebibyte_is_a_413_page(client, world):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": world.users["volunteer"].email, "password": "x" * TOO_LARGE,
                                         "csrf_token": token})
    assert answer.status_code == 413 and answer.mimetype == "text/html"
