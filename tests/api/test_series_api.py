"""The API of a weekly booking series: one object with every week and its state, and PATCH / DELETE of this
date, this and following, or the whole series."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.models import Booking, OutboxMessage
from tests.factories import local

FUTURE = clock.today().year + 1
pytestmark = pytest.mark.dates  # a March of next year, from the clock


def _series(client, headers, room, *, weeks=5, hour=18, **extra):
    start = local(FUTURE, 3, 1, hour)  # a day in March of next year; its weekday does not matter
    body = {"room": room.id, "start": start.isoformat(), "end": (start + dt.timedelta(minutes=90)).isoformat(),
            "title": "Deutschkurs", **({"weeks": weeks} if "until" not in extra else {}), **extra}
    return client.post("/api/v1/booking-series", headers=headers, json=body)


def test_post_and_get_answer_the_same_series_with_its_dates_and_states(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    made = _series(client, headers, room)
    assert made.status_code == 201, made.json
    got = client.get(made.headers["Location"], headers=headers)
    assert got.status_code == 200 and got.json == made.json
    assert [d["state"] for d in got.json["dates"]] == ["active"] * 5 and got.json["mine"] is True


def test_a_series_by_end_date_and_its_refused_week_kept(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    taken = local(FUTURE, 3, 15, 18)
    other = bearer(make_user())
    assert client.post("/api/v1/bookings", headers=other, json={
        "room": room.id, "start": taken.isoformat(), "end": (taken + dt.timedelta(hours=1)).isoformat(),
        "title": "Andere"}).status_code == 201
    made = _series(client, headers, room, until=local(FUTURE, 3, 29).date().isoformat(), book_rest=True)
    assert made.status_code == 201, made.json
    assert [d["state"] for d in made.json["dates"]] == ["active", "active", "refused", "active", "active"]
    assert made.json["dates"][2]["booking"] is None and made.json["dates"][2]["reason"]


def test_patch_following_from_the_third_week_keeps_weeks_one_and_two(client, session, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    dates = _series(client, headers, room).json["dates"]
    third = dates[2]["booking"]
    answer = client.patch(f"/api/v1/bookings/{third}?scope=following", headers=headers,
                          json={"start_time": "17:00", "title": "Deutsch B1"})
    assert answer.status_code == 200, answer.json
    assert [b["id"] for b in answer.json["changed"]] == [d["booking"] for d in dates[2:]]
    after = answer.json["series"]["dates"]
    assert [d["start"][11:16] for d in after] == ["18:00", "18:00", "17:00", "17:00", "17:00"]
    assert [d["title"] for d in after] == ["Deutschkurs"] * 2 + ["Deutsch B1"] * 3


def test_a_series_becomes_a_public_offer_from_its_third_week_and_bad_details_are_refused_at_their_field(
        client, session, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800, capacity=12)
    headers = bearer(make_user())
    dates = _series(client, headers, room).json["dates"]
    third = dates[2]["booking"]
    for body, field in (({"participants": 13}, "participants"), ({"category": "zauberei"}, "category"),
                        ({"public": True}, "category")):  # more than the seats; no such kind; public needs a kind
        refused = client.patch(f"/api/v1/bookings/{third}?scope=following", headers=headers, json=body)
        assert refused.status_code == 422 and refused.json["field"] == field, (body, refused.json)
    answer = client.patch(f"/api/v1/bookings/{third}?scope=following", headers=headers,
                          json={"category": "language_course", "public": True, "participants": 12,
                                "languages": ["de", "ar"]})
    assert answer.status_code == 200, answer.json
    session.expire_all()
    rows = [session.get(Booking, d["booking"]) for d in dates]
    assert [(b.category, b.public, b.participants) for b in rows] == \
        [(None, False, None)] * 2 + [("language_course", True, 12)] * 3
    assert rows[4].languages == ["de", "ar"]


def test_a_refused_scope_change_is_a_409_with_each_date_and_changes_nothing(
        client, session, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    dates = _series(client, headers, room).json["dates"]
    blocker = local(FUTURE, 3, 22, 16)
    client.post("/api/v1/bookings", headers=bearer(make_user()), json={
        "room": room.id, "start": blocker.isoformat(), "end": (blocker + dt.timedelta(hours=1)).isoformat(),
        "title": "Andere"})
    before = client.get(f"/api/v1/booking-series/{_series_id(session, dates)}", headers=headers).json
    answer = client.patch(f"/api/v1/bookings/{dates[0]['booking']}?scope=series", headers=headers,
                          json={"start_time": "16:30"})
    assert answer.status_code == 409 and answer.json["type"].endswith("change-refused"), answer.json
    [refused] = answer.json["refused"]
    assert refused["booking"] == dates[3]["booking"] and refused["alternatives"]
    assert client.get(f"/api/v1/booking-series/{before['id']}", headers=headers).json == before


def _series_id(session, dates) -> int:
    return session.get(Booking, dates[0]["booking"]).series_id


def test_bad_change_input_is_a_422_naming_the_field(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    booking = _series(client, headers, room).json["dates"][0]["booking"]
    for body, query, field in [({"start_time": "7 Uhr"}, "", "start_time"), ({"minutes": -5}, "", "minutes"),
                               ({"colour": "rot"}, "", "colour"), ({}, "", "body"),
                               ({"title": "x"}, "?scope=all", "scope"), ({"room": 2147483647}, "", "room")]:
        answer = client.patch(f"/api/v1/bookings/{booking}{query}", headers=headers, json=body)
        assert answer.status_code == 422 and answer.json["field"] == field, (body, answer.json)


def test_delete_the_whole_series_with_one_reason_and_the_owner_is_told_by_staff(
        client, session, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    volunteer = make_user()
    manager = make_user("facility_manager", accommodations=[room.accommodation])
    dates = _series(client, bearer(volunteer), room).json["dates"]
    answer = client.delete(f"/api/v1/bookings/{dates[1]['booking']}?scope=series&reason=Umbau",
                           headers=bearer(manager))
    assert answer.status_code == 200 and answer.json["status"] == "cancelled", answer.json
    rows = session.scalars(sa.select(Booking).where(Booking.id.in_([d["booking"] for d in dates]))).all()
    assert {(b.status, b.status_reason) for b in rows} == {("cancelled", "Umbau")}
    told = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == volunteer.email,
                                                          OutboxMessage.kind != "confirmation")).all()
    assert len(told) == 1 and "Umbau" in told[0].body  # besides the confirmation of their own booking


def test_someone_elses_series_is_not_found(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    made = _series(client, bearer(make_user()), room).json
    stranger = bearer(make_user())
    assert client.get(f"/api/v1/booking-series/{made['id']}", headers=stranger).status_code == 404
    booking = made["dates"][0]["booking"]
    assert client.patch(f"/api/v1/bookings/{booking}", headers=stranger, json={"title": "Meins"}).status_code == 404
