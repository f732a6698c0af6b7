"""The trainings API: create (rooms booked, a clash is 409 naming the room), read, sign up, cancel."""
from __future__ import annotations

import pytest

from tests.api.conftest import bearer  # noqa: F401  (fixture)
from tests.coordination.conftest import new_user


@pytest.fixture
def people(session, shared_hash, bearer, frozen):  # noqa: F811
    coordinator = new_user(session, "coordinator", shared_hash)
    volunteers = [new_user(session, "volunteer", shared_hash) for _ in range(3)]
    return bearer(coordinator), [bearer(v) for v in volunteers]


def _body(room, **changes):
    return {"title": "Erste Hilfe", "description": "Ein Tag", "seats": 1, "deadline": "2027-03-05T18:00",
            "sessions": [{"room": room.id, "start": "2027-03-08T10:00", "end": "2027-03-08T12:00"},
                         {"place": "DRK, Hauptstraße 1", "start": "2027-03-09T10:00", "end": "2027-03-09T12:00"}],
            "qualification": "first_aid", **changes}


def test_the_coordinator_creates_a_training_and_volunteers_sign_up_wait_and_move_up(client, make_room, people):
    coordinator, (first, second, third) = people
    room = make_room(name="Saal Nord")
    created = client.post("/api/v1/trainings", json=_body(room), headers=coordinator)
    assert created.status_code == 201, created.json
    training = created.json
    assert created.headers["Location"].endswith(f"/api/v1/trainings/{training['id']}")
    assert [s["room"] for s in training["sessions"]] == [room.id, None]
    assert training["sessions"][0]["start"] == "2027-03-08T10:00:00+01:00" and training["qualification"] == "first_aid"

    url = f"/api/v1/trainings/{training['id']}/signups"
    seat = client.post(url, headers=first)
    assert (seat.status_code, seat.json["status"], seat.json["position"]) == (201, "confirmed", None)
    wait = client.post(url, headers=second, json={})
    assert (wait.status_code, wait.json["status"], wait.json["position"]) == (201, "waitlisted", 1)
    assert client.post(url, headers=second).status_code == 409

    assert client.get(f"/api/v1/trainings/{training['id']}", headers=second).json["mine"]["position"] == 1
    assert "signups" not in client.get(f"/api/v1/trainings/{training['id']}", headers=second).json
    seen = client.get(f"/api/v1/trainings/{training['id']}", headers=coordinator).json
    assert [(s["status"], s["position"]) for s in seen["signups"]] == [("confirmed", None), ("waitlisted", 1)]

    assert client.delete(f"{url}/{seat.json['id']}", headers=third).status_code == 404  # not theirs
    cancelled = client.delete(f"{url}/{seat.json['id']}", headers=first)
    assert cancelled.status_code == 200 and cancelled.json["moved_up_signup"] == wait.json["id"]
    mine = client.get("/api/v1/trainings", headers=second).json["items"][0]["mine"]
    assert (mine["status"], mine["position"], mine["moved_up"]) == ("confirmed", None, True)


def test_a_session_whose_room_is_taken_is_409_naming_the_room(client, make_room, people):
    coordinator, _ = people
    room = make_room(name="Saal Nord")
    assert client.post("/api/v1/trainings", json=_body(room), headers=coordinator).status_code == 201
    again = client.post("/api/v1/trainings", json=_body(room, title="Noch einmal"), headers=coordinator)
    assert again.status_code == 409 and "Saal Nord" in again.json["detail"]
    assert again.json["field"] == "sessions[0].room"
    assert len(client.get("/api/v1/trainings", headers=coordinator).json["items"]) == 1


def test_after_the_deadline_a_sign_up_is_422(client, make_room, people):
    from roombook import clock
    from tests.factories import local

    coordinator, (volunteer, *_rest) = people
    training = client.post("/api/v1/trainings", json=_body(make_room()), headers=coordinator).json
    with clock.frozen(local(2027, 3, 6, 9)):
        late = client.post(f"/api/v1/trainings/{training['id']}/signups", headers=volunteer)
    assert late.status_code == 422 and late.json["field"] == "deadline"


@pytest.mark.parametrize(("change", "field"), [
    ({"seats": 0}, "seats"), ({"seats": "viele"}, "seats"), ({"title": ""}, "title"),
    ({"deadline": "gestern"}, "deadline"), ({"deadline": "2027-03-09T10:00"}, "deadline"),
    ({"sessions": []}, "sessions"), ({"sessions": [{"start": "2027-03-08T10:00", "end": "2027-03-08T12:00"}]},
                                     "sessions[0].room"),
    ({"sessions": [{"room": 2147483647, "start": "2027-03-08T10:00", "end": "2027-03-08T12:00"}]},
     "sessions[0].room"),
    ({"sessions": [{"place": "DRK", "start": "2027-03-08T12:00", "end": "2027-03-08T10:00"}]}, "sessions[0].end"),
    ({"sessions": ["x"]}, "sessions[0]"), ({"qualification": "zauberei"}, "qualification"),
    ({"qualification": 5}, "qualification"), ({"colour": "rot"}, "colour"),
])
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_kept(client, make_room, people, change, field):
    coordinator, _ = people
    answer = client.post("/api/v1/trainings", json=_body(make_room(), **change), headers=coordinator)
    assert (answer.status_code, answer.json["field"]) == (422, field), answer.json
    assert client.get("/api/v1/trainings", headers=coordinator).json["items"] == []


def test_only_the_coordinator_creates_and_only_volunteers_sign_up(client, make_room, people):
    coordinator, (volunteer, *_rest) = people
    assert client.post("/api/v1/trainings", json=_body(make_room()), headers=volunteer).status_code == 403
    training = client.post("/api/v1/trainings", json=_body(make_room()), headers=coordinator).json
    assert client.post(f"/api/v1/trainings/{training['id']}/signups", headers=coordinator).status_code == 403
    assert client.post(f"/api/v1/trainings/{training['id']}/signups", headers=volunteer,
                       json={"for": 3}).status_code == 422


def test_a_training_for_the_qualified_refuses_the_others(client, session, make_room, people, coordinator):
    from roombook.coordination import qualifications
    from roombook.models import User

    lead, (holder, other, *_rest) = people
    body = _body(make_room(), requires="asylum_law")
    training = client.post("/api/v1/trainings", json=body, headers=lead).json
    assert training["requires"] == "asylum_law"
    me = session.get(User, client.get("/api/v1/me", headers=holder).json["id"])
    qualifications.record_qualification(session, coordinator, me, qualifications.kind_for(session, "asylum_law"),
                                        seen_on=me.created_at.date(), today=me.created_at.date())
    url = f"/api/v1/trainings/{training['id']}/signups"
    assert client.post(url, headers=other).status_code == 403
    assert client.post(url, headers=holder).status_code == 201
    assert client.post("/api/v1/trainings", json={**body, "requires": "zauberei"}, headers=lead).json["field"] \
        == "requires"
