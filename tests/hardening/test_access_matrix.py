"""Every role × every API endpoint, including the other accommodation's objects by id (IDOR):
only what the role may do succeeds. A route missing from the matrix fails the test, so new
endpoints must say who may use them. Web forms: every POST refuses a request without CSRF token."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import login
from tests.hardening.conftest import PASSWORD, ROLES, a_training, slot

ANON = "anonymous"
EVERYONE = {r: 200 for r in ROLES}
STAFF_A = {"admin", "coordinator", "manager_a"}


def only(allowed: set[str], ok: int, otherwise: int) -> dict[str, int]:
    return {r: ok if r in allowed else otherwise for r in ROLES}


def _book_body(w, room, week):
    start, end = slot(week)
    return {"room": room.id, "start": start.isoformat(), "end": end.isoformat(), "title": "Treffen"}


# (rule, method, case name) → (function world → (url, json body or None), expected status per role)
CASES = {
    ("/api/v1/ping", "GET", "public"): (lambda w: ("/api/v1/ping", None), {**EVERYONE, ANON: 200}),
    ("/api/v1/openapi.json", "GET", "public"): (lambda w: ("/api/v1/openapi.json", None), {**EVERYONE, ANON: 200}),
    ("/api/v1/tokens", "POST", "wrong password"): (
        lambda w: ("/api/v1/tokens", {"email": w.users["volunteer"].email, "password": "wrong"}),
        {**{r: 401 for r in ROLES}, ANON: 401}),
    ("/api/v1/tokens", "GET", "own"): (lambda w: ("/api/v1/tokens", None), EVERYONE),
    ("/api/v1/tokens/<int:token_id>", "DELETE", "someone else's"): (
        lambda w: (f"/api/v1/tokens/{w.users['volunteer'].id and _token_id(w, 'other_volunteer')}", None),
        {**only({"admin", "other_volunteer"}, 200, 404)}),
    ("/api/v1/me", "GET", "self"): (lambda w: ("/api/v1/me", None), EVERYONE),
    ("/api/v1/me", "DELETE", "wrong password"): (lambda w: ("/api/v1/me", {"password": "wrong"}),
                                                 {r: 403 for r in ROLES}),
    ("/api/v1/me", "DELETE", "right password"): (lambda w: ("/api/v1/me", {"password": PASSWORD}),
                                                 {r: 204 for r in ROLES}),
    ("/api/v1/me/export", "GET", "self"): (lambda w: ("/api/v1/me/export", None), EVERYONE),
    ("/api/v1/users/<int:user_id>", "DELETE", "a volunteer"): (
        lambda w: (f"/api/v1/users/{w.users['other_volunteer'].id}", None), only({"admin"}, 204, 403)),
    ("/api/v1/accommodations", "GET", "all"): (lambda w: ("/api/v1/accommodations", None), EVERYONE),
    ("/api/v1/accommodations/<int:accommodation_id>", "GET", "B"): (
        lambda w: (f"/api/v1/accommodations/{w.room_b.accommodation_id}", None), EVERYONE),
    ("/api/v1/rooms", "GET", "all"): (lambda w: ("/api/v1/rooms", None), EVERYONE),
    ("/api/v1/rooms/<int:room_id>", "GET", "B"): (lambda w: (f"/api/v1/rooms/{w.room_b.id}", None), EVERYONE),
    ("/api/v1/rooms/<int:room_id>/availability", "GET", "B"): (
        lambda w: (f"/api/v1/rooms/{w.room_b.id}/availability", None), EVERYONE),
    ("/api/v1/free-slots", "GET", "all"): (lambda w: ("/api/v1/free-slots?weekdays=tue&after=18:00", None),
                                          EVERYONE),
    ("/api/v1/offers", "GET", "all"): (lambda w: ("/api/v1/offers", None), EVERYONE),
    ("/api/v1/offers/<int:offer_id>", "GET", "missing"): (lambda w: ("/api/v1/offers/2147483647", None),
                                                          {r: 404 for r in ROLES}),
    ("/api/v1/occurrences", "GET", "all"): (lambda w: ("/api/v1/occurrences", None), EVERYONE),
    ("/api/v1/occurrences/<int:occurrence_id>", "GET", "missing"): (
        lambda w: ("/api/v1/occurrences/2147483647", None), {r: 404 for r in ROLES}),
    ("/api/v1/bookings", "GET", "visible"): (lambda w: ("/api/v1/bookings", None), EVERYONE),
    ("/api/v1/bookings", "POST", "room in A"): (
        lambda w: ("/api/v1/bookings", _book_body(w, w.room_a, 1)), only(set(ROLES) - {"manager_b"}, 201, 403)),
    ("/api/v1/bookings", "POST", "room in B"): (
        lambda w: ("/api/v1/bookings", _book_body(w, w.room_b, 1)), only(set(ROLES) - {"manager_a"}, 201, 403)),
    ("/api/v1/booking-series", "POST", "room in A"): (
        lambda w: ("/api/v1/booking-series", {**_book_body(w, w.room_a, 1), "weeks": 2}),
        only(set(ROLES) - {"manager_b"}, 201, 403)),
    ("/api/v1/bookings/<int:booking_id>", "GET", "volunteer's in A"): (
        lambda w: (f"/api/v1/bookings/{w.booking_a.id}", None), only(STAFF_A | {"volunteer"}, 200, 404)),
    ("/api/v1/bookings/<int:booking_id>", "PATCH", "volunteer's in A"): (
        lambda w: (f"/api/v1/bookings/{w.booking_a.id}?scope=series", {"title": "Neu"}),
        only(STAFF_A | {"volunteer"}, 200, 404)),
    ("/api/v1/booking-series/<int:series_id>", "GET", "volunteer's in A"): (
        lambda w: (f"/api/v1/booking-series/{_series_a(w)}", None), only(STAFF_A | {"volunteer"}, 200, 404)),
    ("/api/v1/bookings/<int:booking_id>", "DELETE", "volunteer's in A"): (
        lambda w: (f"/api/v1/bookings/{w.booking_a.id}", None), only(STAFF_A | {"volunteer"}, 200, 404)),
    ("/api/v1/conflicts", "GET", "inbox"): (lambda w: ("/api/v1/conflicts", None),
                                            only(STAFF_A | {"manager_b"}, 200, 403)),
    ("/api/v1/conflicts/<int:conflict_id>", "GET", "in A"): (
        lambda w: (f"/api/v1/conflicts/{w.conflict_a.id}", None), only(STAFF_A, 200, 404)),
    ("/api/v1/conflicts/<int:conflict_id>/resolve", "POST", "in A"): (
        lambda w: (f"/api/v1/conflicts/{w.conflict_a.id}/resolve", {"action": "cancel", "note": "fällt aus"}),
        only(STAFF_A, 200, 404)),
    ("/api/v1/closures", "POST", "room in A"): (
        lambda w: ("/api/v1/closures", {"room": w.room_a.id, "start": slot(5)[0].isoformat(),
                                        "end": slot(5)[1].isoformat(), "kind": "maintenance", "reason": "Malerarbeiten"}),
        {**only(STAFF_A, 201, 403), "manager_b": 404}),
    ("/api/v1/changes", "GET", "list"): (lambda w: ("/api/v1/changes", None),
                                         only(STAFF_A | {"manager_b"}, 200, 403)),
    ("/api/v1/changes/<int:change_id>", "GET", "change in A"): (
        lambda w: (f"/api/v1/changes/{w.change_a.id}", None), only(STAFF_A, 200, 404)),
    ("/api/v1/changes/<int:change_id>/apply", "POST", "change in A"): (
        lambda w: (f"/api/v1/changes/{w.change_a.id}/apply",
                   {"decisions": [{"item": w.change_a.items[0].id, "action": "cancel"}]}), only(STAFF_A, 200, 404)),
    ("/api/v1/plan-runs", "GET", "list"): (lambda w: ("/api/v1/plan-runs", None),
                                           only(STAFF_A | {"manager_b"}, 200, 403)),
    ("/api/v1/plan-runs", "POST", "own houses"): (lambda w: ("/api/v1/plan-runs", {}),
                                                  only(STAFF_A | {"manager_b"}, 202, 403)),
    ("/api/v1/plan-runs/<int:run_id>", "GET", "run of A"): (
        lambda w: (f"/api/v1/plan-runs/{w.run_a.id}", None), {**only(STAFF_A, 200, 403), "manager_b": 404}),
    ("/api/v1/plan-runs/<int:run_id>/preview", "GET", "run of A (no plan yet)"): (
        lambda w: (f"/api/v1/plan-runs/{w.run_a.id}/preview", None), {**only(STAFF_A, 409, 403), "manager_b": 404}),
    ("/api/v1/plan-runs/<int:run_id>/publish", "POST", "run of A (not done)"): (
        lambda w: (f"/api/v1/plan-runs/{w.run_a.id}/publish", None), {**only(STAFF_A, 409, 403), "manager_b": 404}),
    ("/api/v1/plan-runs/<int:run_id>/discard", "POST", "failed run of A"): (
        lambda w: (f"/api/v1/plan-runs/{w.run_a.id}/discard", None), {**only(STAFF_A, 200, 403), "manager_b": 404}),
    ("/api/v1/reports/utilisation", "GET", "own houses"): (
        lambda w: ("/api/v1/reports/utilisation?group=room&period=month", None),
        only(STAFF_A | {"manager_b"}, 200, 403)),
    ("/api/v1/reports/coverage", "GET", "own houses"): (
        lambda w: ("/api/v1/reports/coverage?period=week", None), only(STAFF_A | {"manager_b"}, 200, 403)),
    ("/api/v1/feed-tokens", "GET", "own"): (lambda w: ("/api/v1/feed-tokens", None), EVERYONE),
    ("/api/v1/feed-tokens", "POST", "volunteer feed"): (
        lambda w: ("/api/v1/feed-tokens", {"scope": "volunteer"}), {r: 201 for r in ROLES}),
    ("/api/v1/feed-tokens/<int:token_id>/rotate", "POST", "volunteer's"): (
        lambda w: (f"/api/v1/feed-tokens/{w.feed_token.id}/rotate", None), only({"volunteer"}, 201, 404)),
    ("/api/v1/feed-tokens/<int:token_id>", "DELETE", "volunteer's"): (
        lambda w: (f"/api/v1/feed-tokens/{w.feed_token.id}", None), only({"volunteer"}, 200, 404)),
    ("/api/v1/trainings", "GET", "all"): (lambda w: ("/api/v1/trainings", None), EVERYONE),
    ("/api/v1/trainings", "POST", "at an outside place"): (
        lambda w: ("/api/v1/trainings", _training_body()), only({"admin", "coordinator"}, 201, 403)),
    ("/api/v1/trainings/<int:training_id>", "GET", "one"): (
        lambda w: (f"/api/v1/trainings/{a_training(w)[0]}", None), EVERYONE),
    ("/api/v1/trainings/<int:training_id>/signups", "POST", "oneself"): (
        lambda w: (f"/api/v1/trainings/{a_training(w, sign_up=False)[0]}/signups", None),
        only({"volunteer", "other_volunteer"}, 201, 403)),
    ("/api/v1/trainings/<int:training_id>/signups/<int:signup_id>", "DELETE", "volunteer's"): (
        lambda w: ("/api/v1/trainings/{}/signups/{}".format(*a_training(w)), None),
        only({"admin", "coordinator", "volunteer"}, 200, 404)),
    ("/api/v1/help-requests", "GET", "own"): (lambda w: ("/api/v1/help-requests", None), EVERYONE),
    ("/api/v1/help-requests/<int:ask_id>/answer", "POST", "other_volunteer's"): (
        lambda w: (f"/api/v1/help-requests/{_help_ask_b(w)}/answer", {"answer": "decline"}),
        only({"other_volunteer"}, 200, 404)),
}


def _training_body() -> dict:
    start, end = slot(6)
    return {"title": "Erste Hilfe", "seats": 2, "deadline": (start - dt.timedelta(days=1)).isoformat(),
            "sessions": [{"place": "DRK", "start": start.isoformat(), "end": end.isoformat()}]}


def _help_ask_b(w) -> int:
    """A request for help with a gap in B that asked other_volunteer (made for the case that answers it)."""
    import datetime as dt

    from roombook.db import db
    from roombook.models import HelpAsk, HelpRequest

    request = HelpRequest(accommodation_id=w.room_b.accommodation_id, category="counselling",
                          week=dt.date(2027, 3, 1), minutes=60, asked_by_id=w.users["coordinator"].id)
    ask = HelpAsk(request=request, volunteer_id=w.users["other_volunteer"].id, status="asked")
    db.session.add_all([request, ask])
    db.session.flush()
    return ask.id


def _series_a(w) -> int:
    """A weekly series of the volunteer's in A (made for the case that reads it)."""
    from roombook.booking import book_weekly
    from roombook.db import db

    start, end = slot(3)
    result = book_weekly(db.session, w.users["volunteer"], w.room_a, start, end, "Kurs", 2, book_rest=False)
    db.session.flush()
    return result.booked[0].series_id


