"""User-provided text is escaped everywhere: a slot titled `<script>…` (and names, reasons, offers, a
volunteer's note with markup) is checked on every GET route of the app, for each kind of visitor, and in
every feed.

The routes come from the URL map, so pages added later are covered without touching this test.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from markupsafe import escape
from werkzeug.routing import AnyConverter, IntegerConverter

from roombook import clock
from roombook.booking import book_room
from roombook.booking.occurrences import add_closure, materialise
from roombook.changes import deciding
from roombook.changes.recording import record_closure
from roombook.coordination.volunteers import save_profile
from roombook.models import Conflict, HelpAsk, HelpRequest
from tests.conftest import login
from tests.hardening.conftest import PASSWORD

EVIL = '<script>alert("x")</script>'
EVIL_ICAL = EVIL + "\r\nBEGIN:VEVENT\r\nSUMMARY:injected"


@pytest.fixture
def evil_world(session, world, make_offer):
    place = world.room_a.accommodation
    place.name = "Haus " + EVIL
    world.room_a.name = "Raum " + EVIL
    today = clock.today()
    offer = make_offer(room=world.room_a, title="Kurs " + EVIL, description=EVIL, valid_from=today,
                       valid_until=today + dt.timedelta(days=28))
    offer.providers[0].name = "Anbieter " + EVIL
    materialise(session, offer.sessions[0], today + dt.timedelta(days=28))
    volunteer = world.users["volunteer"]
    volunteer.display_name = "Vol " + EVIL
    start = dt.datetime.combine(today + dt.timedelta(days=3), dt.time(18), tzinfo=world.room_a.tz)
    booking = book_room(session, volunteer, world.room_a, start, start + dt.timedelta(hours=1), EVIL_ICAL)
    # wishes that the booking (18:00) lies outside of, so the overview of volunteers lists it with its title
    save_profile(session, volunteer, languages=["de"], skills=["language_course"], accommodation_ids=[place.id],
                 available=[{"day": "mon", "from": "08:00", "to": "09:00"}], max_hours=1, note="Notiz " + EVIL)
    closure_start = start + dt.timedelta(days=1)
    add_closure(session, world.users["admin"], world.room_a, closure_start, closure_start + dt.timedelta(hours=2),
                "Wasserschaden " + EVIL)
    conflict = Conflict(kind="displaced_booking", accommodation=place, room_id=world.room_a.id,
                        booking_id=booking.id, summary="Konflikt " + EVIL, alternatives=[])
    session.add(conflict)
    session.flush()
    # room changes with markup in their reason and series: one still to decide (its page lists the choices),
    # one whose volunteer is asked (the notice on every page of theirs, and the page of the question)
    changes = []
    for days in (5, 6):
        group = start + dt.timedelta(days=days)
        book_room(session, volunteer, world.room_a, group, group + dt.timedelta(hours=1), "Gruppe " + EVIL)
        changes.append(record_closure(session, world.users["admin"], world.room_a, group,
                                      group + dt.timedelta(hours=1), "Lager " + EVIL, "other_use").change)
    asked = changes[1].items[0]
    deciding.apply_change(session, world.users["admin"], changes[1], [{"item": asked.id, "action": "ask_volunteer"}],
                          base_url="http://localhost/")
    # a request for help the volunteer declined with markup in their message (their page, the coordinator's)
    help_request = HelpRequest(accommodation=place, category="counselling", week=clock.week_of(today), minutes=60,
                               asked_by_id=world.users["admin"].id)
    help_ask = HelpAsk(request=help_request, volunteer_id=volunteer.id, status="declined",
                       message="Nachricht " + EVIL, answered_at=clock.now())
    session.add_all([help_request, help_ask])
    session.flush()
    values = {"booking_id": booking.id, "conflict_id": conflict.id, "offer": offer, "category": offer.category,
              "change_id": changes[0].id, "item_id": asked.id, "request_id": help_request.id,
              "ask_id": help_ask.id}
    try:
        from roombook.feeds.tokens import create_feed_token

        _token, values["secret"] = create_feed_token(session, volunteer, "volunteer", "Mein " + EVIL)
    except ImportError:
        pass
    session.flush()
    return world, values


def _value(rule, name, converter, world, values):
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if name == "key":
        if "/offers/" in rule.rule:
            return values["offer"].key
        if "/rooms/" in rule.rule or "/room/" in rule.rule:
            return world.room_a.key
        return world.room_a.accommodation.key
    if name in values:
        return values[name]
    if name.endswith("_id") and isinstance(converter, IntegerConverter):
        return values.get(name, 1)
    return "x"


def _urls(app, world, values):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = {name: _value(rule, name, conv, world, values) for name, conv in rule._converters.items()}
        yield rule.rule, rule.build(args, append_unknown=False)[1]


@pytest.mark.parametrize("visitor", ["anonymous", "volunteer", "admin", "manager_a"])
def test_markup_in_user_text_is_escaped_on_every_page_and_feed(app, client, evil_world, visitor):
    world, values = evil_world
    if visitor != "anonymous":
        login(client, world.users[visitor].email, PASSWORD)
    headers = world.headers.get(visitor, {})
    shown = []
    for rule, url in _urls(app, world, values):
        with client.get(url, headers=headers if url.startswith("/api/") else {}) as answer:
            body = answer.get_data(as_text=True)
            mimetype = answer.mimetype
        assert answer.status_code < 500, (url, answer.status_code)
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        if "alert(" not in body:
            continue
        shown.append((rule, mimetype))
        if mimetype == "text/html":
            assert EVIL not in body, url
            assert re.search(r"<script[^>]*>alert", body) is None, url
        elif mimetype in ("application/json", "application/problem+json"):
            json.loads(body)  # markup is only ever a JSON string value here
        elif mimetype == "text/calendar":
            lines = body.replace("\r\n ", "").split("\r\n")  # unfold, then one property per line
            assert "SUMMARY:injected" not in lines, url
            assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT"), url
        elif mimetype == "text/csv":
            continue  # a download, never rendered as a page
        else:
            pytest.fail(f"{url}: user text served as {mimetype}")
    # The markup must actually have been shown somewhere, or this test checks nothing.
    kinds = {mimetype for _rule, mimetype in shown}
    expected = {"text/html", "text/calendar"} | ({"application/json"} if headers else set())
    assert expected <= kinds, shown


@pytest.mark.parametrize("visitor,url", [("volunteer", "/my/profile"), ("admin", "/manage/volunteers"),
                                         ("coordinator", "/manage/volunteers")])
def test_a_volunteers_profile_and_deployment_are_shown_escaped(client, evil_world, visitor, url):
    """The note, the wished places and the titles of what lies outside the wishes are all shown, as text."""
    world, _values = evil_world
    login(client, world.users[visitor].email, PASSWORD)
    answer = client.get(url)
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert EVIL not in body and re.search(r"<script[^>]*>alert", body) is None
    shown = [str(escape("Notiz " + EVIL)), str(escape("Haus " + EVIL))]
    if url == "/manage/volunteers":
        shown += [str(escape(EVIL_ICAL)), str(escape("Vol " + EVIL))]
    assert [text for text in shown if text not in body] == []


@pytest.mark.parametrize("visitor,url", [("admin", "/manage/changes/{change_id}"), ("admin", "/manage/changes"),
                                         ("volunteer", "/my/changes/{item_id}"), ("volunteer", "/my/bookings")])
def test_a_room_changes_reason_and_series_are_shown_escaped(client, evil_world, visitor, url):
    """The change's reason, its series' titles and the volunteer's name on the manager's pages; the series'
    title in the volunteer's notice and question."""
    world, values = evil_world
    login(client, world.users[visitor].email, PASSWORD)
    answer = client.get(url.format(**values))
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert EVIL not in body and re.search(r"<script[^>]*>alert", body) is None
    shown = [str(escape("Gruppe " + EVIL)), str(escape("Raum " + EVIL))]
    if url.startswith("/manage/changes/"):
        shown += [str(escape("Lager " + EVIL)), str(escape("Vol " + EVIL))]
    assert [text for text in shown if text not in body] == []
