"""A room taken "until further notice": every materialised date from the start on is hit, the series move for
good (dates the horizon adds later follow the new slot), the room stays closed for new bookings however far
ahead, and the API, command line and pages say "bis auf Weiteres". On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from roombook.booking.errors import RoomClosed
from roombook.booking.occurrences import extend_horizon
from roombook.booking.service import book_room
from roombook.changes import deciding
from roombook.changes.recording import record_closure
from roombook.models import BookingSeries, Conflict, Occurrence, OfferSession
from roombook.models.offers import OccurrenceStatus
from tests.changes.conftest import CLOSED_FROM, NOW
from tests.conftest import login
from tests.factories import local

UNTIL = dt.date(2027, 12, 31)


@pytest.fixture
def lasting(session, house):
    """The office hours run all year (the course ends with April, as in the shared world)."""
    house["hours"].valid_until = UNTIL
    house["hours"].sessions[0].valid_until = UNTIL
    session.flush()
    return house


def close_for_good(session, house):
    return record_closure(session, house["manager"], house["big"], CLOSED_FROM, None,
                          "Verwaltung nutzt den Raum als Büro", "other_use").change


def _item(change, title):
    return next(item for item in change.items if item.title == title)


def test_an_open_ended_closure_hits_every_materialised_date_from_its_start(session, lasting):
    change = close_for_good(session, lasting)
    assert change.open_ended and change.end is None and change.closure_id is not None
    hours = _item(change, "Sprechstunde")
    # the office hours were materialised to the end of April: every Thursday from 11 March on
    assert len(hours.hits) == 8
    assert hours.proposal is not None and len(hours.proposal["starts"]) == 8
    assert len(_item(change, "Gesprächsgruppe").hits) == 4


def test_applying_moves_the_weekly_slot_for_good_and_later_weeks_follow_it(session, lasting):
    change = close_for_good(session, lasting)
    hours = _item(change, "Sprechstunde")
    old_slot = session.get(OfferSession, hours.offer_session_id)
    target = hours.proposal["room_id"]
    course = _item(change, "Deutschkurs A1")
    deciding.apply_change(session, lasting["manager"], change, [{"item": course.id, "action": "cancel"}], now=NOW)
    # the old slot ends before the first moved date; a new one holds the new place from then on
    assert old_slot.valid_until == dt.date(2027, 3, 10)
    new_slot = session.get(OfferSession, hours.offer_session_id)
    assert new_slot.id != old_slot.id and new_slot.room_id == target and new_slot.valid_from == dt.date(2027, 3, 11)
    assert new_slot.sequence > 0 and new_slot.valid_until == UNTIL
    moved = session.scalars(sa.select(Occurrence).where(Occurrence.offer_session_id == new_slot.id)).all()
    assert len(moved) == 8 and {o.room_id for o in moved} == {target}
    assert all(o.status == OccurrenceStatus.SCHEDULED and o.original_start == o.starts_at for o in moved)
    # the course gives the slot up: it ends the day before its first lost Monday
    assert lasting["course"].sessions[0].valid_until == dt.date(2027, 3, 7)
    # a volunteer's series names its new room
    series = session.get(BookingSeries, _item(change, "Gesprächsgruppe").booking_series_id)
    assert series.room_id == _item(change, "Gesprächsgruppe").chosen["room_id"]

    # the horizon moves on: the new weeks are the new slot's, none is made (and cancelled) in the closed room
    added = extend_horizon(session, NOW.date(), 30, now=NOW)
    assert added > 0
    later = session.scalars(sa.select(Occurrence).where(Occurrence.offer_session_id == new_slot.id)).all()
    assert len(later) > 8 and {o.room_id for o in later} == {target}
    assert all(o.status == OccurrenceStatus.SCHEDULED or o.reason.startswith("Feiertag") for o in later)
    # in the closed room only the course's dates it took back then (cancelled): nothing new was made there
    assert session.scalar(sa.select(sa.func.count()).select_from(Occurrence).where(
        Occurrence.room_id == lasting["big"].id, Occurrence.starts_at >= CLOSED_FROM)) == len(course.hits)
    assert session.scalar(sa.select(sa.func.count()).select_from(Conflict).where(
        Conflict.kind == "closure_hit")) == 0


def test_the_room_stays_closed_for_bookings_far_beyond_the_horizon(session, lasting):
    close_for_good(session, lasting)
    # June lies past the dates materialised (to the end of April) and within the room's 120 days of booking ahead
    with pytest.raises(RoomClosed) as refused:
        book_room(session, lasting["volunteer"], lasting["big"], local(2027, 6, 8, 10), local(2027, 6, 8, 11),
                  "Nachhilfe", now=NOW)
    assert "Büro" in str(refused.value)


def test_a_volunteer_who_takes_another_option_moves_their_series_there(session, lasting):
    change = close_for_good(session, lasting)
    group = _item(change, "Gesprächsgruppe")
    assert group.options
    cancel_course = {"item": _item(change, "Deutschkurs A1").id, "action": "cancel"}
    deciding.apply_change(session, lasting["manager"], change,
                          [cancel_course, {"item": group.id, "action": "ask_volunteer"}], now=NOW)
    deciding.answer(session, lasting["volunteer"], group, "option", 0, now=NOW)
    assert session.get(BookingSeries, group.booking_series_id).room_id == group.options[0]["room_id"]


def test_the_api_takes_a_null_end_and_answers_it_as_open_ended(client, lasting, bearer):
    headers = bearer(lasting["manager"])
    answer = client.post("/api/v1/closures", headers=headers, json={
        "room": lasting["big"].id, "start": CLOSED_FROM.isoformat(), "end": None, "kind": "other_use",
        "reason": "Verwaltung nutzt den Raum als Büro"})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["closure"]["end"] is None and body["closure"]["open_ended"] is True
    assert body["change"]["end"] is None and body["change"]["open_ended"] is True
    assert client.get(answer.headers["Location"], headers=headers).get_json()["closure"]["end"] is None


def test_the_command_line_without_to_closes_until_further_notice(app, lasting, session):
    result = app.test_cli_runner().invoke(args=[
        "closures", "create", "--room", "nord-gr", "--from", "2027-03-08T00:00", "--kind", "other_use",
        "--reason", "Büro", "--as", "manager@example.org"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["closure"]["end"] is None and printed["change"]["open_ended"] is True


def test_the_pages_say_bis_auf_weiteres(client, lasting, session):
    change = close_for_good(session, lasting)
    session.flush()
    login(client, "manager@example.org", "secret-pw")
    page = client.get(f"/manage/changes/{change.id}").get_data(as_text=True)
    assert "bis auf Weiteres" in page and "9000" not in page
    room = client.get("/manage/rooms/nord-gr").get_data(as_text=True)
    assert "bis auf Weiteres" in room and "9000" not in room
    listed = client.get("/manage/changes").get_data(as_text=True)
    assert "bis auf Weiteres" in listed and "9000" not in listed
    # residents: a week far beyond the horizon shows the room closed, never the reason
    public = client.get("/accommodations/nord/offers?week=2028-06-05&lang=de").get_data(as_text=True)
    assert "Gemeinschaftsraum" in public and "Büro" not in public


def test_the_feeds_keep_the_room_closed_beyond_the_horizon_and_follow_the_moved_slot(session, lasting):
    from roombook.feeds.catalogue import build_feed, room_feed
    from tests.feeds.conftest import expand_python

    june = (dt.datetime(2027, 6, 1, tzinfo=dt.timezone.utc), dt.datetime(2027, 7, 1, tzinfo=dt.timezone.utc))

    def thursdays(room):
        body = build_feed(session, room_feed(room), NOW.date(), "Europe/Berlin", "roombook")
        return [start for _uid, start, *_rest in expand_python(body, *june)]

    assert len(thursdays(lasting["big"])) == 4  # before: the office hours every Thursday of June
    change = close_for_good(session, lasting)
    assert thursdays(lasting["big"]) == []  # undecided: past the horizon the closed room shows nothing either
    hours = _item(change, "Sprechstunde")
    deciding.apply_change(session, lasting["manager"], change,
                          [{"item": _item(change, "Deutschkurs A1").id, "action": "cancel"}], now=NOW)
    target = session.get(OfferSession, hours.offer_session_id).room
    assert thursdays(lasting["big"]) == [] and len(thursdays(target)) == 4


def test_weeks_the_horizon_adds_while_the_change_is_undecided_join_it_not_the_inbox(session, lasting):
    from roombook.changes.recording import absorb_new_dates

    change = close_for_good(session, lasting)
    hours = _item(change, "Sprechstunde")
    extend_horizon(session, NOW.date(), 20, now=NOW)  # the horizon moves on before anyone decided
    opened = session.scalar(sa.select(sa.func.count()).select_from(Conflict).where(Conflict.status == "open"))
    assert opened > 0  # one per new Thursday, as the engine files them
    assert absorb_new_dates(session, now=NOW) == opened
    assert session.scalar(sa.select(sa.func.count()).select_from(Conflict).where(Conflict.status == "open")) == 0
    assert len(hours.hits) == 8 + opened and len(hours.proposal["starts"]) == len(hours.hits)
    deciding.apply_change(session, lasting["manager"], change,
                          [{"item": _item(change, "Deutschkurs A1").id, "action": "cancel"}], now=NOW)
    slot = session.get(OfferSession, hours.offer_session_id)
    assert session.scalar(sa.select(sa.func.count()).select_from(Occurrence).where(
        Occurrence.offer_session_id == slot.id)) == len(hours.hits)
