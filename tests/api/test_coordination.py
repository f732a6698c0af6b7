"""API over the other areas' modules: conflicts (list, resolve), plan runs (start, status, preview,
publish/discard), private feed links (create, rotate, revoke)."""
from __future__ import annotations

from roombook import clock
from roombook.booking import book_room
from roombook.booking.occurrences import add_closure
from roombook.planning import runs as plan_runs
from tests.factories import local

YEAR = clock.today().year + 1


def test_a_manager_lists_and_resolves_a_conflict_others_cannot(client, session, make_room, make_user, bearer):
    room = make_room(max_days_ahead=800)
    owner = make_user()
    booking = book_room(session, owner, room, local(YEAR, 3, 2, 10), local(YEAR, 3, 2, 11), "Kurs")
    add_closure(session, None, room, local(YEAR, 3, 2, 9), local(YEAR, 3, 2, 12), "Wasserschaden")
    manager = bearer(make_user("facility_manager", accommodations=[room.accommodation]))
    stranger = bearer(make_user("facility_manager", accommodations=[make_room().accommodation]))
    listed = client.get("/api/v1/conflicts", headers=manager).json
    assert listed["total"] == 1 and listed["items"][0]["booking"] == booking.id
    conflict_id = listed["items"][0]["id"]
    assert client.get(f"/api/v1/conflicts/{conflict_id}", headers=stranger).status_code == 404
    assert client.get("/api/v1/conflicts", headers=bearer(owner)).status_code == 403
    no_reason = client.post(f"/api/v1/conflicts/{conflict_id}/resolve", headers=manager, json={"action": "cancel"})
    assert no_reason.status_code == 422 and no_reason.json["field"] == "note"
    done = client.post(f"/api/v1/conflicts/{conflict_id}/resolve", headers=manager,
                       json={"action": "cancel", "note": "Raum fällt aus"})
    assert done.status_code == 200 and done.json["status"] == "resolved" and done.json["resolution"] == "cancelled"
    assert client.get("/api/v1/conflicts?status=resolved", headers=manager).json["total"] == 1


def test_a_coordinator_runs_previews_and_discards_a_plan(app, client, session, make_offer, make_user, bearer,
                                                          monkeypatch):
    monkeypatch.setattr(plan_runs, "launch", lambda app_, run_id: plan_runs.work(app_, run_id))
    monkeypatch.setattr(plan_runs, "PROGRESS_EVERY", 1e9)
    monkeypatch.setitem(app.config, "ROOMBOOK_PLAN_TIME_LIMIT", 5)
    make_offer()
    coordinator = bearer(make_user("coordinator"))
    started = client.post("/api/v1/plan-runs", headers=coordinator, json={})
    assert started.status_code == 202, started.json
    run_id = started.json["id"]
    assert client.post("/api/v1/plan-runs", headers=coordinator, json={}).status_code in (202, 409)
    run = client.get(f"/api/v1/plan-runs/{run_id}", headers=coordinator).json
    assert run["status"] in ("done", "failed"), run
    if run["status"] == "done":
        assert "changes" in client.get(f"/api/v1/plan-runs/{run_id}/preview", headers=coordinator).json
    discarded = client.post(f"/api/v1/plan-runs/{run_id}/discard", headers=coordinator)
    assert discarded.status_code == 200 and discarded.json["status"] == "discarded"
    assert client.post(f"/api/v1/plan-runs/{run_id}/publish", headers=coordinator).status_code == 409
    volunteer = bearer(make_user())
    assert client.get("/api/v1/plan-runs", headers=volunteer).status_code == 403


def test_feed_links_are_created_rotated_and_revoked(client, make_user, bearer):
    headers = bearer(make_user())
    created = client.post("/api/v1/feed-tokens", headers=headers, json={"scope": "volunteer", "label": "Handy"})
    assert created.status_code == 201 and "/calendars/private/" in created.json["url"]
    assert client.get(created.json["url"].split("localhost")[1]).status_code == 200
    refused = client.post("/api/v1/feed-tokens", headers=headers, json={"scope": "manager"})
    assert refused.status_code == 422 and refused.json["field"] == "scope"
    rotated = client.post(f"/api/v1/feed-tokens/{created.json['id']}/rotate", headers=headers)
    assert rotated.status_code == 201 and rotated.json["url"] != created.json["url"]
    assert client.get(created.json["url"].split("localhost")[1]).status_code == 404
    other = bearer(make_user())
    assert client.delete(f"/api/v1/feed-tokens/{rotated.json['id']}", headers=other).status_code == 404
    revoked = client.delete(f"/api/v1/feed-tokens/{rotated.json['id']}", headers=headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert "url" not in client.get("/api/v1/feed-tokens", headers=headers).json["items"][0]
