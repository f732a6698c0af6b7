"""The repair is chosen for all series together: where two series compete for the one place that fits the
second, the first takes another; a series with no place in its house goes to a nearby accommodation with the
way there named; a provider is never proposed at a time they are busy elsewhere. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook.booking.occurrences import materialise
from roombook.booking.service import book_room
from roombook.changes import deciding
from roombook.changes.recording import record_closure
from roombook.models import OutboxMessage
from roombook.models.settings import put_setting
from roombook.solver.choose import choose_jointly
from tests.changes.conftest import CLOSED_FROM, CLOSED_TO, NOW
from tests.conftest import login
from tests.factories import local


def close(session, house):
    return record_closure(session, house["manager"], house["big"], CLOSED_FROM, CLOSED_TO,
                          "Verwaltung nutzt den Raum als Lager", "other_use").change


def _item(change, title):
    return next(item for item in change.items if item.title == title)


def test_the_solver_leaves_out_the_costlier_of_two_clashing_choices_only_when_it_must():
    # item 0 prefers candidate 0, which clashes with item 1's only candidate: both placed beats the cheaper one
    chosen = choose_jointly([[1, 5], [2]], [1000, 1000], [((0, 0), (1, 0))], time_limit=1).chosen
    assert chosen == [1, 0]
    # when leaving one out is cheaper than any way of placing both, the cheaper-to-lose one goes
    assert choose_jointly([[1], [2]], [1000, 10], [((0, 0), (1, 0))], time_limit=1).chosen == [0, None]


def test_two_series_competing_for_one_room_are_placed_together(session, house, make_offer):
    """The guaranteed office hours (2 people) would take the 16-seat room on Thursday, the only place and time
    the parents' group (10 people, its provider free Wednesday and Thursday 10:00–11:30) can go."""
    group = make_offer(house["big"], slots=(("wed", "10:00"),), title="Elterntreff", participants=10,
                       guaranteed=False)
    group.providers[0].available = [{"day": "wed", "from": "10:00", "to": "11:30"},
                                    {"day": "thu", "from": "10:00", "to": "11:30"}]
    materialise(session, group.sessions[0], dt.date(2027, 4, 30), now=NOW)
    for day in (10, 17, 24):  # the 16-seat room is taken on the Wednesdays
        book_room(session, house["coordinator"], house["medium"], local(2027, 3, day, 10), local(2027, 3, day, 12),
                  "Hausversammlung", now=NOW)
    change = close(session, house)
    hours, parents = _item(change, "Sprechstunde"), _item(change, "Elterntreff")
    assert parents.proposal is not None and parents.proposal["room_id"] == house["medium"].id
    assert parents.proposal["local_start"] == "10:00" and parents.proposal["shift"] == 1
    assert hours.proposal is not None and hours.proposal["room_id"] == house["small"].id
    assert hours.proposal["tier"] == "room"
    # no option offered to one series is the time the other was given
    for option in hours.options:
        assert not (option["room_id"] == house["medium"].id and set(option["starts"]) & set(
            parents.proposal["starts"]))


def test_a_series_with_no_place_in_its_house_goes_to_a_nearby_one_with_the_way_named(
        session, house, make_accommodation, make_room, make_user, client):
    mitte = make_accommodation(key="mitte", name="Unterkunft Mitte")
    hall = make_room(mitte, key="mitte-saal", name="Saal", capacity=20, features=["whiteboard"])
    far = make_accommodation(key="west", name="Unterkunft West")
    make_room(far, key="west-saal", name="Saal West", capacity=30, features=["whiteboard"])
    put_setting(session, "travel", [{"from": "nord", "to": "mitte", "minutes": 20},
                                    {"from": "west", "to": "nord", "minutes": 45}])
    change = close(session, house)
    course = _item(change, "Deutschkurs A1")  # 15 people and a whiteboard: nothing in Nord fits
    assert course.proposal is not None and course.proposal["tier"] == "elsewhere"
    assert course.proposal["room_id"] == hall.id and course.proposal["local_start"] == "09:00"
    assert course.proposal["travel_minutes"] == 20
    assert all(option["room"] != "west-saal" for option in course.options)  # 45 minutes is not nearby
    # what fits at home never goes elsewhere
    assert _item(change, "Sprechstunde").proposal["tier"] == "room"
    session.flush()
    login(client, "manager@example.org", "secret-pw")
    page = client.get(f"/manage/changes/{change.id}").get_data(as_text=True)
    assert "Saal (20 Plätze), Unterkunft Mitte, 20 Minuten Weg" in " ".join(page.split())
    # applied, the house that takes the course in is told of it (and of nothing else of the change)
    host = make_user("facility_manager", email="mitte-leitung@example.org")
    host.accommodations.append(mitte)
    session.flush()
    deciding.apply_change(session, house["manager"], change, [], base_url="http://rb.test/")
    told = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == host.email)).all()
    assert len(told) == 1 and "Deutschkurs A1" in told[0].body and "Sprechstunde" not in told[0].body


def test_a_provider_is_never_proposed_at_a_time_they_are_busy_elsewhere(session, house, make_offer):
    provider = house["hours"].providers[0]
    # a second offer of theirs holds the medium room on Thursdays at 10:00, the office hours' own time
    other = make_offer(house["medium"], slots=(("thu", "10:00"),), title="Beratung", participants=2)
    other.sessions[0].provider = provider
    materialise(session, other.sessions[0], dt.date(2027, 4, 30), now=NOW)
    change = close(session, house)
    item = _item(change, "Sprechstunde")
    assert item.proposal is not None
    for slot in [item.proposal, *item.options]:
        for start in slot["starts"]:
            begins = dt.datetime.fromisoformat(start).astimezone(house["big"].tz)
            busy_from = begins.replace(hour=10, minute=0)
            overlaps = begins.weekday() == 3 and begins < busy_from + dt.timedelta(minutes=90) \
                and busy_from < begins + dt.timedelta(minutes=90)
            assert not overlaps, slot
