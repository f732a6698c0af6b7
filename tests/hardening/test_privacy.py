"""Data protection: export and delete one's own data; a deleted volunteer's room history stays
without the name; audit events never hold passwords or tokens."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from roombook.booking import book_room
from roombook.models import ApiToken, AuditEvent, Booking, OutboxMessage, User
from tests.conftest import csrf_token, login
from tests.hardening.conftest import PASSWORD, slot


def test_export_through_the_api_lists_everything_about_me(client, session, world):
    session.add(OutboxMessage(recipient=world.users["volunteer"].email, subject="Buchung", body="Ihre Buchung"))
    export = client.get("/api/v1/me/export", headers=world.headers["volunteer"]).json
    assert export["user"]["email"] == world.users["volunteer"].email
    assert [b["title"] for b in export["bookings"]] == ["Hausaufgabenhilfe"]
    assert export["api_tokens"][0]["prefix"] and "token_hash" not in json.dumps(export)
    assert export["mail"][0]["subject"] == "Buchung"


def test_privacy_page_exports_and_deletes_with_the_password(client, session, world):
    volunteer = world.users["volunteer"]
    login(client, volunteer.email, PASSWORD)
    page = client.get("/privacy/")
    assert page.status_code == 200
    download = client.get("/privacy/export.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(download.get_data(as_text=True))["user"]["email"] == volunteer.email
    token = csrf_token(page.get_data(as_text=True))
    assert client.post("/privacy/delete", data={"password": "wrong", "csrf_token": token}).status_code == 403
    assert client.post("/privacy/delete", data={"password": PASSWORD, "csrf_token": token}).status_code == 302
    assert session.scalar(sa.select(User).where(User.email == volunteer.email)) is None
    assert client.get("/privacy/").status_code in (302, 401)


def test_deleting_a_volunteer_keeps_room_history_without_the_name(client, session, world):
    volunteer = world.users["volunteer"]
    email, user_id = volunteer.email, volunteer.id
    future = book_room(session, volunteer, world.room_a, *slot(2), "Lesekreis")
    past = Booking(room=world.room_a, user=volunteer, title="Lesekreis (damals)",
                   starts_at=dt.datetime(2020, 1, 6, 9, tzinfo=dt.timezone.utc),
                   ends_at=dt.datetime(2020, 1, 6, 10, tzinfo=dt.timezone.utc))
    session.add(past)
    session.add(OutboxMessage(recipient=email, subject="Hallo", body="…"))
    session.flush()
    future_id, past_id = future.id, past.id
    answer = client.delete(f"/api/v1/users/{user_id}", headers=world.headers["admin"])
    assert answer.status_code == 204
    session.expire_all()
    assert session.get(User, user_id) is None
    kept = session.get(Booking, past_id)
    assert kept is not None and kept.user_id is None and kept.status == "active"
    assert session.get(Booking, future_id).status == "cancelled"
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.recipient == email)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id)) == 0
    everything = json.dumps([e.details for e in session.scalars(sa.select(AuditEvent))])
    assert email not in everything


def test_audit_events_never_hold_passwords_or_tokens(app, client, session, world, make_user):
    secrets = [PASSWORD]
    answer = client.post("/api/v1/tokens", json={"email": world.users["volunteer"].email, "password": PASSWORD})
    secrets.append(answer.json["token"])
    secrets.append(app.test_cli_runner().invoke(args=["tokens", "create", "--email",
                                                      world.users["admin"].email]).output.strip())
    secrets += [h["Authorization"].split()[1] for h in world.headers.values()]
    client.post("/api/v1/bookings", headers=world.headers["volunteer"], json={
        "room": world.room_a.id, "start": slot(3)[0].isoformat(), "end": slot(3)[1].isoformat(), "title": "x"})
    client.delete("/api/v1/me", headers=world.headers["department"], json={"password": PASSWORD})
    events = session.scalars(sa.select(AuditEvent)).all()
    assert {"api_token.created", "booking.created", "user.deleted"} <= {e.action for e in events}
    stored = json.dumps([[e.action, e.object_id, e.details] for e in events])
    for secret in secrets:
        assert secret not in stored
    hashes = [t.token_hash for t in session.scalars(sa.select(ApiToken))]
    assert all(h not in stored for h in hashes)
