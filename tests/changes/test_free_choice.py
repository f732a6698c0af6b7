"""A series may take a room, weekday and time the manager chooses freely, on the page and through the API:
refused at the series for too few seats, a missing feature or a room of another house; taken time is a 409
like any stale choice. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from roombook.changes import deciding
from roombook.changes.recording import record_closure
from roombook.models.changes import ItemStatus
from tests.changes.conftest import CLOSED_FROM, CLOSED_TO, NOW
from tests.conftest import login


def close(session, house):
    return record_closure(session, house["manager"], house["big"], CLOSED_FROM, CLOSED_TO, "Lager",
                          "other_use").change


def _item(change, title):
    return next(item for item in change.items if item.title == title)


def _rest_cancelled(change, *keep):
    return [{"item": i.id, "action": "cancel"} for i in change.items if i.title not in keep]


def test_a_place_chosen_freely_moves_every_lost_date_there(session, house):
    change = close(session, house)
    hours = _item(change, "Sprechstunde")
    free = {"item": hours.id, "action": "free", "room": house["medium"].id, "day": "fri", "start": "14:00"}
    deciding.apply_change(session, house["manager"], change, [free, *_rest_cancelled(change, "Sprechstunde")],
                          now=NOW)
    assert hours.status == ItemStatus.MOVED and hours.chosen["room_id"] == house["medium"].id
    local = [dt.datetime.fromisoformat(s).astimezone(house["big"].tz) for s in hours.chosen["starts"]]
    assert [(t.strftime("%a %H:%M")) for t in local] == ["Fri 14:00"] * 3


@pytest.mark.parametrize(("choice", "field"), [
    ({"room": "small"}, "room"),                       # 4 seats for the 15-person course
    ({"room": "medium"}, "room"),                      # no whiteboard
    ({"room": "medium", "start": "14:10"}, "start"),   # off the quarter hour
    ({"room": "medium", "day": "someday"}, "day"),
])
def test_a_place_that_cannot_take_the_series_is_refused_at_it(session, house, choice, field):
    change = close(session, house)
    course = _item(change, "Deutschkurs A1")
    decision = {"item": course.id, "action": "free", "day": "tue", "start": "09:00",
                **choice, "room": house[choice["room"]].id}
    with pytest.raises(deciding.ChangeRefused) as refused:
        deciding.apply_change(session, house["manager"], change, [decision], now=NOW)
    assert refused.value.status == 422 and refused.value.field == field and refused.value.items == [course.id]
    assert change.status == "proposed"


def test_the_api_takes_a_free_choice_and_names_a_bad_one(client, house, bearer, session):
    headers = bearer(house["manager"])
    change = client.post("/api/v1/closures", headers=headers, json={
        "room": house["big"].id, "start": CLOSED_FROM.isoformat(), "end": CLOSED_TO.isoformat(),
        "kind": "other_use", "reason": "Lager"}).get_json()["change"]
    hours = next(i for i in change["items"] if i["title"] == "Sprechstunde")
    rest = [{"item": i["id"], "action": "cancel"} for i in change["items"] if i["id"] != hours["id"]]
    bad = client.post(f"/api/v1/changes/{change['id']}/apply", headers=headers, json={"decisions": [
        {"item": hours["id"], "action": "free", "room": house["medium"].id, "day": "fri", "start": "25:00"}, *rest]})
    assert bad.status_code == 422 and bad.get_json()["field"] == "start"
    done = client.post(f"/api/v1/changes/{change['id']}/apply", headers=headers, json={"decisions": [
        {"item": hours["id"], "action": "free", "room": house["medium"].id, "day": "fri", "start": "14:00"}, *rest]})
    assert done.status_code == 200, done.get_json()
    moved = next(i for i in done.get_json()["items"] if i["id"] == hours["id"])
    assert moved["chosen"]["room"] == house["medium"].id and moved["chosen"]["starts"][0].endswith("14:00:00+01:00")


def test_the_page_offers_a_free_choice_with_seats_and_applies_it(client, house, session):
    change = close(session, house)
    session.flush()
    hours = _item(change, "Sprechstunde")
    login(client, "manager@example.org", "secret-pw")
    page = client.get(f"/manage/changes/{change.id}").get_data(as_text=True)
    assert f'id="item_{hours.id}-free"' in page and "Mehrzweckraum (16)" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, f"item_{hours.id}": "free", f"free_room_{hours.id}": str(house["medium"].id),
            f"free_day_{hours.id}": "fri", f"free_start_{hours.id}": "14:00"}
    data.update({f"item_{i.id}": "cancel" for i in change.items if i.id != hours.id})
    refused = client.post(f"/manage/changes/{change.id}", data={**data, f"free_room_{hours.id}": ""})
    assert refused.status_code == 422 and "Bitte einen Raum dieser Unterkunft wählen." in refused.get_data(as_text=True)
    done = client.post(f"/manage/changes/{change.id}", data=data)
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    session.expire_all()
    assert _item(change, "Sprechstunde").chosen["room_id"] == house["medium"].id
