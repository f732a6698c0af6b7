"""Text no database can store (a NUL character, an unpaired surrogate) is refused where it enters, naming
its field, on both databases: PostgreSQL would otherwise fail the request with a 500."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from roombook.models import Booking, VolunteerProfile
from tests.conftest import csrf_token, login
from tests.hardening.conftest import PASSWORD, slot

BAD = {"a NUL character": "Treffen\x00", "an unpaired surrogate": "Treffen \ud800"}


def _bookings(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Booking))


def _raw_json(body: dict) -> str:
    """JSON as a client may send it: json.dumps writes NUL as \\u0000 and a lone surrogate as \\ud800."""
    return json.dumps(body)


@pytest.mark.parametrize("what", BAD)
def test_the_api_refuses_a_title_it_cannot_store(client, world, session, what):
    start, end = slot(3)
    before = _bookings(session)
    answer = client.post("/api/v1/bookings", headers={**world.headers["volunteer"], "Content-Type": "application/json"},
                         data=_raw_json({"room": world.room_a.id, "start": start.isoformat(),
                                         "end": end.isoformat(), "title": BAD[what]}))
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["field"] == "title"
    assert _bookings(session) == before


def test_the_api_refuses_an_email_with_a_nul_when_asked_for_a_token(client, world):
    answer = client.post("/api/v1/tokens", headers={"Content-Type": "application/json"},
                         data=_raw_json({"email": "volunteer\x00@example.org", "password": PASSWORD}))
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "email"


def test_a_nested_field_is_named_with_its_path(client, world):
    answer = client.post("/api/v1/bookings", headers={**world.headers["volunteer"], "Content-Type": "application/json"},
                         data=_raw_json({"room": world.room_a.id, "start": "x", "end": "y", "title": "ok",
                                         "extra": [{"note": "\x00"}]}))
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "extra[0].note"


def _logged_in(client, world, role: str) -> str:
    """Signed in as `role`; the CSRF token their forms carry."""
    login(client, world.users[role].email, PASSWORD)
    return csrf_token(client.get("/").get_data(as_text=True))


def test_the_booking_form_refuses_a_title_it_cannot_store(client, world, session):
    """(A form post cannot carry an unpaired surrogate: its bytes are UTF-8, which has none.)"""
    token = _logged_in(client, world, "volunteer")
    start, end = slot(3)
    before = _bookings(session)
    page = client.post("/book", data={"room": world.room_a.key, "date": start.date().isoformat(),
                                      "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "title": "Treffen\x00",
                                      "weeks": "1", "csrf_token": token})
    assert page.status_code == 422
    assert "Enthält ein Zeichen, das sich nicht speichern lässt" in page.get_data(as_text=True)
    assert _bookings(session) == before


@pytest.mark.parametrize("name,value,field", [("note", "Hallo\x00", "note"),
                                              ("available-mon-to", "12:00\x00", "available"),
                                              ("languages", ["de", "ar\x00"], "languages")])
def test_the_profile_form_refuses_text_it_cannot_store(client, world, session, name, value, field):
    token = _logged_in(client, world, "volunteer")
    form = {"languages": "de", "available-mon-from": "10:00", "available-mon-to": "12:00", "note": "", name: value,
            "csrf_token": token}
    page = client.post("/my/profile", data=form)
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert f'id="{field}-error">Enthält ein Zeichen, das sich nicht speichern lässt' in body
    assert session.get(VolunteerProfile, world.users["volunteer"].id) is None


def test_the_login_form_refuses_an_email_with_a_nul(client, world):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"email": "volunteer\x00@example.org", "password": PASSWORD,
                                       "csrf_token": token})
    assert page.status_code in (200, 422)
    assert "Enthält ein Zeichen, das sich nicht speichern lässt" in page.get_data(as_text=True)


def test_a_cancellation_reason_in_the_query_string_is_checked_too(client, world, session):
    answer = client.delete(f"/api/v1/bookings/{world.booking_a.id}?reason=krank%00",
                           headers=world.headers["volunteer"])
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "reason"
    session.refresh(world.booking_a)
    assert world.booking_a.active


def test_a_key_in_a_url_that_no_row_can_have_names_nothing(app, client, world):
    """Every route with a text part: a NUL there is a 404 (the routing refuses it), never a database error."""
    with_text = [rule for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and rule.arguments and not rule.rule.startswith("/static")
                 and all(type(rule._converters.get(name)).__name__ == "StorableText" for name in rule.arguments)]
    assert len(with_text) >= 8  # the public pages and feeds by key, the managers' pages by key
    for rule in with_text:
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<{name}>", "a%00b")
        assert client.get(url).status_code == 404, url