def _token_id(w, role):
    from roombook.db import db
    from roombook.models import ApiToken

    return db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == w.users[role].id))


def _api_rules(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
            and rule.endpoint != "api.docs" for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_in_the_matrix(app):
    assert _api_rules(app) == {(rule, method) for rule, method, _case in CASES}


@pytest.mark.parametrize("role", [*ROLES, ANON])
@pytest.mark.parametrize("case", list(CASES), ids=[" ".join(c) for c in CASES])
def test_role_gets_exactly_what_it_may(client, world, case, role, monkeypatch):
    from roombook.planning import runs as plan_runs

    monkeypatch.setattr(plan_runs, "launch", lambda app_, run_id: None)  # queued is enough here
    make_request, expected = CASES[case]
    url, body = make_request(world)
    headers = world.headers.get(role, {})
    answer = client.open(url, method=case[1], headers=headers, json=body)
    want = expected.get(role, 401)
    assert answer.status_code == want, (case, role, answer.get_json())


def test_listing_bookings_shows_only_what_the_role_may_see(client, world):
    seen = {role: {b["id"] for b in client.get("/api/v1/bookings", headers=world.headers[role]).json["items"]}
            for role in ROLES}
    a, b = world.booking_a.id, world.booking_b.id
    assert seen == {"admin": {a, b}, "coordinator": {a, b}, "manager_a": {a}, "manager_b": {b},
                    "department": set(), "volunteer": {a}, "other_volunteer": {b}}


def test_export_holds_only_the_callers_data(client, world):
    export = client.get("/api/v1/me/export", headers=world.headers["volunteer"]).json
    assert [b["id"] for b in export["bookings"]] == [world.booking_a.id]
    assert export["user"]["email"] == world.users["volunteer"].email


def _fill(rule) -> str:
    """A URL for the rule with placeholder values: 1 for numbers, an allowed word for `any(...)`."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_form_post_refuses_a_missing_csrf_token(app, client, world):
    """Generated from the URL map: a POST to any page route without a CSRF token is refused (400)."""
    assert app.config.get("WTF_CSRF_ENABLED", True)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods
             and not rule.endpoint.startswith("api.")]
    assert posts, "no form routes found"
    for rule in posts:
        answer = client.post(_fill(rule), data={"title": "x"})
        assert answer.status_code == 400, (rule.rule, answer.status_code)


STAFF_PAGES = re.compile(r"^/manage")


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "department"])
def test_management_pages_are_closed_to_others(app, client, world, role):
    if role != "anonymous":
        login(client, world.users[role].email, PASSWORD)
    for rule in app.url_map.iter_rules():
        if STAFF_PAGES.match(rule.rule) and "GET" in rule.methods:
            answer = client.get(_fill(rule))
            assert answer.status_code in (302, 401, 403, 404), (rule.rule, role, answer.status_code)
            if answer.status_code == 302:
                assert "/login" in answer.headers["Location"]

