"""A facility manager's plan run stays in their houses, and its report agrees with the coverage page: the dated
gaps a closure leaves are named, and the minimums nobody in the house can meet go to the coordinators."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook.booking import book_room, rooms
from roombook.booking.recurrence import to_utc
from roombook.coordination import coverage
from roombook.models import (
    Accommodation,
    Booking,
    Conflict,
    Occurrence,
    Offer,
    OfferSession,
    OutboxMessage,
    Provider,
    Room,
    User,
)
from roombook.planning import report
from roombook.planning import runs as plan_runs
from tests.conftest import login
from tests.dates import quiet_monday
from tests.manage.conftest import TODAY, token_from

TIME_LIMIT = 15
HORIZON_WEEKS = 6
MINE, OTHERS = ("mitte", "nord"), ("sued", "west")


def _user(session, email) -> User:
    return session.scalar(sa.select(User).where(User.email == email))


def _places(session, keys) -> list[Accommodation]:
    return list(session.scalars(sa.select(Accommodation).where(Accommodation.key.in_(keys))))


def _elsewhere(session) -> dict[str, list[tuple]]:
    """Everything the other houses hold that a plan run could change, and what is mailed about them."""
    ids = [a.id for a in _places(session, OTHERS)]
    names = [a.name for a in _places(session, OTHERS)]
    other_people = [u.email for u in session.scalars(sa.select(User).where(User.role == "facility_manager"))
                    if any(a.id in ids for a in u.accommodations)]
    session.flush()
    return {
        "offer sessions": session.execute(
            sa.select(OfferSession.id, OfferSession.day, OfferSession.start, OfferSession.room_id,
                      OfferSession.provider_id, OfferSession.valid_from, OfferSession.valid_until,
                      OfferSession.sequence).join(OfferSession.offer)
            .where(Offer.accommodation_id.in_(ids)).order_by(OfferSession.id)).all(),
        "occurrences": session.execute(
            sa.select(Occurrence.id, Occurrence.room_id, Occurrence.starts_at, Occurrence.ends_at,
                      Occurrence.status, Occurrence.sequence).join(Occurrence.room)
            .where(Room.accommodation_id.in_(ids)).order_by(Occurrence.id)).all(),
        "bookings": session.execute(sa.select(Booking.id, Booking.status, Booking.starts_at).join(Booking.room)
                                    .where(Room.accommodation_id.in_(ids)).order_by(Booking.id)).all(),
        "conflicts": session.execute(sa.select(Conflict.id, Conflict.kind, Conflict.status, Conflict.summary)
                                     .where(Conflict.accommodation_id.in_(ids)).order_by(Conflict.id)).all(),
        "outbox": [(m.id, m.recipient, m.subject) for m in session.scalars(
            sa.select(OutboxMessage).order_by(OutboxMessage.id))
            if m.recipient in other_people or any(name in m.subject + m.body for name in names)],
    }


@pytest.fixture
def city(demo, make_user):
    """The demo city with a manager of Süd and West too (so mail to them would show), a volunteer's booking in
    West, and two changes of the departments' hours: Fachbereich Soziales no longer comes on Mondays (Nord's
    office hour must move) and the Ausländerbehörde no longer on Thursdays (West's office hour cannot stay)."""
    make_user("facility_manager", email="sued-west@example.org", accommodations=_places(demo, OTHERS))
    volunteer = _user(demo, "volunteer@example.org")
    west = demo.scalar(sa.select(Room).where(Room.key == "west-gr"))
    monday = quiet_monday(TODAY)
    start = to_utc(dt.datetime.combine(monday + dt.timedelta(days=4), dt.time(16)), west.tz)
    book_room(demo, volunteer, west, start, start + dt.timedelta(hours=2), "Nähcafé")
    for key, day in (("fb-soziales", "mon"), ("fb-auslaender", "thu")):
        provider = demo.scalar(sa.select(Provider).where(Provider.key == key))
        provider.available = [w for w in provider.available if w["day"] != day]
    demo.flush()
    return demo


def _manager_run(session) -> plan_runs.PlanRun:
    manager = _user(session, "manager@example.org")
    run = plan_runs.start_run(session, manager, [a.key for a in manager.accommodations], time_limit=TIME_LIMIT)
    return plan_runs.run_now(session, run, "Europe/Berlin", TIME_LIMIT)


def test_a_managers_run_changes_nothing_outside_their_houses(city):
    before = _elsewhere(city)
    run = _manager_run(city)
    assert run.status == "done"
    preview = plan_runs.run_preview(city, run, TODAY, horizon_weeks=HORIZON_WEEKS)
    assert {row["accommodation"] for row in preview.unmet} <= set(MINE)
    assert not [row for row in preview.unplaced if row["offer"].startswith(OTHERS)]
    assert {group.place.key for group in preview.gaps} <= set(MINE)
    published = plan_runs.publish_run(city, _user(city, "manager@example.org"), run, today=TODAY,
                                      horizon_weeks=HORIZON_WEEKS, base_url="http://rb.test/")
    assert sorted(c.offer for c in published.changes) == ["nord-auslaender", "nord-sprechstunde"]  # its own do
    assert _elsewhere(city) == before


def test_a_managers_plan_neither_lists_nor_moves_another_house(city):
    """West's office hour cannot stay on Thursday: the city's run moves it; the manager's run, in which it is
    pinned where it is, neither lists it nor ends it."""
    run = _manager_run(city)
    assert run.plan["scope"] == list(MINE)
    assert all(row["offer"].startswith(MINE) for row in run.plan["sessions"] + run.plan["unplaced"])
    assert all(row["accommodation"] in MINE for row in run.plan["unmet_requirements"])
    coordinator = _user(city, "coordinator@example.org")
    city_run = plan_runs.run_now(city, plan_runs.start_run(city, coordinator, [], time_limit=TIME_LIMIT),
                                 "Europe/Berlin", TIME_LIMIT)
    moved = plan_runs.run_preview(city, city_run, TODAY, horizon_weeks=HORIZON_WEEKS).changes
    assert "west-sprechstunde" in {c.offer for c in moved}  # the city's run does move it


def test_a_manager_cannot_start_a_run_for_houses_they_do_not_run(city):
    manager = _user(city, "manager@example.org")
    for scope in (["west"], ["nord", "sued"], []):
        with pytest.raises(plan_runs.RunRefused, match="eigenen Unterkünfte"):
            plan_runs.start_run(city, manager, scope, time_limit=5)


@pytest.fixture
def closed_week(demo):
    """Nord's Gemeinschaftsraum closed for a whole quiet week: the language course (Mon, Wed) and the daily-life
    course (Thu) fall out there, while the weekly plan stays as it is."""
    manager = _user(demo, "manager@example.org")
    room = demo.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    monday = quiet_monday(TODAY)
    rooms.apply_closure(demo, manager, room, to_utc(dt.datetime.combine(monday, dt.time(7)), room.tz),
                        to_utc(dt.datetime.combine(monday + dt.timedelta(days=5), dt.time(21)), room.tz),
                        "Wasserschaden")
    demo.flush()
    return monday


def test_a_run_after_a_closure_names_the_gap_the_coverage_page_shows(demo, closed_week):
    run = _manager_run(demo)
    preview = plan_runs.run_preview(demo, run, TODAY, horizon_weeks=HORIZON_WEEKS)
    assert preview.changes == []  # "0 changes" …
    nord = {(g.category, c.week): c for g in preview.gaps if g.place.key == "nord" for c in g.cells}
    cell = nord[("language_course", closed_week)]  # … and yet the language course is 0/180 that week
    assert (cell.planned, cell.required, cell.cancelled) == (0, 180, 180)
    assert (nord[("daily_life_course", closed_week)].planned, nord[("daily_life_course", closed_week)].required) \
        == (0, 90)
    first, weeks = report.report_weeks(demo, TODAY, TODAY + dt.timedelta(weeks=HORIZON_WEEKS))
    page = coverage.coverage(demo, first, weeks)  # the coverage page's numbers for the same weeks
    expected = {(c.accommodation.key, c.category, c.week, c.planned, c.required) for c in page.gaps()
                if c.accommodation.key in MINE}
    assert {(g.place.key, c.category, c.week, c.planned, c.required) for g in preview.gaps for c in g.cells} \
        == expected


def test_the_run_page_reads_the_gap_and_publishing_tells_the_coordinator(app, client, demo, closed_week,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "ROOMBOOK_HORIZON_WEEKS", HORIZON_WEEKS)
    run = _manager_run(demo)
    login(client, "manager@example.org")
    page = client.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    sunday = closed_week + dt.timedelta(days=6)
    assert "Änderungen am Wochenplan: 0." in page and "Kein fester Termin bewegt sich, und jeder" not in page
    assert "Unterkunft Nord · Sprachkurs" in page
    assert (f"Woche vom {closed_week:%d.%m.%Y} bis {sunday:%d.%m.%Y}: 0 von 180 Minuten (180 Minuten ausgefallen)"
            in page)
    assert "Unterkunft Süd" not in page and "Unterkunft West" not in page
    response = client.post(f"/manage/plans/{run.id}/publish",
                           data={"csrf_token": token_from(client, f"/manage/plans/{run.id}")}, follow_redirects=True)
    assert "Die Koordination ist über die offenen Mindestumfänge informiert." in response.get_data(as_text=True)
    demo.expire_all()
    assert demo.scalars(sa.select(Conflict).where(Conflict.kind == "requirement_unmet")).all() == []
    notice = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "coordinator@example.org",
                                                         OutboxMessage.kind == report.NOTICE_KIND))
    assert notice.subject == "Mindestumfang nicht erfüllt: Unterkunft Mitte, Unterkunft Nord"
    assert "- Unterkunft Nord · Sprachkurs\n" in notice.body
    assert f"Woche vom {closed_week:%d.%m.%Y} bis {sunday:%d.%m.%Y}: 0 von 180 Minuten" in notice.body
    assert "West" not in notice.body and "Süd" not in notice.body
    assert not demo.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "manager@example.org",
                                                           OutboxMessage.kind == report.NOTICE_KIND)).all()


