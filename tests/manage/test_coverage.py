"""The coordinator's coverage: planned weekly minutes against requirements, gaps first, CSV and print."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from roombook.booking import rooms
from roombook.clock import week_of
from roombook.coordination import coverage
from roombook.models import Accommodation, Occurrence, OfferSession, Room, User
from tests.conftest import login
from tests.dates import quiet_monday
from tests.manage.conftest import TODAY, token_from

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)

# two weeks without a public holiday or closure, so planned minutes are the weekly slots in both
NEXT_WEEK = quiet_monday(TODAY, span=2)


def _place(session, key):
    return session.scalar(sa.select(Accommodation).where(Accommodation.key == key))


def test_cells_compare_planned_with_required_minutes(demo):
    cov = coverage.coverage(demo, NEXT_WEEK, weeks=2)
    nord = _place(demo, "nord")
    cell = cov.cell(nord, "language_course", NEXT_WEEK)
    assert (cell.planned, cell.required, cell.status) == (180, 180, "green")  # two 90-minute sessions
    west = _place(demo, "west")
    assert cov.cell(west, "procedural_counselling", NEXT_WEEK).status == "red"  # West has none at all
    assert cov.cell(_place(demo, "mitte"), "counselling", NEXT_WEEK).planned == 0


def test_procedural_counselling_gaps_come_first(demo):
    gaps = coverage.coverage(demo, NEXT_WEEK, weeks=2).procedural_gaps
    assert [place.key for place, _weeks in gaps] == ["west"]


def test_a_closure_counts_against_the_planned_minutes(demo):
    manager = demo.scalar(sa.select(User).where(User.email == "manager@example.org"))
    room = demo.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    occ = demo.scalars(sa.select(Occurrence).join(Occurrence.offer_session)
                       .where(OfferSession.offer.has(key="nord-deutsch"))
                       .order_by(Occurrence.starts_at)).all()
    in_week = [o for o in occ if week_of(o.starts_at.astimezone(room.tz).date()) == NEXT_WEEK][0]
    rooms.apply_closure(demo, manager, room, in_week.starts_at, in_week.ends_at, "Schimmel")
    cell = coverage.coverage(demo, NEXT_WEEK, weeks=1).cell(_place(demo, "nord"), "language_course", NEXT_WEEK)
    assert (cell.planned, cell.cancelled, cell.status) == (90, 90, "amber")


def test_suggested_requirements_follow_the_resident_count():
    suggested = coverage.suggested_requirements(140)
    assert suggested["language_course"] == 10 * 180  # one group per 15 residents
    assert suggested["procedural_counselling"] == 2 * 120
    assert set(coverage.suggested_requirements(0).values()) == {0}


def test_dashboard_csv_print_and_drill_down(client, demo):
    login(client, "coordinator@example.org")
    page = client.get(f"/manage/coverage?week={NEXT_WEEK}&weeks=2").get_data(as_text=True)
    assert "Asylverfahrensberatung fehlt" in page and page.index("Asylverfahrensberatung fehlt") < page.index("<table")
    assert 'class="cell red"' in page and 'class="cell green"' in page
    summary = page[page.index('class="alert"'):page.index("<table")]
    assert summary.count("<li>") == page.count('class="cell red"') + 1  # every red cell, after West's gap
    assert "0 von 2 Stunden" in summary  # West's procedural counselling, in hours
    response = client.get(f"/manage/coverage.csv?week={NEXT_WEEK}&weeks=2", follow_redirects=True)
    assert response.mimetype == "text/csv"  # the report's coverage table, German and in hours
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 4 * 5
    nord = next(r for r in rows if r["Unterkunft"] == "Unterkunft Nord" and r["Kategorie"] == "Sprachkurs")
    assert (nord["Wochen"], nord["geplant (Stunden)"], nord["gefordert (Stunden)"]) == ("2", "6", "6")
    assert "Drucken" in client.get(f"/manage/coverage/print?week={NEXT_WEEK}").get_data(as_text=True)
    cell = client.get(f"/manage/coverage/nord/language_course?week={NEXT_WEEK}").get_data(as_text=True)
    assert "Deutschkurs A1" in cell and "Volkshochschule" in cell


def test_bad_coverage_queries_are_refused_not_crashed(client, demo):
    login(client, "coordinator@example.org")
    assert client.get("/manage/coverage?week=yesterday").status_code == 400
    assert client.get("/manage/coverage?weeks=999").status_code == 400
    assert client.get("/manage/coverage/nord/not-a-category").status_code == 404


def test_requirements_page_stores_residents_and_minutes(client, demo):
    login(client, "coordinator@example.org")
    page = client.get("/manage/accommodations/west/requirements").get_data(as_text=True)
    assert "Vorschlag" in page and ">1440<" in page  # 110 residents: 8 groups of 2 × 90 minutes
    token = token_from(client, "/manage/accommodations/west/requirements")
    data = {"csrf_token": token, "residents": "45", "minutes_language_course": "540",
            "minutes_daily_life_course": "90", "minutes_office_hours": "120", "minutes_counselling": "0",
            "minutes_procedural_counselling": "120"}
    assert client.post("/manage/accommodations/west/requirements", data=data).status_code == 302
    west = _place(demo, "west")
    assert west.residents == 45
    assert coverage.current_requirements(demo, west) == {"language_course": 540, "daily_life_course": 90,
                                                         "office_hours": 120, "procedural_counselling": 120}
    bad = client.post("/manage/accommodations/west/requirements", data={**data, "residents": "-3"})
    assert bad.status_code == 422 and "aria-invalid" in bad.get_data(as_text=True)


def test_the_drill_down_names_the_volunteers_who_could_help(client, demo):
    from roombook.coordination.volunteers import save_profile

    volunteer = demo.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    save_profile(demo, volunteer, languages=["ar"], skills=["counselling"],
                 accommodation_ids=[_place(demo, "mitte").id],
                 available=[{"day": "tue", "from": "16:00", "to": "18:00"}], max_hours=2, note="")
    login(client, "coordinator@example.org")

    mitte = client.get("/manage/coverage/mitte/counselling").get_data(as_text=True)
    helpers = mitte[mitte.index('id="could-help"'):]
    assert "Ehrenamtliche Demo" in helpers and "Arabisch" in helpers and "Di 16:00–18:00" in helpers
    assert "höchstens 2,0 Std. pro Woche" in helpers
    nord = client.get("/manage/coverage/nord/counselling").get_data(as_text=True)  # not a place she named
    helpers = nord[nord.index('id="could-help"'):]
    assert "Ehrenamtliche Demo" not in helpers and "Kein Ehrenamtlicher hat das als Fähigkeit" in helpers
