"""Rooms and their rules, closures through the pages, and the coordinator's offers."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook.booking import rooms
from roombook.models import (
    AuditEvent,
    Booking,
    Closure,
    Conflict,
    Offer,
    Room,
    RoomChange,
)
from tests.conftest import login
from tests.manage.conftest import token_from

ROOM_DATA = {"name": "Gemeinschaftsraum", "capacity": "30", "features": ["whiteboard", "step_free", "projector"],
             "open_hours": "Mo 08:00-20:00\nDienstag 09:00-12:00\nSat 10:00-16:00", "max_booking_minutes": "180",
             "max_days_ahead": "60", "max_open_bookings": "5"}


def test_opening_hours_parse_and_name_the_bad_line():
    assert rooms.parse_windows("Di 9:00-12:00\nmon 08:00-20:00\nSo. 10:00-12:00") == [
        {"day": "mon", "from": "08:00", "to": "20:00"}, {"day": "tue", "from": "09:00", "to": "12:00"},
        {"day": "sun", "from": "10:00", "to": "12:00"}]
    assert rooms.format_windows([{"day": "sun", "from": "10:00", "to": "12:00"},
                                 {"day": "mon", "from": "08:00", "to": "20:00"}]) == "Mo 08:00-20:00\nSo 10:00-12:00"
    assert rooms.format_windows([{"day": "tue", "from": "09:00", "to": "12:00"}], "en") == "Tue 09:00-12:00"
    for bad in ("Mo 08:00", "xyz 08:00-10:00", "Mo 10:00-09:00", "Mo 25:00-26:00"):
        with pytest.raises(rooms.RoomInputError) as error:
            rooms.parse_windows("tue 09:00-12:00\n" + bad)
        assert "Zeile 2" in error.value.message


def test_equipment_outside_the_vocabulary_is_refused_at_its_field(client, demo):
    login(client, "manager@example.org")
    data = {**ROOM_DATA, "features": ["whiteboard", "teleporter"]}
    response = client.post("/manage/rooms/nord-gr", data={"csrf_token": token_from(client), **data})
    assert response.status_code == 422
    assert "Unbekannte Ausstattung: teleporter." in response.get_data(as_text=True)
    assert demo.scalar(sa.select(Room.features).where(Room.key == "nord-gr")) == ["whiteboard", "step_free"]


def test_a_manager_edits_capacity_features_hours_and_rules(client, demo):
    login(client, "manager@example.org")
    page = client.get("/manage/rooms/nord-gr").get_data(as_text=True)
    assert "Mo 08:00-20:00" in page and "stufenlos erreichbar" in page
    response = client.post("/manage/rooms/nord-gr", data={"csrf_token": token_from(client), **ROOM_DATA})
    assert response.status_code == 302
    room = demo.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    assert room.capacity == 30 and room.features == ["whiteboard", "step_free", "projector"]
    assert room.open[1] == {"day": "tue", "from": "09:00", "to": "12:00"} and room.max_open_bookings == 5
    event = demo.scalar(sa.select(AuditEvent).where(AuditEvent.action == "room.updated"))
    assert event.details["changes"]["capacity"] == {"before": 24, "after": 30}


@pytest.mark.parametrize("field,value,message", [
    ("open_hours", "montag 8-20", "Zeile 1"), ("capacity", "0", "Plätze"), ("capacity", "viele", "Plätze"),
    ("max_days_ahead", "", "Tage"), ("name", "", "Name"),
])
def test_bad_room_input_gets_a_form_message(client, demo, field, value, message):
    login(client, "manager@example.org")
    response = client.post("/manage/rooms/nord-gr", data={"csrf_token": token_from(client), **ROOM_DATA,
                                                          field: value})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and 'aria-invalid="true"' in body
    assert demo.scalar(sa.select(Room).where(Room.key == "nord-gr")).capacity == 24


def test_closure_preview_then_record_it_as_one_room_change(client, demo, volunteer_booking):
    login(client, "manager@example.org")
    tz = volunteer_booking.room.tz
    day = volunteer_booking.starts_at.astimezone(tz).date()
    data = {"csrf_token": token_from(client), "start": f"{day}T08:00", "end": f"{day}T20:00",
            "kind": "maintenance", "reason": "Wasserschaden", "preview": "Vorschau"}
    preview = client.post("/manage/rooms/nord-gr/closures", data=data)
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    assert "Fahrradwerkstatt" in body and "volunteer@example.org" in body and "verdrängt" in body
    assert "(Wartung)" in body and 'name="kind" value="maintenance"' in body
    assert demo.scalar(sa.select(Closure).where(Closure.reason == "Wasserschaden")) is None
    del data["preview"]
    applied = client.post("/manage/rooms/nord-gr/closures", data={**data, "apply": "Anwenden"})
    change = demo.scalar(sa.select(RoomChange).where(RoomChange.reason == "Wasserschaden"))
    assert applied.status_code == 302 and applied.headers["Location"].endswith(f"/manage/changes/{change.id}")
    demo.expire_all()
    assert demo.get(Booking, volunteer_booking.id).status == "displaced"  # until the change is decided
    assert [(item.kind, item.title) for item in change.items if item.kind == "booking"] == [
        ("booking", "Fahrradwerkstatt")]
    assert demo.get(Closure, change.closure_id).purpose == "maintenance"
    # one decision for the change, not a conflict per date
    assert demo.scalar(sa.select(Conflict).where(Conflict.booking_id == volunteer_booking.id)) is None


def test_a_closure_that_hits_nothing_goes_back_to_the_room(client, demo):
    login(client, "manager@example.org")
    data = {"csrf_token": token_from(client), "start": "2031-02-03T06:00", "end": "2031-02-03T07:00",
            "kind": "other_use", "reason": "Lager", "apply": "1"}
    applied = client.post("/manage/rooms/nord-gr/closures", data=data, follow_redirects=True)
    assert applied.request.path == "/manage/rooms/nord-gr"
    assert "sie trifft keinen Termin und keine Buchung" in applied.get_data(as_text=True)
    closure = demo.scalar(sa.select(Closure).where(Closure.reason == "Lager"))
    assert closure.purpose == "other_use"
    assert demo.scalar(sa.select(sa.func.count()).select_from(RoomChange)) == 0


def test_an_unknown_closure_kind_is_refused_at_its_field(client, demo):
    login(client, "manager@example.org")
    data = {"csrf_token": token_from(client), "start": "2031-02-03T06:00", "end": "2031-02-03T07:00",
            "kind": "party", "reason": "Lager", "apply": "1"}
    response = client.post("/manage/rooms/nord-gr/closures", data=data)
    assert response.status_code == 422
    assert 'id="kind-error"' in response.get_data(as_text=True)
    assert demo.scalar(sa.select(Closure).where(Closure.reason == "Lager")) is None


@pytest.mark.parametrize("start,end,reason,message", [
    ("2031-01-01T10:00", "2031-01-01T09:00", "x", "Ende"),
    ("2001-01-01T10:00", "2001-01-01T12:00", "x", "Vergangenheit"),
    ("2031-01-01T10:00", "2031-01-01T12:00", "", "Grund"), ("morgen", "2031-01-01T12:00", "x", "Beginn"),
    ("2031-01-01T10:00", "2033-01-01T12:00", "x", "Jahr"),
])
def test_bad_closures_get_a_form_message(client, demo, start, end, reason, message):
    login(client, "manager@example.org")
    response = client.post("/manage/rooms/nord-gr/closures", data={
        "csrf_token": token_from(client), "start": start, "end": end, "reason": reason, "preview": "1"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_removing_a_closure(client, demo):
    login(client, "manager@example.org")
    token = token_from(client)
    data = {"csrf_token": token, "start": "2031-02-03T08:00", "end": "2031-02-03T09:00", "reason": "Putzen",
            "apply": "1"}
    assert client.post("/manage/rooms/nord-gr/closures", data=data).status_code == 302
    closure = demo.scalar(sa.select(Closure).where(Closure.reason == "Putzen"))
    assert client.post(f"/manage/closures/{closure.id}/remove", data={"csrf_token": token}).status_code == 302
    demo.expire_all()
    assert demo.scalar(sa.select(Closure).where(Closure.reason == "Putzen")) is None
    holiday = demo.scalar(sa.select(Closure).where(Closure.kind == "holiday"))
    if holiday is not None and holiday.room.accommodation.key in ("nord", "mitte"):
        followed = client.post(f"/manage/closures/{holiday.id}/remove", data={"csrf_token": token},
                               follow_redirects=True)
        assert "Feiertage" in followed.get_data(as_text=True)


def test_the_coordinator_creates_and_edits_an_offer(client, demo):
    login(client, "coordinator@example.org")
    assert "Neues Angebot" in client.get("/manage/offers/new").get_data(as_text=True)
    data = {"csrf_token": token_from(client, "/manage/offers/new"), "title": "Sprachcafé Süd",
            "description": "", "category": "language_course", "accommodation": "sued", "providers": ["vhs"],
            "duration_minutes": "90", "sessions_per_week": "2", "participants": "10",
            "needs_features": "whiteboard", "guaranteed": "y", "valid_from": "2030-01-07", "valid_until": ""}
    response = client.post("/manage/offers/new", data=data)
    assert response.status_code == 302
    offer = demo.scalar(sa.select(Offer).where(Offer.title == "Sprachcafé Süd"))
    assert offer.key == "sued-sprachcafe-sud" and offer.sessions_per_week == 2 and offer.guaranteed
    assert [p.key for p in offer.providers] == ["vhs"] and offer.valid_until is None
    edit = client.post(f"/manage/offers/{offer.key}", data={**data, "duration_minutes": "120",
                                                            "valid_until": "2029-01-01"})
    assert edit.status_code == 422 and "liegt vor" in edit.get_data(as_text=True)
    assert client.post(f"/manage/offers/{offer.key}", data={**data, "duration_minutes": "120"}).status_code == 302
    demo.expire_all()
    assert demo.get(Offer, offer.id).duration_minutes == 120
    assert client.post("/manage/offers/new", data={**data, "providers": []}).status_code == 422
    assert client.post("/manage/offers/new", data={**data, "accommodation": "atlantis"}).status_code == 422
    assert client.get("/manage/offers/no-such-offer").status_code == 404


def test_shrinking_opening_hours_opens_a_room_change_for_what_now_lies_outside(client, demo, volunteer_booking):
    login(client, "manager@example.org")
    hours = "\n".join(f"{d} 08:00-15:00" for d in ("mon", "tue", "wed", "thu", "fri"))
    response = client.post("/manage/rooms/nord-gr", data={"csrf_token": token_from(client), **ROOM_DATA,
                                                          "open_hours": hours})
    change = demo.scalar(sa.select(RoomChange).where(RoomChange.cause == "opening_hours"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/manage/changes/{change.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "außerhalb der Öffnungszeiten" in page and "Raumänderung: kürzere Öffnungszeiten für" in page
    # nothing is cancelled silently: the workshop waits, as a series of the change, for the manager's decision
    assert demo.get(Booking, volunteer_booking.id).status == "displaced"
    assert "Fahrradwerkstatt" in [item.title for item in change.items]
    assert f'id="series-{change.items[0].id}"' in page
