"""The pages: the coordinator creates a training, a volunteer signs up and waits, attendance completes it; a
volunteer's qualifications are recorded (never the police certificate without its "clear")."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook.models import Qualification, Training
from tests.conftest import login
from tests.coordination.conftest import new_user
from tests.web.conftest import post


def test_the_coordinator_creates_a_training_volunteers_sign_up_and_attendance_completes_it(
        client, session, shared_hash, make_room, frozen):
    coordinator = new_user(session, "coordinator", shared_hash)
    first, second = (new_user(session, "volunteer", shared_hash) for _ in range(2))
    room = make_room(name="Saal West")
    login(client, coordinator.email, "secret-pw")
    form = {"title": "Grundlagen Asylrecht", "description": "", "seats": "1", "deadline": "2027-03-05T18:00",
            "requires": "", "qualification": "asylum_law", "s1_room": room.key, "s1_start": "2027-03-08T10:00",
            "s1_end": "2027-03-08T12:00", "s2_place": "Rathaus", "s2_start": "2027-03-09T10:00",
            "s2_end": "2027-03-09T12:00"}
    made = post(client, "/manage/trainings/new", form)
    assert made.status_code == 302, made.get_data(as_text=True)
    training = session.scalar(sa.select(Training))
    clash = post(client, "/manage/trainings/new", {**form, "title": "Noch einmal", "s2_place": "", "s2_start": "",
                                                   "s2_end": ""})
    assert clash.status_code == 422 and "Saal West" in clash.get_data(as_text=True)
    bad = post(client, "/manage/trainings/new", {**form, "seats": "0"})
    assert bad.status_code == 422
    client.post("/logout")

    for person, expected in ((first, "Sie sind angemeldet."), (second, "Platz 1 der Warteliste")):
        login(client, person.email, "secret-pw")
        answer = post(client, f"/my/trainings/{training.id}/signup", {}, page="/my/trainings")
        assert answer.status_code == 302
        assert expected in client.get("/my/trainings").get_data(as_text=True)
        assert "Grundlagen Asylrecht" in client.get("/start").get_data(as_text=True)
        client.post("/logout")

    login(client, coordinator.email, "secret-pw")
    page = client.get(f"/manage/trainings/{training.id}").get_data(as_text=True)
    assert "Warteliste" in page and second.display_name in page
    signup = next(s for s in training.signups if s.user_id == first.id)
    for meeting in training.sessions:
        answer = post(client, f"/manage/trainings/{training.id}/sessions/{meeting.id}/attendance",
                      {"present": str(signup.id)}, page=f"/manage/trainings/{training.id}")
        assert answer.status_code == 302
    (held,) = session.scalars(sa.select(Qualification)).all()
    assert (held.user_id, held.kind.code) == (first.id, "asylum_law")
    assert "Grundlagen Asylrecht" in client.get("/manage/volunteers").get_data(as_text=True)


def test_the_coordinator_records_and_deletes_a_qualification(client, session, shared_hash, frozen):
    coordinator = new_user(session, "coordinator", shared_hash)
    person = new_user(session, "volunteer", shared_hash)
    login(client, coordinator.email, "secret-pw")
    url = f"/manage/volunteers/{person.id}/qualifications"
    refused = post(client, url, {"kind": "police_certificate", "seen_on": "2027-02-20", "issued_on": "2027-02-01"})
    assert refused.status_code == 422 and "§72a" in refused.get_data(as_text=True)
    assert post(client, url, {"kind": "police_certificate", "seen_on": "2027-02-20", "issued_on": "2027-02-01",
                              "clear": "y"}).status_code == 302
    held = session.scalar(sa.select(Qualification))
    assert (held.issued_on, held.valid_until) == (dt.date(2027, 2, 1), dt.date(2032, 2, 1))
    assert post(client, f"{url}/{held.id}/delete", {}, page=url).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Qualification)) == 0
    assert client.get("/manage/volunteers/999999/qualifications").status_code == 404
