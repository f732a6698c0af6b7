"""The JSON API: tokens, resources, bookings with 201/409/422, idempotency, problems, pagination."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook import clock
from roombook.db import utcnow
from roombook.models import ApiToken, Booking, IdempotencyKey
from tests.factories import local

FUTURE = clock.today().year + 1


def _slot(day=2, hour=10, length=2):
    start = local(FUTURE, 3, day, hour)
    return start, start + dt.timedelta(hours=length)


def _book(client, headers, room, start, end, title="Sprachcafé", **extra):
    return client.post("/api/v1/bookings", headers={**headers, **extra.pop("h", {})},
                       json={"room": room.id, "start": start, "end": end, "title": title, **extra})


def test_without_a_token_the_api_answers_401_as_problem(client):
    response = client.get("/api/v1/accommodations")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["status"] == 401 and response.json["title"]


def test_revoked_and_expired_tokens_are_refused(client, session, make_user, bearer):
    user = make_user()
    live = bearer(user)
    assert client.get("/api/v1/me", headers=live).json["email"] == user.email
    expired = bearer(user, expires_in=dt.timedelta(days=1))
    session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.id == sa.select(
        sa.func.max(ApiToken.id)).scalar_subquery()).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert client.get("/api/v1/me", headers=expired).status_code == 401
    token_id = client.get("/api/v1/tokens", headers=live).json["items"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=live).json["revoked_at"]
    assert client.get("/api/v1/me", headers=live).status_code == 401


def test_tokens_are_stored_hashed(client, session, make_user, bearer):
    headers = bearer(make_user())
    secret = headers["Authorization"].split()[1]
    stored = session.scalars(sa.select(ApiToken)).all()
    assert all(secret not in (t.token_hash, t.prefix) for t in stored)
    assert secret[:8] in [t.prefix for t in stored]


def test_repeated_bad_tokens_are_rate_limited(client):
    answers = [client.get("/api/v1/me", headers={"Authorization": f"Bearer rb_wrong{i}"}).status_code
               for i in range(22)]
    assert answers[:20] == [401] * 20 and answers[-1] == 429


def test_token_endpoint_issues_a_working_token_and_is_rate_limited(client, make_user):
    make_user(email="vol@example.org", password="right-password")
    answer = client.post("/api/v1/tokens", json={"email": "vol@example.org", "password": "right-password",
                                                  "label": "laptop", "expires_in_days": 30})
    assert answer.status_code == 201 and answer.json["token"].startswith("rb_") and answer.json["expires_at"]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + answer.json["token"]}).status_code == 200
    wrong = client.post("/api/v1/tokens", json={"email": "vol@example.org", "password": "nope"})
    assert wrong.status_code == 401 and "token" not in wrong.json
    codes = [client.post("/api/v1/tokens", json={"email": "vol@example.org", "password": "nope"}).status_code
             for _ in range(5)]
    assert codes[-1] == 429 and "Retry-After" in client.post(
        "/api/v1/tokens", json={"email": "vol@example.org", "password": "nope"}).headers


def test_cli_creates_a_token_that_works(app, client, make_user):
    user = make_user()
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--email", user.email, "--label", "cli"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + result.output.strip()}).json["id"] == user.id
    unknown = app.test_cli_runner().invoke(args=["tokens", "create", "--email", "nobody@example.org"])
    assert unknown.exit_code != 0 and "--email" in unknown.output


def test_accommodations_are_paginated_with_a_next_link(client, make_user, make_room, bearer):
    for _ in range(3):
        make_room(max_days_ahead=800)
    headers = bearer(make_user())
    first = client.get("/api/v1/accommodations?limit=2", headers=headers).json
    assert len(first["items"]) == 2 and first["total"] >= 3 and first["next"]
    second = client.get(first["next"], headers=headers).json
    assert second["offset"] == 2 and {a["id"] for a in second["items"]}.isdisjoint({a["id"] for a in first["items"]})
    assert client.get("/api/v1/accommodations?limit=201", headers=headers).json["field"] == "limit"


def test_rooms_and_availability(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    assert client.get(f"/api/v1/rooms?accommodation={room.accommodation_id}", headers=headers).json["items"][0][
        "id"] == room.id
    assert client.get(f"/api/v1/rooms/{room.id}", headers=headers).json["open"][0]["from"] == "08:00"
    day = f"{FUTURE}-03-02"
    free = client.get(f"/api/v1/rooms/{room.id}/availability?from={day}&to={FUTURE}-03-03", headers=headers).json
    assert free["free"] == [{"start": f"{day}T08:00:00+01:00", "end": f"{day}T20:00:00+01:00"}]
    start, end = _slot()
    assert _book(client, headers, room, start.isoformat(), end.isoformat()).status_code == 201
    free = client.get(f"/api/v1/rooms/{room.id}/availability?from={day}&to={FUTURE}-03-03", headers=headers).json
    assert [f["end"] for f in free["free"]] == [f"{day}T10:00:00+01:00", f"{day}T20:00:00+01:00"]
    too_long = client.get(f"/api/v1/rooms/{room.id}/availability?from={day}&to={FUTURE}-06-03", headers=headers)
    assert too_long.status_code == 422 and too_long.json["field"] == "to"


def test_occurrences_and_offers(client, session, make_user, make_offer, bearer):
    from roombook.booking.occurrences import materialise

    offer = make_offer(valid_from=dt.date(FUTURE, 3, 1), valid_until=dt.date(FUTURE, 3, 31))
    materialise(session, offer.sessions[0], dt.date(FUTURE, 3, 31))
    headers = bearer(make_user())
    room_id = offer.sessions[0].room_id
    found = client.get(f"/api/v1/occurrences?room={room_id}&from={FUTURE}-03-01&to={FUTURE}-03-31",
                       headers=headers).json
    assert found["total"] >= 4 and found["items"][0]["title"] == offer.title
    assert found["items"][0]["start"].endswith("T10:00:00+01:00")
    assert client.get(f"/api/v1/occurrences/{found['items'][0]['id']}", headers=headers).status_code == 200
    listed = client.get(f"/api/v1/offers?accommodation={offer.accommodation_id}", headers=headers).json
    assert listed["items"][0]["sessions"][0] == {"day": "mon", "start": "10:00", "room": room_id,
                                                 "valid_from": f"{FUTURE}-03-01", "valid_until": f"{FUTURE}-03-31"}


def test_booking_in_local_time_or_with_offset(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    answer = _book(client, headers, room, f"{FUTURE}-03-02T10:00", f"{FUTURE}-03-02T12:00")
    assert answer.status_code == 201
    assert answer.json["start"] == f"{FUTURE}-03-02T10:00:00+01:00" and answer.json["mine"] is True
    assert answer.headers["Location"] == f"/api/v1/bookings/{answer.json['id']}"
    with_offset = _book(client, headers, room, f"{FUTURE}-03-02T12:00:00Z", f"{FUTURE}-03-02T13:00:00Z")
    assert with_offset.json["start"] == f"{FUTURE}-03-02T13:00:00+01:00"


def test_a_clash_is_409_listing_what_is_in_the_way(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    first, second = bearer(make_user()), bearer(make_user())
    start, end = _slot()
    assert _book(client, first, room, start.isoformat(), end.isoformat(), title="Private Sache").status_code == 201
    clash = _book(client, second, room, (start + dt.timedelta(hours=1)).isoformat(),
                  (end + dt.timedelta(hours=1)).isoformat())
    assert clash.status_code == 409 and clash.mimetype == "application/problem+json"
    assert clash.json["clashes"] == [{"kind": "booking", "title": "belegt", "start": start.isoformat(),
                                      "end": end.isoformat()}]
    assert clash.json["alternatives"] and clash.json["alternatives"][0]["room"] == room.id
    assert "Private Sache" not in clash.get_data(as_text=True)


def test_invalid_input_is_422_naming_the_field(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    start, end = _slot()
    cases = [
        ({"start": start.isoformat(), "end": end.isoformat(), "title": "x"}, "room"),
        ({"room": room.id, "start": "tomorrow", "end": end.isoformat(), "title": "x"}, "start"),
        ({"room": room.id, "start": end.isoformat(), "end": start.isoformat(), "title": "x"}, "end"),
        ({"room": room.id, "start": start.isoformat(), "end": end.isoformat(), "title": " "}, "title"),
        ({"room": room.id, "start": start.isoformat(), "end": end.isoformat(), "title": "x", "colour": 1}, "colour"),
        ({"room": 2**40, "start": start.isoformat(), "end": end.isoformat(), "title": "x"}, "room"),
        ({"room": room.id, "start": f"{FUTURE}-03-28T02:30", "end": f"{FUTURE}-03-28T03:30", "title": "x"}, "start"),
        ({"room": room.id, "start": "2020-03-02T10:00", "end": "2020-03-02T11:00", "title": "x"}, "start"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/bookings", headers=headers, json=body)
        assert answer.status_code == 422, (body, answer.json)
        assert answer.json["field"] == field, (body, answer.json)
    malformed = client.post("/api/v1/bookings", headers={**headers, "Content-Type": "application/json"}, data="{")
    assert malformed.status_code == 400 and malformed.mimetype == "application/problem+json"


def test_idempotency_key_replays_and_never_books_twice(client, session, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = {**bearer(make_user()), "Idempotency-Key": "order-42"}
    start, end = _slot()
    first = _book(client, headers, room, start.isoformat(), end.isoformat())
    again = _book(client, headers, room, start.isoformat(), end.isoformat())
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking).where(Booking.room_id == room.id)) == 1
    other = _book(client, headers, room, end.isoformat(), (end + dt.timedelta(hours=1)).isoformat())
    assert other.status_code == 422 and other.json["field"] == "Idempotency-Key"
    assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 1
    bad_key = _book(client, {**headers, "Idempotency-Key": "with space"}, room, end.isoformat(),
                    (end + dt.timedelta(hours=1)).isoformat())
    assert bad_key.status_code == 422 and bad_key.json["field"] == "Idempotency-Key"


def test_delete_cancels_and_frees_the_slot(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    owner, other = bearer(make_user()), bearer(make_user())
    start, end = _slot()
    booking = _book(client, owner, room, start.isoformat(), end.isoformat()).json
    assert client.delete(f"/api/v1/bookings/{booking['id']}", headers=other).status_code == 404
    cancelled = client.delete(f"/api/v1/bookings/{booking['id']}?reason=krank", headers=owner)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["status_reason"] == "krank"
    assert client.delete(f"/api/v1/bookings/{booking['id']}", headers=owner).status_code == 422
    assert _book(client, other, room, start.isoformat(), end.isoformat()).status_code == 201


def test_bookings_list_shows_own_and_managed_only(client, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    volunteer = make_user()
    manager = make_user("facility_manager", accommodations=[room.accommodation])
    outsider = make_user()
    start, end = _slot()
    booked = _book(client, bearer(volunteer), room, start.isoformat(), end.isoformat()).json
    assert [b["id"] for b in client.get("/api/v1/bookings", headers=bearer(volunteer)).json["items"]] == [booked["id"]]
    managed = client.get(f"/api/v1/bookings?accommodation={room.accommodation_id}", headers=bearer(manager)).json
    assert [b["id"] for b in managed["items"]] == [booked["id"]] and managed["items"][0]["mine"] is False
    assert client.get("/api/v1/bookings", headers=bearer(outsider)).json["items"] == []


def test_weekly_series_is_all_or_nothing(client, session, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800)
    headers = bearer(make_user())
    start, end = _slot()
    body = {"room": room.id, "start": start.isoformat(), "end": end.isoformat(), "title": "Kurs", "weeks": 4}
    made = client.post("/api/v1/booking-series", headers=headers, json=body)
    assert made.status_code == 201 and len(made.json["dates"]) == 4 and made.json["uid"]
    assert {d["state"] for d in made.json["dates"]} == {"active"}
    third_week = start + dt.timedelta(weeks=6)
    _book(client, headers, room, third_week.isoformat(), (third_week + dt.timedelta(hours=1)).isoformat())
    count = session.scalar(sa.select(sa.func.count()).select_from(Booking))
    refused = client.post("/api/v1/booking-series", headers=headers,
                          json={**body, "start": (start + dt.timedelta(weeks=4)).isoformat(),
                                "end": (end + dt.timedelta(weeks=4)).isoformat()})
    assert refused.status_code == 409 and len(refused.json["refused"]) == 1, refused.json
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == count


def test_unknown_paths_and_methods_are_problems(client, make_user, bearer):
    assert client.get("/api/v1/nothing-here").mimetype == "application/problem+json"
    answer = client.put("/api/v1/bookings", headers=bearer(make_user()))
    assert answer.status_code == 405 and "POST" in answer.headers["Allow"]


def test_openapi_document_and_page(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/bookings" in doc["paths"] and "/api/v1/rooms/{room_id}/availability" in doc["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "createBooking" in page.get_data(as_text=True)


def test_every_api_route_is_in_the_document(app, client):
    """The document matches the implementation: no route without an operation, no operation without a route."""
    doc = client.get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item
                  if method != "parameters"}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs":
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<int:{argument}>", "{" + argument + "}").replace(
                    f"<{argument}>", "{" + argument + "}")
            routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_a_series_counts_once_toward_the_open_booking_limit(client, session, make_user, make_room, bearer):
    room = make_room(max_days_ahead=800, max_open_bookings=1)
    headers = bearer(make_user())
    start, end = _slot()
    body = {"room": room.id, "start": start.isoformat(), "end": end.isoformat(), "title": "Kurs", "weeks": 25}
    made = client.post("/api/v1/booking-series", headers=headers, json=body)
    assert made.status_code == 201 and len(made.json["dates"]) == 25, made.json
    day = dt.timedelta(days=1)
    later = {**body, "start": (start + day).isoformat(), "end": (end + day).isoformat()}
    refused = client.post("/api/v1/booking-series", headers=headers, json=later)
    assert refused.status_code == 422 and refused.json["type"].endswith("series-refused"), refused.json
    assert {w["field"] for w in refused.json["refused"]} == {"room"}
    assert "Höchstzahl ist erreicht" in refused.json["refused"][0]["detail"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 25
