"""The council's report on a small hand-made city, whose figures the test works out itself (below, from its own
fixture) and compares with every figure of the JSON API, the XLSX (read back with openpyxl) and the CSV.

Two weeks, 22.03.–04.04.2027: the clocks go forward in the night to Sunday 28.03., Good Friday (26.03.) and
Easter Monday (29.03.) are public holidays, room A1 has a closure of each kind, one date is cancelled, one
moved, and room A2's opening hours change on Tuesday 30.03. at noon. The report is read that Tuesday at 13:00,
so the dates after that are planned but not yet delivered.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.booking import book_room, cancel_booking
from roombook.booking.occurrences import (
    cancel_occurrence,
    close_room,
    materialise,
    move_occurrence,
)
from roombook.booking.rooms import update_room
from roombook.models import Occurrence, OfferSession, Requirement
from tests.conftest import login
from tests.factories import local

FIRST, END = "2027-03-22", "2027-04-05"
W12, W13 = "2027-W12", "2027-W13"
PASSWORD = "secret-pw"

# --- the expected figures, in hours, by the test's own arithmetic -------------------------------------------
# A1: Mon–Fri 09–17 (8 h a day) and Sunday 00–04, which is 3 h on 28.03. (02:00 does not exist) and 4 h on 04.04.
# A2: Mon and Wed 10–14 (4 h); from Tue 30.03. 12:00 on 10–16 (6 h), so Wed 31.03. has 6 h.
# B1: Tue–Thu 08–12.
OPEN = {("A1", W12): 5 * 8 + 3, ("A1", W13): 5 * 8 + 4, ("A2", W12): 4 + 4, ("A2", W13): 4 + 6,
        ("B1", W12): 3 * 4, ("B1", W13): 3 * 4}
# Good Friday (A1's 8 h; A2 and B1 are closed on Fridays) and Easter Monday (A1 8 h, A2 4 h)
HOLIDAY = {("A1", W12): 8, ("A1", W13): 8, ("A2", W13): 4}
# on A1: maintenance Tue 23.03. 09–13 (4 h open), other use Wed 24.03. 15–19 (2 h of it open),
# "other" all of Thu 01.04. (8 h open)
CLOSED = {("A1", W12, "maintenance"): 4, ("A1", W12, "other_use"): 2, ("A1", W13, "other"): 8}
# offers that took place or will (not cancelled), by where they start:
# German (A1, Mon+Wed 10:00, 1.5 h): 22.03., 24.03., 31.03. (29.03. a holiday)
# procedural counselling (A2, Mon 10:00, 2 h): 22.03. (29.03. a holiday)
# counselling (A1, Tue 09:00, 2 h): 23.03. closed for maintenance; 30.03. moved to 14:00–16:00 in A1
# office hours (B1, Thu 08:00, 2 h, 30 participants in a room for 10): 25.03.; 01.04. cancelled
USED = {("A1", W12, "language_course"): 3, ("A1", W13, "language_course"): 1.5, ("A1", W13, "counselling"): 2,
        ("A2", W12, "procedural_counselling"): 2, ("B1", W12, "office_hours"): 2}
# volunteers' one-off bookings that stand: A1 Fri 02.04. 14–16, B1 Wed 24.03. 10–11 (a cancelled one and one
# displaced by the closure of 01.04. do not count)
BOOKED = {("A1", W13): 2, ("B1", W12): 1}
ROOMS = {"A1": "A", "A2": "A", "B1": "B"}


def figures(rooms: list[str], weeks: list[str]) -> dict:
    """The expected utilisation of some rooms over some weeks."""
    def total(table, kind=None):
        return sum(v for k, v in table.items() if k[0] in rooms and k[1] in weeks and (kind is None or k[2] == kind))
    open_, holiday = total(OPEN), total(HOLIDAY)
    used = {c: total(USED, c) for c in ("language_course", "counselling", "procedural_counselling", "office_hours")}
    purpose = sum(used.values()) + total(BOOKED)
    return {"open_hours": open_, "holiday_hours": holiday,
            "closed_hours": {k: total(CLOSED, k) for k in ("maintenance", "other_use", "other")},
            "used": used, "booking_hours": total(BOOKED), "purpose_hours": purpose,
            "purpose_share": purpose / (open_ - holiday)}


# coverage per accommodation and category over both weeks, in hours: required, planned, delivered (by Tue
# 30.03. 13:00), cancelled
COVERAGE = {("a", "language_course"): (2 * 3, 3 + 1.5, 3, 1.5),
            ("a", "procedural_counselling"): (2 * 2, 2, 2, 2),
            ("a", "counselling"): (2 * 2, 2, 0, 2),  # the moved date ends at 16:00, after the report's 13:00
            ("b", "office_hours"): (2 * 4, 2, 2, 2),
            ("b", "procedural_counselling"): (2 * 1, 0, 0, 0)}
# every shortfall, procedural counselling first, then by accommodation, category, week
SHORTFALLS = [
    ("a", "procedural_counselling", "2027-03-29", 0, 2, [("closure", 2, "holiday"), ("no_provider", None, "Beratung AVB")]),
    ("b", "procedural_counselling", "2027-03-22", 0, 1, [("no_offer", None, "")]),
    ("b", "procedural_counselling", "2027-03-29", 0, 1, [("no_offer", None, "")]),
    ("a", "counselling", "2027-03-22", 0, 2, [("closure", 2, "maintenance")]),
    ("a", "language_course", "2027-03-29", 1.5, 3, [("closure", 1.5, "holiday")]),
    ("b", "office_hours", "2027-03-22", 2, 4, [("room_too_small", None, "Sprechstunde Sozialamt")]),
    ("b", "office_hours", "2027-03-29", 0, 4, [("cancellation", 2, ""), ("room_too_small", None, "Sprechstunde Sozialamt")]),
]


@pytest.fixture
def city(session, make_accommodation, make_room, make_offer, make_user):
    with clock.frozen(local(2027, 3, 15, 9)):
        a = make_accommodation(key="a", name="Haus Am Hang")
        b = make_accommodation(key="b", name="Haus Berg")
        weekdays = ("mon", "tue", "wed", "thu", "fri")
        a1 = make_room(a, key="A1", name="Saal", capacity=20,
                       open=[*({"day": d, "from": "09:00", "to": "17:00"} for d in weekdays),
                             {"day": "sun", "from": "00:00", "to": "04:00"}])
        a2 = make_room(a, key="A2", name="Beratungsraum", capacity=8,
                       open=[{"day": d, "from": "10:00", "to": "14:00"} for d in ("mon", "wed")])
        b1 = make_room(b, key="B1", name="Treff", capacity=10,
                       open=[{"day": d, "from": "08:00", "to": "12:00"} for d in ("tue", "wed", "thu")])
        span = {"valid_from": dt.date(2027, 3, 15), "valid_until": dt.date(2027, 4, 11)}
        german = make_offer(a1, slots=(("mon", "10:00"), ("wed", "10:00")), category="language_course",
                            title="Deutsch A1", duration_minutes=90, **span)
        avb = make_offer(a2, slots=(("mon", "10:00"),), category="procedural_counselling", title="Beratung AVB",
                         duration_minutes=120, **span)
        avb.sessions[0].provider = None
        advice = make_offer(a1, slots=(("tue", "09:00"),), category="counselling", title="Sozialberatung",
                            duration_minutes=120, **span)
        office = make_offer(b1, slots=(("thu", "08:00"),), category="office_hours", title="Sprechstunde Sozialamt",
                            duration_minutes=120, participants=30, **span)
        for offer in (german, avb, advice, office):
            for slot in offer.sessions:
                materialise(session, slot, span["valid_until"])
        session.add_all([Requirement(accommodation=a, category="language_course", min_minutes_per_week=180),
                         Requirement(accommodation=a, category="procedural_counselling", min_minutes_per_week=120),
                         Requirement(accommodation=a, category="counselling", min_minutes_per_week=120),
                         Requirement(accommodation=b, category="office_hours", min_minutes_per_week=240),
                         Requirement(accommodation=b, category="procedural_counselling", min_minutes_per_week=60)])
        v1, v2 = make_user("volunteer", email="v1@example.org"), make_user("volunteer", email="v2@example.org")
        make_user("volunteer", email="v3@example.org", provider=german.providers[0])
        book_room(session, v1, a1, local(2027, 4, 2, 14), local(2027, 4, 2, 16), "Nähcafé")
        book_room(session, v2, b1, local(2027, 3, 24, 10), local(2027, 3, 24, 11), "Spielenachmittag")
        book_room(session, v1, a1, local(2027, 4, 1, 10), local(2027, 4, 1, 11), "Verdrängt")
        gone = book_room(session, v1, a2, local(2027, 3, 22, 12, 30), local(2027, 3, 22, 13, 30), "Abgesagt")
        cancel_booking(session, v1, gone, "doch nicht")
        for room in (a1, a2, b1):
            for day, name in ((dt.date(2027, 3, 26), "Karfreitag"), (dt.date(2027, 3, 29), "Ostermontag")):
                close_room(session, room, local(day.year, day.month, day.day),
                           local(day.year, day.month, day.day) + dt.timedelta(days=1), name, kind="holiday")
        close_room(session, a1, local(2027, 3, 23, 9), local(2027, 3, 23, 13), "Wasserschaden", purpose="maintenance")
        close_room(session, a1, local(2027, 3, 24, 15), local(2027, 3, 24, 19), "Wahllokal", purpose="other_use")
        close_room(session, a1, local(2027, 4, 1), local(2027, 4, 2), "Betriebsausflug", purpose="other")
        dates = {(o.offer_session.offer.title, o.original_start): o for o in session.scalars(
            sa.select(Occurrence).join(OfferSession))}
        moved = dates[("Sozialberatung", local(2027, 3, 30, 9))]
        move_occurrence(session, moved, a1, local(2027, 3, 30, 14), local(2027, 3, 30, 16), "Raum erst nachmittags")
        cancel_occurrence(session, dates[("Sprechstunde Sozialamt", local(2027, 4, 1, 8))], "Referentin krank")
        coordinator = make_user("coordinator", email="coord@example.org", password=PASSWORD)
    with clock.frozen(local(2027, 3, 30, 12)):
        update_room(session, coordinator, a2, name=a2.name, capacity=8, features="", open_hours="mon 10:00-16:00\n"
                    "wed 10:00-16:00", max_booking_minutes=240, max_days_ahead=120, max_open_bookings=20)
    session.flush()
    _token, secret = create_api_token(session, coordinator, "test")
    with clock.frozen(local(2027, 3, 30, 13)):
        yield {"Authorization": f"Bearer {secret}"}


def _approx(got, want):
    return got == pytest.approx(want, abs=0.005)


def _check_utilisation(item, want):
    assert _approx(item["open_hours"], want["open_hours"]), item
    assert _approx(item["holiday_hours"], want["holiday_hours"]), item
    assert item["closed_hours"] == pytest.approx(want["closed_hours"], abs=0.005), item
    assert {c: h for c, h in item["used_hours"].items() if h} == pytest.approx(
        {c: h for c, h in want["used"].items() if h}, abs=0.005), item
    assert _approx(item["booking_hours"], want["booking_hours"]), item
    # the city's bookings give no kind of offer: plain reservations, counted under "" (none given)
    assert item["booking_hours_by_category"] == (pytest.approx({"": want["booking_hours"]}, abs=0.005)
                                                 if want["booking_hours"] else None), item
    assert _approx(item["purpose_hours"], want["purpose_hours"]), item
    assert item["purpose_share"] == pytest.approx(want["purpose_share"], abs=0.0001), item


def test_the_json_utilisation_matches_the_citys_own_arithmetic(client, city):
    answer = client.get(f"/api/v1/reports/utilisation?from={FIRST}&to={END}&group=room&period=week", headers=city)
    assert answer.status_code == 200, answer.json
    assert answer.json["unit"] == "hours" and answer.json["booking_categories_available"] is True
    got = {(item["key"], item["period"]): item for item in answer.json["items"]}
    assert set(got) == {(room, week) for room in ROOMS for week in (W12, W13)}
    for (room, week), item in got.items():
        _check_utilisation(item, figures([room], [week]))
    answer = client.get(f"/api/v1/reports/utilisation?from={FIRST}&to={END}&group=accommodation", headers=city)
    got = {item["key"]: item for item in answer.json["items"]}
    _check_utilisation(got["a"], figures(["A1", "A2"], [W12, W13]))
    _check_utilisation(got["b"], figures(["B1"], [W12, W13]))
    answer = client.get(f"/api/v1/reports/utilisation?from={FIRST}&to={END}&group=city&period=month", headers=city)
    assert [item["period"] for item in answer.json["items"]] == ["2027-03", "2027-04"]
    march, april = answer.json["items"]
    # April is Thursday 01.04. to Sunday 04.04.: A1's 8 h and 4 h closed as "other", B1's Thursday
    assert _approx(april["open_hours"], 8 + 8 + 4 + 4) and _approx(april["closed_hours"]["other"], 8)
    assert _approx(march["open_hours"] + april["open_hours"], sum(OPEN.values()))


def test_the_json_coverage_gives_every_shortfall_with_its_causes(client, city):
    answer = client.get(f"/api/v1/reports/coverage?from={FIRST}&to={END}", headers=city)
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["weeks"] == ["2027-03-22", "2027-03-29"] and body["unit"] == "hours"
    got = {(i["accommodation"], i["category"]): (i["required_hours"], i["planned_hours"], i["delivered_hours"],
                                                  i["cancelled_hours"]) for i in body["items"] if i["required_hours"]}
    assert got == COVERAGE  # quarter hours: exact in binary
    assert [(g["accommodation"], g["weeks"]) for g in body["weeks_without_procedural_counselling"]] == [
        ("a", ["2027-03-29"]), ("b", ["2027-03-22", "2027-03-29"])]
    assert [(s["accommodation"], s["category"], s["week"], s["planned_hours"], s["required_hours"],
             [(c["cause"], c["hours"], c["detail"]) for c in s["causes"]]) for s in body["shortfalls"]] == SHORTFALLS


def test_the_xlsx_and_the_csv_hold_the_same_figures(client, city):
    login(client, "coord@example.org", PASSWORD)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/reports?from={FIRST}&to={END}&format=xlsx").data))
    csv_text = client.get(f"/manage/reports?from={FIRST}&to={END}&format=csv&table=nutzung").data.decode("utf-8")
    assert csv_text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(csv_text[1:]), delimiter=";"))
    csv_kinds = client.get(f"/manage/reports?from={FIRST}&to={END}&format=csv&table=nutzung_kategorien").data
    kind_rows = list(csv.reader(io.StringIO(csv_kinds.decode("utf-8")[1:]), delimiter=";"))
    sheet = [list(r) for r in book["nutzung"].iter_rows(values_only=True)]
    kind_sheet = [list(r) for r in book["nutzung_kategorien"].iter_rows(values_only=True)]
    assert sheet[0] == rows[0] and sheet[0][:2] == ["Unterkunft", "Stunden geöffnet"]
    assert kind_sheet[0] == kind_rows[0]
    # one row per accommodation and the total, the same names in either table
    sheet = [a + b[1:] for a, b in zip(sheet, kind_sheet)]
    rows = [a + b[1:] for a, b in zip(rows, kind_rows)]
    header = sheet[0]
    for name, rooms in (("Haus Am Hang", ["A1", "A2"]), ("Haus Berg", ["B1"]), ("Gesamt", list(ROOMS))):
        want = figures(rooms, [W12, W13])
        expected = {"Stunden geöffnet": want["open_hours"], "davon Feiertag": want["holiday_hours"],
                    "geschlossen: Wartung": want["closed_hours"]["maintenance"],
                    "geschlossen: andere Nutzung durch die Verwaltung": want["closed_hours"]["other_use"],
                    "geschlossen: sonstige Schließung": want["closed_hours"]["other"],
                    "Sprachkurs": want["used"]["language_course"], "Beratung": want["used"]["counselling"],
                    "Asylverfahrensberatung": want["used"]["procedural_counselling"],
                    "Sprechstunde": want["used"]["office_hours"], "Alltagskurs": 0,
                    "Einzelbuchungen (ehrenamtliche Aktivitäten)": want["booking_hours"],
                    "genutzt für den Zweck": want["purpose_hours"],
                    "Anteil für den Zweck (%)": round(100 * want["purpose_share"], 1),
                    "Einzelbuchungen nach Kategorie": (f"ohne Angabe: {want['booking_hours']:g}".replace(".", ",")
                                                       if want["booking_hours"] else "–")}
        xlsx_row = dict(zip(header, next(r for r in sheet if r[0] == name)))
        csv_row = dict(zip(header, next(r for r in rows if r[0] == name)))
        for column, value in expected.items():
            if isinstance(value, str):
                assert xlsx_row[column] == csv_row[column] == value
                continue
            assert isinstance(xlsx_row[column], (int, float)), (column, xlsx_row[column])  # numbers as numbers
            assert _approx(xlsx_row[column], value), (name, column)
            assert _approx(float(csv_row[column].replace(",", ".")), value), (name, column)
            assert "." not in csv_row[column]  # a decimal comma
    causes = {r[:3]: r[6] for r in book["fehlstellen"].iter_rows(min_row=2, values_only=True)}
    easter = dt.datetime(2027, 3, 29)  # the week's Monday, a date cell
    assert causes[("Haus Berg", "Sprechstunde", easter)] == "Absage 2 Std.; Raum zu klein (Sprechstunde Sozialamt)"
    assert causes[("Haus Am Hang", "Asylverfahrensberatung", easter)] == \
        "Schließung (Feiertag) 2 Std.; kein Anbieter (Beratung AVB)"
    assert causes[("Haus Am Hang", "Sprachkurs", easter)] == "Schließung (Feiertag) 1,5 Std."
    assert len(causes) == len(SHORTFALLS)
    work = dict(book["ehrenamt"].iter_rows(min_row=2, values_only=True))
    assert work["aktive Ehrenamtliche"] == 3 and work["Stunden in den Räumen (je Person gezählt)"] == 2 + 1 + 4.5
    assert work["Schulungen gehalten"] == "nicht verfügbar"
    places = {r[0]: r[1:] for r in book["ehrenamt_unterkuenfte"].iter_rows(min_row=2, values_only=True)}
    assert places == {"Haus Am Hang": ("< 3", "< 3"), "Haus Berg": ("< 3", "< 3")}  # nobody recognisable
    page = client.get(f"/manage/reports?from={FIRST}&to={END}").get_data(as_text=True)
    # on the page, Haus Berg's two weeks without procedural counselling (the same causes) are one row
    assert "22.03.2027 – 29.03.2027" in page and page.count("kein Angebot") == 1
    full = client.get(f"/manage/reports?from={FIRST}&to={END}&format=csv").data.decode("utf-8")
    assert "29.03.2027" in full and ";Sprechstunde;" in full


@pytest.fixture
def coordinator(session, make_user):
    """A coordinator logged in nowhere yet, and the headers of their API token."""
    user = make_user("coordinator", email="coord@example.org", password=PASSWORD)
    _token, secret = create_api_token(session, user, "test")
    return {"Authorization": f"Bearer {secret}"}


def test_a_text_cell_never_becomes_a_formula(client, coordinator, make_room, make_accommodation):
    make_room(make_accommodation(name='=HYPERLINK("x")'), open=[{"day": "mon", "from": "09:00", "to": "10:00"}])
    login(client, "coord@example.org", PASSWORD)
    csv_text = client.get(f"/manage/reports?from={FIRST}&to={END}&format=csv&table=nutzung").data.decode("utf-8")
    assert "\n'=HYPERLINK" in csv_text.replace('"', "")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/reports?from={FIRST}&to={END}&format=xlsx").data))
    cell = next(c for c in book["nutzung"]["A"] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


@pytest.mark.parametrize(("query", "field"), [("from=2027-01-01&to=2028-01-03", "to"), ("from=2027-04-01&to=2027-03-01", "to"),
                                              ("from=31.03.2027", "from"), ("group=house", "group")])
def test_a_bad_range_is_refused_naming_the_field(client, coordinator, query, field):
    answer = client.get(f"/api/v1/reports/utilisation?{query}", headers=coordinator)
    assert answer.status_code == 422 and answer.json["field"] == field


def test_a_bad_date_on_the_page_is_an_error_at_its_field(client, coordinator):
    login(client, "coord@example.org", PASSWORD)
    answer = client.get("/manage/reports?from=2027-01-01&to=2028-06-01")
    assert answer.status_code == 422 and 'id="to-error"' in answer.get_data(as_text=True)


def test_changing_opening_hours_keeps_the_old_ones_for_the_past(session, make_room, make_user):
    from roombook.models import RoomOpeningHours

    room = make_room(open=[{"day": "mon", "from": "09:00", "to": "12:00"}])
    manager = make_user("coordinator")
    changes = [(local(2027, 3, 1, 8), "mon 09:00-15:00"), (local(2027, 3, 8, 8), "tue 10:00-11:00")]
    for instant, hours in changes:
        with clock.frozen(instant):
            update_room(session, manager, room, name=room.name, capacity=room.capacity, features="",
                        open_hours=hours, max_booking_minutes=240, max_days_ahead=120, max_open_bookings=20)
    history = session.scalars(sa.select(RoomOpeningHours).where(RoomOpeningHours.room_id == room.id)
                              .order_by(RoomOpeningHours.valid_from)).all()
    assert [(row.valid_from.year if row.valid_from.year == 1900 else row.valid_from, row.open) for row in history] == [
        (1900, [{"day": "mon", "from": "09:00", "to": "12:00"}]),  # what held before, since ever
        (local(2027, 3, 1, 8), [{"day": "mon", "from": "09:00", "to": "15:00"}]),
        (local(2027, 3, 8, 8), [{"day": "tue", "from": "10:00", "to": "11:00"}])]


def test_a_facility_manager_gets_the_figures_of_their_own_houses_only(client, city, session, make_user):
    from roombook.models import Accommodation

    house = session.scalar(sa.select(Accommodation).where(Accommodation.key == "a"))
    manager = make_user("facility_manager", accommodations=[house])
    _token, secret = create_api_token(session, manager, "test")
    headers = {"Authorization": f"Bearer {secret}"}
    rooms = client.get(f"/api/v1/reports/utilisation?from={FIRST}&to={END}&group=room", headers=headers).json
    assert {item["key"] for item in rooms["items"]} == {"A1", "A2"}
    city_line = client.get(f"/api/v1/reports/utilisation?from={FIRST}&to={END}&group=city", headers=headers).json
    _check_utilisation(city_line["items"][0], figures(["A1", "A2"], [W12, W13]))  # "the city" is their houses
    cover = client.get(f"/api/v1/reports/coverage?from={FIRST}&to={END}", headers=headers).json
    assert {item["accommodation"] for item in cover["items"]} == {"a"}
    assert {s["accommodation"] for s in cover["shortfalls"]} == {"a"}


def test_a_manager_without_houses_gets_an_empty_report_not_an_error(client, make_user):
    make_user("facility_manager", email="fm@example.org", password=PASSWORD)
    login(client, "fm@example.org", PASSWORD)
    for fmt in ("html", "csv", "xlsx"):
        assert client.get(f"/manage/reports?from={FIRST}&to={END}&format={fmt}").status_code == 200, fmt
