"""Who may see and change what: one generated matrix of role × route × someone else's object.

A facility manager of Nord and Mitte neither sees nor changes Süd's rooms, closures, room changes, conflicts
or plan runs: pages and form posts both answer 404 (not even its existence is told). City-wide pages
are for the coordinator and admins (403 for others); anonymous visitors are sent to log in.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking import rooms
from roombook.changes.recording import record_closure
from roombook.models import (
    Closure,
    Conflict,
    Occurrence,
    PlanRun,
    Room,
    RoomChange,
    User,
)
from tests.conftest import login
from tests.manage.conftest import token_from


@pytest.fixture
def sued(demo):
    """A closure in Süd that cancels a course there and opens a conflict, a later one recorded as a room change;
    a plan run for Süd and one for the city."""
    coordinator = demo.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    room = demo.scalar(sa.select(Room).where(Room.key == "sued-gr"))
    occ = demo.scalars(sa.select(Occurrence).where(Occurrence.room_id == room.id, Occurrence.status == "scheduled",
                                                   Occurrence.starts_at > clock.now()
                                                   + dt.timedelta(days=2)).order_by(Occurrence.starts_at)).first()
    closure, opened = rooms.apply_closure(demo, coordinator, room, occ.starts_at, occ.ends_at, "Heizung")
    later = demo.scalars(sa.select(Occurrence).where(Occurrence.room_id == room.id, Occurrence.status == "scheduled",
                                                     Occurrence.starts_at > occ.ends_at)
                         .order_by(Occurrence.starts_at)).first()
    change = record_closure(demo, coordinator, room, later.starts_at, later.ends_at, "Heizung kaputt",
                            "maintenance").change
    sued_run = PlanRun(created_by_id=coordinator.id, scope=["sued"], status="done", plan=None)
    city_run = PlanRun(created_by_id=coordinator.id, scope=[], status="done", plan=None)
    demo.add_all([sued_run, city_run])
    demo.flush()
    return {"room": room.key, "closure": closure.id, "conflict": opened[0].id, "run": sued_run.id,
            "city_run": city_run.id, "change": change.id}


SOMEONE_ELSES = [
    ("GET", "/manage/rooms/{room}"),
    ("POST", "/manage/rooms/{room}"),
    ("POST", "/manage/rooms/{room}/closures"),
    ("POST", "/manage/closures/{closure}/remove"),
    ("GET", "/manage/changes/{change}"),
    ("POST", "/manage/changes/{change}"),
    ("GET", "/manage/conflicts/{conflict}"),
    ("POST", "/manage/conflicts/{conflict}/resolve"),
    ("GET", "/manage/plans/{run}"),
    ("GET", "/manage/plans/{run}/progress"),
    ("POST", "/manage/plans/{run}/publish"),
    ("POST", "/manage/plans/{run}/discard"),
    ("GET", "/manage/plans/{city_run}"),
    ("POST", "/manage/plans/{city_run}/publish"),
]
CITY_WIDE = [
    ("GET", "/manage/coverage"), ("GET", "/manage/coverage.csv"), ("GET", "/manage/coverage/print"),
    ("GET", "/manage/coverage/nord/language_course"), ("GET", "/manage/offers"), ("GET", "/manage/offers/new"),
    ("POST", "/manage/offers/new"), ("GET", "/manage/offers/nord-deutsch"), ("POST", "/manage/offers/nord-deutsch"),
    ("GET", "/manage/accommodations/nord/requirements"), ("POST", "/manage/accommodations/nord/requirements"),
    ("GET", "/manage/outbox"),
]
STAFF = [("GET", "/manage/"), ("GET", "/manage/reports"), ("GET", "/manage/changes"), ("GET", "/manage/conflicts"), ("GET", "/manage/audit"), ("GET", "/manage/plans"),
         ("POST", "/manage/plans"), ("GET", "/manage/rooms/nord-gr")]


def _call(client, method, url, token):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token, "action": "cancel", "note": "x", "reason": "x",
                                  "start": "2030-01-01T10:00", "end": "2030-01-01T12:00", "name": "x",
                                  "capacity": "3", "max_booking_minutes": "60", "max_days_ahead": "10",
                                  "max_open_bookings": "2", "title": "x", "category": "other",
                                  "accommodation": "nord", "providers": "vhs", "duration_minutes": "60",
                                  "sessions_per_week": "1", "participants": "2", "valid_from": "2030-01-01"})


def _answers(client, routes, token, **ids) -> dict[tuple[str, str], int]:
    return {(method, url): _call(client, method, url.format(**ids), token).status_code for method, url in routes}


def test_a_facility_manager_cannot_see_or_change_another_houses_things(client, demo, sued):
    login(client, "manager@example.org")
    answers = _answers(client, SOMEONE_ELSES, token_from(client), **sued)
    assert {route: status for route, status in answers.items() if status != 404} == {}
    assert demo.get(Conflict, sued["conflict"]).status == "open"
    assert demo.get(Closure, sued["closure"]) is not None
    assert demo.get(RoomChange, sued["change"]).status == "proposed"
    assert demo.get(PlanRun, sued["run"]).status == "done"


def test_another_houses_conflicts_are_not_in_the_inbox_nor_its_rooms_in_the_overview(client, demo, sued):
    login(client, "manager@example.org")
    inbox = client.get("/manage/conflicts").get_data(as_text=True)
    assert "Heizung" not in inbox and f"/manage/conflicts/{sued['conflict']}" not in inbox
    assert f"/manage/changes/{sued['change']}" not in inbox
    changes = client.get("/manage/changes").get_data(as_text=True)
    assert "Heizung" not in changes and f"/manage/changes/{sued['change']}" not in changes
    home = client.get("/manage/").get_data(as_text=True)
    assert "/manage/rooms/nord-gr" in home and "/manage/rooms/sued-gr" not in home
    plans = client.get("/manage/plans").get_data(as_text=True)
    assert f"/manage/plans/{sued['run']}\"" not in plans and f"/manage/plans/{sued['city_run']}\"" not in plans


def test_a_manager_cannot_start_a_run_for_another_house(client, demo):
    login(client, "manager@example.org")
    token = token_from(client, "/manage/plans")
    response = client.post("/manage/plans", data={"csrf_token": token, "scope": ["sued"]})
    assert response.status_code == 422
    assert demo.scalar(sa.select(sa.func.count()).select_from(PlanRun)) == 0


@pytest.mark.parametrize("email", ["manager@example.org", "volunteer@example.org", "department@example.org"])
def test_city_wide_pages_are_for_the_coordinator(client, demo, email):
    login(client, email)
    answers = _answers(client, CITY_WIDE, token_from(client, "/"))
    assert {route: status for route, status in answers.items() if status != 403} == {}


def test_the_coordinator_sees_the_city_and_every_house(client, demo, sued):
    login(client, "coordinator@example.org")
    routes = [r for r in CITY_WIDE + STAFF + SOMEONE_ELSES if r[0] == "GET"]
    answers = _answers(client, routes, "", **sued)
    # the old coverage CSV leads to the report's
    assert answers.pop(("GET", "/manage/coverage.csv"), None) in (302, None)
    assert {route: status for route, status in answers.items() if status != 200} == {}


@pytest.mark.parametrize("email", ["volunteer@example.org", "department@example.org"])
def test_volunteers_and_departments_are_refused_the_management_area(client, demo, email):
    login(client, email)
    answers = _answers(client, STAFF, token_from(client, "/"))
    assert {route: status for route, status in answers.items() if status != 403} == {}


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    for method, url in STAFF + CITY_WIDE:
        response = client.get(url) if method == "GET" else client.post(url, data={})
        # a post without a CSRF token is refused (400) before anything else
        assert response.status_code in (302, 400), (method, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_posts_without_csrf_token_are_refused(client, demo):
    login(client, "manager@example.org")
    assert client.post("/manage/rooms/nord-gr", data={"name": "x"}).status_code == 400


@pytest.mark.parametrize("email", ["manager@example.org", "coordinator@example.org"])
def test_a_crawl_of_the_management_pages_finds_no_500_and_nothing_of_other_houses(client, demo, sued, email):
    import html
    import re
    from collections import deque

    login(client, email)
    seen, queue = {}, deque(["/manage/"])
    while queue and len(seen) < 80:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        if email.startswith("manager"):
            assert "Heizung" not in page and "/manage/rooms/sued" not in page, url
        for link in re.findall(r'href="([^"#]+)', page):
            link = html.unescape(link)
            if link.startswith(("/manage", "/booking-changes")) and link not in seen:
                queue.append(link)
    assert {u: s for u, s in seen.items() if s >= 500} == {}
    assert len(seen) >= 7
    assert (f"/manage/changes/{sued['change']}" in seen) == email.startswith("coordinator")