def test_the_same_gaps_are_not_told_twice(demo, closed_week):
    run = _manager_run(demo)
    manager = _user(demo, "manager@example.org")
    first = plan_runs.publish_run(demo, manager, run, today=TODAY, horizon_weeks=HORIZON_WEEKS)
    again = plan_runs.publish_run(demo, manager, _manager_run(demo), today=TODAY, horizon_weeks=HORIZON_WEEKS)
    assert first.told == ["coordinator@example.org"] and again.gaps and again.told == []
    english = _user(demo, "admin@example.org")
    english.role, english.language = "coordinator", "en"
    demo.flush()
    third = plan_runs.publish_run(demo, manager, _manager_run(demo), today=TODAY, horizon_weeks=HORIZON_WEEKS)
    assert third.told == ["admin@example.org"]
    notice = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "admin@example.org"))
    assert notice.subject == "Minimum not met: Unterkunft Mitte, Unterkunft Nord"
    assert "- Unterkunft Nord · Language course\n" in notice.body and "minutes cancelled" in notice.body


def test_a_run_points_each_gap_a_room_change_leaves_to_that_change(app, client, demo, monkeypatch):
    """The same closure recorded as a room change (the manager's way): the run's gap for Nord's language course
    names the change, on the page (a link to decide it), in the API's preview and in the coordinator's notice."""
    from roombook.changes.recording import record_closure

    monkeypatch.setitem(app.config, "ROOMBOOK_HORIZON_WEEKS", HORIZON_WEEKS)
    manager = _user(demo, "manager@example.org")
    room = demo.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    monday = quiet_monday(TODAY)
    change = record_closure(demo, manager, room, to_utc(dt.datetime.combine(monday, dt.time(7)), room.tz),
                            to_utc(dt.datetime.combine(monday + dt.timedelta(days=5), dt.time(21)), room.tz),
                            "Verwaltung nutzt den Raum als Lager", "other_use").change
    demo.flush()
    run = _manager_run(demo)
    preview = plan_runs.run_preview(demo, run, TODAY, horizon_weeks=HORIZON_WEEKS)
    language = next(g for g in preview.gaps if g.place.key == "nord" and g.category == "language_course")
    assert language.changes == [change]
    assert all(not g.changes for g in preview.gaps if g.place.key != "nord")
    login(client, "manager@example.org")
    page = client.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    assert f'href="/manage/changes/{change.id}"' in page and "sie kommt aus einer Raumänderung" in page
    published = plan_runs.publish_run(demo, manager, run, today=TODAY, horizon_weeks=HORIZON_WEEKS,
                                      base_url="http://rb.test/")
    assert published.told == ["coordinator@example.org"]
    notice = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "coordinator@example.org",
                                                         OutboxMessage.kind == report.NOTICE_KIND))
    assert f"http://rb.test/manage/changes/{change.id}" in notice.body


def test_a_run_after_a_room_is_taken_for_good_plans_nothing_into_it(demo):
    """Nord's big room taken until further notice: the manager's run moves its weekly slots out (the re-plan of
    those series) and places nothing there."""
    from roombook.changes.recording import record_closure

    manager = _user(demo, "manager@example.org")
    room = demo.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    monday = quiet_monday(TODAY)
    record_closure(demo, manager, room, to_utc(dt.datetime.combine(monday, dt.time(7)), room.tz), None,
                   "Verwaltung nutzt den Raum als Büro", "other_use")
    demo.flush()
    run = _manager_run(demo)
    assert run.status == "done", run.error
    assert all(row["room"] != "nord-gr" for row in run.plan["sessions"])
    preview = plan_runs.run_preview(demo, run, TODAY, horizon_weeks=HORIZON_WEEKS)
    assert any(c.before and c.before["room"] == "nord-gr" for c in preview.changes)
