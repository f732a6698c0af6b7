"""The room-change API: recording a closure answers with its change, the changes list keeps to the caller's
accommodations, and applying is all or nothing with 409 and 422 naming the items."""
from __future__ import annotations

import sqlalchemy as sa

from roombook.models import OutboxMessage
from tests.changes.conftest import CLOSED_FROM, CLOSED_TO


def _close(client, headers, room_id, **body):
    return client.post("/api/v1/closures", headers=headers, json={
        "room": room_id, "start": CLOSED_FROM.isoformat(), "end": CLOSED_TO.isoformat(), "kind": "other_use",
        "reason": "Verwaltung nutzt den Raum als Lager", **body})


def test_recording_a_closure_answers_with_its_change_and_location(client, house, bearer):
    headers = bearer(house["manager"])
    answer = _close(client, headers, house["big"].id)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["closure"]["kind"] == "other_use" and body["closure"]["room"] == house["big"].id
    change = body["change"]
    assert answer.headers["Location"].endswith(f"/api/v1/changes/{change['id']}")
    assert change["status"] == "proposed" and change["notified"] == []
    titles = {item["title"]: item for item in change["items"]}
    assert set(titles) == {"Deutschkurs A1", "Sprechstunde", "Gesprächsgruppe", "Elterncafé"}
    hours = titles["Sprechstunde"]
    assert hours["kind"] == "offer" and hours["participants"] == 2 and len(hours["dates"]) == 3
    assert hours["proposal"]["room_capacity"] >= 2 and len(hours["proposal"]["starts"]) == 3
    assert hours["dates"][0].endswith("+01:00")  # local time with its offset
    assert titles["Deutschkurs A1"]["proposal"] is None and titles["Deutschkurs A1"]["reason"] == "no_room_fits"
    assert client.get(answer.headers["Location"], headers=headers).get_json() == change


def test_apply_takes_proposals_for_items_not_named_and_lists_who_was_told(client, house, bearer):
    headers = bearer(house["manager"])
    change = _close(client, headers, house["big"].id).get_json()["change"]
    course = next(i for i in change["items"] if i["title"] == "Deutschkurs A1")
    missing = client.post(f"/api/v1/changes/{change['id']}/apply", headers=headers, json={"decisions": []})
    assert missing.status_code == 422 and missing.get_json()["items"] == [course["id"]]
    applied = client.post(f"/api/v1/changes/{change['id']}/apply", headers=headers,
                          json={"decisions": [{"item": course["id"], "action": "cancel"}]})
    assert applied.status_code == 200, applied.get_json()
    body = applied.get_json()
    assert body["status"] == "applied"
    told = {row["recipient"]: row for row in body["notified"]}
    assert "manager@example.org" in told and "vol@example.org" in told
    assert {row["messages"] for row in told.values()} == {1} and {row["state"] for row in told.values()} == {"queued"}
    again = client.post(f"/api/v1/changes/{change['id']}/apply", headers=headers, json={})
    assert again.status_code == 409


def test_a_stale_slot_is_a_409_naming_the_item_and_nothing_is_applied(client, house, bearer):
    headers = bearer(house["manager"])
    change = _close(client, headers, house["big"].id).get_json()["change"]
    hours = next(i for i in change["items"] if i["title"] == "Sprechstunde")
    start = hours["proposal"]["starts"][0]
    taken = client.post("/api/v1/bookings", headers=bearer(house["volunteer"]), json={
        "room": hours["proposal"]["room"], "start": start, "end": start[:11] + "10:30" + start[16:],
        "title": "Dazwischen"})
    assert taken.status_code == 201, taken.get_json()
    decisions = [{"item": i["id"], "action": "accept" if i["proposal"] else "cancel"} for i in change["items"]]
    stale = client.post(f"/api/v1/changes/{change['id']}/apply", headers=headers, json={"decisions": decisions})
    assert stale.status_code == 409 and stale.get_json()["items"] == [hours["id"]]
    assert client.get(f"/api/v1/changes/{change['id']}", headers=headers).get_json()["status"] == "proposed"


def test_changes_stay_in_the_callers_scope(client, house, bearer, make_user, session):
    change = _close(client, bearer(house["manager"]), house["big"].id).get_json()["change"]
    outsider = bearer(session.scalar(sa.select(type(house["manager"])).where(
        type(house["manager"]).email == "other-manager@example.org")))
    assert client.get(f"/api/v1/changes/{change['id']}", headers=outsider).status_code == 404
    assert client.get("/api/v1/changes", headers=outsider).get_json()["items"] == []
    assert client.post(f"/api/v1/changes/{change['id']}/apply", headers=outsider, json={}).status_code == 404
    assert _close(client, outsider, house["medium"].id).status_code == 404
    volunteer = bearer(house["volunteer"])
    assert client.get("/api/v1/changes", headers=volunteer).status_code == 403
    assert _close(client, volunteer, house["medium"].id).status_code in (403, 404)
    coordinator = bearer(house["coordinator"])
    listed = client.get("/api/v1/changes?status=proposed", headers=coordinator).get_json()
    assert [c["id"] for c in listed["items"]] == [change["id"]] and listed["total"] == 1


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(client, house, bearer, session):
    headers = bearer(house["manager"])
    cases = [({"kind": "party"}, "kind"), ({"end": CLOSED_FROM.isoformat()}, "end"), ({"reason": " "}, "reason"),
             ({"start": "morgen"}, "start"), ({"end": "bald"}, "end"), ({"colour": "red"}, "colour")]
    for body, field in cases:
        answer = _close(client, headers, house["big"].id, **body)
        assert answer.status_code == 422 and answer.get_json()["field"] == field, (body, answer.get_json())
    assert session.scalar(sa.text("SELECT count(*) FROM closure")) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_command_line_records_a_closure_and_prints_its_change(app, house, session):
    import json

    runner = app.test_cli_runner()
    result = runner.invoke(args=["closures", "create", "--room", "nord-gr", "--from", "2027-03-08T00:00",
                                 "--to", "2027-03-29T00:00", "--kind", "other_use", "--reason", "Lager",
                                 "--as", "manager@example.org"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["closure"]["kind"] == "other_use" and len(printed["change"]["items"]) == 4
    refused = runner.invoke(args=["closures", "create", "--room", "nord-gr", "--from", "2027-04-05T00:00",
                                  "--to", "2027-04-06T00:00", "--reason", "Lager", "--as", "vol@example.org"])
    assert refused.exit_code != 0 and "may not close" in refused.output


def test_links_in_the_mails_come_from_the_configured_address_never_the_requests_host(client, house, bearer, session,
                                                                                    app):
    """Hardening 11: a request naming another Host must not put that host into the links people are mailed."""
    headers = {**bearer(house["manager"]), "Host": "evil.example"}
    change = _close(client, headers, house["big"].id).get_json()["change"]
    decisions = [{"item": i["id"], "action": "ask_volunteer" if i["kind"] == "booking_series" else
                  ("accept" if i["proposal"] else "cancel")} for i in change["items"]]
    assert client.post(f"/api/v1/changes/{change['id']}/apply", headers=headers,
                       json={"decisions": decisions}).status_code == 200
    mail = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "vol@example.org"))
    base = app.config["ROOMBOOK_BASE_URL"].rstrip("/")
    assert f"{base}/my/changes/" in mail.body and "evil.example" not in mail.body
