"""A volunteer keeps a profile of skills and wishes at /my/profile; the coordinator compares it with where and when
each volunteer is actually in a room at /manage/volunteers."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking.service import book_room
from roombook.clock import week_of
from roombook.coordination.coverage import set_requirements
from roombook.coordination.volunteers import profile_of, save_profile
from roombook.models import Accommodation, AuditEvent, User, VolunteerProfile
from tests.conftest import csrf_token, login
from tests.factories import local_on
from tests.manage.test_i18n import german_left

PASSWORD = "secret-pw"


@pytest.fixture
def volunteer(make_user) -> User:
    """A volunteer of the demo city without a profile yet."""
    return make_user("volunteer", email="neu@example.org", password=PASSWORD, display_name="Nora Neu")


def place(session, key: str) -> Accommodation:
    return session.scalar(sa.select(Accommodation).where(Accommodation.key == key))


def good_profile(session) -> dict:
    return {"languages": ["de", "uk"], "skills": ["language_course", "counselling"],
            "accommodations": [str(place(session, "nord").id), str(place(session, "west").id)],
            "available-tue-from": "16:00", "available-tue-to": "19:00",
            "available-sat-from": "10:00", "available-sat-to": "12:00", "max_hours": "2.5",
            "note": "Ich kann auch Fahrräder reparieren."}


def save(web, data: dict):
    token = csrf_token(web.get("/my/profile").get_data(as_text=True))
    return web.post("/my/profile", data={**data, "csrf_token": token})


def checked(page: str, name: str) -> set[str]:
    """The values of the checked checkboxes called `name`."""
    inputs = re.findall(r"<input [^>]*>", page)
    return {re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs
            if f'name="{name}"' in tag and re.search(r"\schecked[\s>]", tag)}


def times(page: str) -> dict[str, str]:
    """The time inputs that hold a value: name → value."""
    found = {}
    for tag in re.findall(r'<input type="time"[^>]*>', page):
        value = html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
        if value:
            found[re.search(r'name="([^"]*)"', tag).group(1)] = value
    return found


def typed_times(data: dict) -> dict[str, str]:
    return {name: value for name, value in data.items() if name.startswith("available-") and value}


def error_at(page: str, field: str) -> str:
    """The message shown at a field (empty when there is none)."""
    found = re.search(rf'<span class="error" id="{field}-error">(.*?)</span>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def profile_audits(session, user: User) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "volunteer_profile.saved", AuditEvent.object_id == str(user.id)))


# --- the volunteer's own page -----------------------------------------------------------------------------------

def test_the_page_says_who_sees_the_profile_and_that_it_goes_with_the_account(web, volunteer):
    assert login(web, volunteer.email, PASSWORD).status_code == 302
    page = web.get("/my/profile").get_data(as_text=True)
    assert "Die Koordination bei den Wohlfahrtsverbänden sieht diese Angaben" in page
    assert "Sie werden mit Ihrem Konto gelöscht und sind in Ihrem Datenexport enthalten." in page
    assert 'href="/privacy/"' in page
    assert 'href="/my/profile" aria-current="page"' in page  # in the volunteer's navigation
    assert checked(page, "languages") == set() and "Fahrräder" not in page


def test_a_volunteer_saves_the_profile_and_finds_it_again(web, session, volunteer):
    assert login(web, volunteer.email, PASSWORD).status_code == 302
    data = good_profile(session)
    answer = save(web, data)
    assert answer.status_code == 302 and answer.headers["Location"] == "/my/profile"

    stored = profile_of(session, volunteer)
    assert stored.languages == ["de", "uk"] and stored.skills == ["language_course", "counselling"]
    assert [p.key for p in stored.accommodations] == ["nord", "west"]
    assert stored.available == [{"day": "tue", "from": "16:00", "to": "19:00"},
                                {"day": "sat", "from": "10:00", "to": "12:00"}]
    assert stored.max_minutes_per_week == 150 and stored.note == "Ich kann auch Fahrräder reparieren."
    assert profile_audits(session, volunteer) == 1

    page = web.get("/my/profile").get_data(as_text=True)
    assert "Ihr Profil ist gespeichert." in page
    assert checked(page, "languages") == {"de", "uk"}
    assert checked(page, "skills") == {"language_course", "counselling"}
    assert checked(page, "accommodations") == set(data["accommodations"])
    assert times(page) == typed_times(data)
    assert re.search(r'<input [^>]*name="max_hours"[^>]*value="2.5"', page)
    assert "Ich kann auch Fahrräder reparieren.</textarea>" in page

    # saved again with less: what is no longer ticked is gone
    answer = save(web, {"languages": ["ar"], "available-tue-from": "", "available-tue-to": "", "max_hours": "",
                        "note": ""})
    assert answer.status_code == 302
    session.expire_all()
    stored = profile_of(session, volunteer)
    assert (stored.languages, stored.skills, stored.accommodations, stored.available) == (["ar"], [], [], [])
    assert stored.max_minutes_per_week is None and stored.note == ""


def test_a_day_takes_a_second_window_without_scripts_and_overlapping_ones_are_refused(web, session, volunteer):
    login(web, volunteer.email, PASSWORD)
    page = web.get("/my/profile").get_data(as_text=True)
    # each day offers an empty pair, the first window's, named as ever; the next ones wait hidden for the script
    assert re.search(r'<div class="window">\s*<span class="time">\s*<label for="available-tue-from">', page)
    assert re.search(r'<div class="window" data-spare hidden>\s*<span class="time">\s*'
                     r'<label for="available-tue-1-from">', page)
    data = {**good_profile(session), "available-tue-1-from": "09:00", "available-tue-1-to": "11:00"}
    assert save(web, data).status_code == 302
    assert profile_of(session, volunteer).available == [
        {"day": "tue", "from": "09:00", "to": "11:00"}, {"day": "tue", "from": "16:00", "to": "19:00"},
        {"day": "sat", "from": "10:00", "to": "12:00"}]
    page = web.get("/my/profile").get_data(as_text=True)
    # shown in time order, with an empty pair for a third (behind a button once the script runs)
    assert times(page) == {"available-tue-from": "09:00", "available-tue-to": "11:00",
                           "available-tue-1-from": "16:00", "available-tue-1-to": "19:00",
                           "available-sat-from": "10:00", "available-sat-to": "12:00"}
    assert re.search(r'<div class="window" data-spare>\s*<span class="time">\s*<label for="available-tue-2-from">'
                     r'<span class="visually-hidden">Dienstag, 3. Zeit </span>von</label>', page)
    assert re.search(r'<div class="window" data-spare hidden>\s*<span class="time">\s*'
                     r'<label for="available-tue-3-from">', page)  # the fourth, for the script to show

    answer = save(web, {**data, "available-tue-1-from": "18:00", "available-tue-1-to": "20:00"})
    assert answer.status_code == 422
    assert error_at(answer.get_data(as_text=True), "available") == (
        "Dienstag: die Zeiträume 16:00–19:00 und 18:00–20:00 überschneiden sich.")
    assert len(profile_of(session, volunteer).available) == 3


def test_hours_may_be_written_with_a_decimal_comma(web, session, volunteer):
    login(web, volunteer.email, PASSWORD)
    assert save(web, {**good_profile(session), "max_hours": "1,5"}).status_code == 302
    assert profile_of(session, volunteer).max_minutes_per_week == 90


def test_as_the_page_says_the_profile_is_in_the_data_export_and_goes_with_the_account(web, session, volunteer):
    user_id = volunteer.id
    login(web, volunteer.email, PASSWORD)
    assert save(web, good_profile(session)).status_code == 302
    exported = web.get("/privacy/export.json").get_json()
    assert exported["volunteer_profile"]["note"] == "Ich kann auch Fahrräder reparieren."
    assert exported["volunteer_profile"]["accommodations"] == ["nord", "west"]
    token = csrf_token(web.get("/privacy/").get_data(as_text=True))
    assert web.post("/privacy/delete", data={"password": PASSWORD, "csrf_token": token}).status_code == 302
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerProfile)
                          .where(VolunteerProfile.user_id == user_id)) == 0


def test_office_hours_are_not_a_skill_a_volunteer_can_tick(web, volunteer):
    login(web, volunteer.email, PASSWORD)
    page = web.get("/my/profile").get_data(as_text=True)
    assert 'value="language_course"' in page and 'value="volunteer_activity"' in page
    assert 'value="office_hours"' not in page


BAD = {
    "an unknown language": ("languages", {"languages": ["de", "xx"]}, "Unbekannte Sprache: xx"),
    "office hours as a skill": ("skills", {"skills": ["office_hours"]}, "Unbekannte Art von Angebot: office_hours"),
    "a place that does not exist": ("accommodations", {"accommodations": ["999999"]},
                                    "Eine der gewählten Unterkünfte gibt es nicht."),
    "a place that is not a number": ("accommodations", {"accommodations": ["nord"]}, "Ungültige Auswahl"),
    "a time that is no time": ("available", {"available-tue-from": "ab 16 Uhr"},
                               "Dienstag: bitte Uhrzeiten von 00:00 bis 24:00 angeben."),
    "an hour past the day": ("available", {"available-sat-to": "25:00"},
                             "Samstag: bitte Uhrzeiten von 00:00 bis 24:00 angeben."),
    "times ending before they start": ("available", {"available-tue-from": "19:00", "available-tue-to": "16:00"},
                                       "Dienstag: das Ende muss nach dem Beginn liegen."),
    "more hours than a week has": ("max_hours", {"max_hours": "169"},
                                   "Stunden pro Woche: mehr als 0 und höchstens 168."),
    "no hours at all": ("max_hours", {"max_hours": "0"}, "Stunden pro Woche: mehr als 0 und höchstens 168."),
    "not a number": ("max_hours", {"max_hours": "nan"}, "Stunden pro Woche: mehr als 0 und höchstens 168."),
    "hours that are not a number": ("max_hours", {"max_hours": "zwei"}, "Keine gültige Gleitkommazahl."),
    "a note too long": ("note", {"note": "x" * 501}, "Die Notiz ist länger als 500 Zeichen."),
    "a NUL in the note": ("note", {"note": "Hallo\x00"}, "Enthält ein Zeichen, das sich nicht speichern lässt"),
    "a NUL in the times": ("available", {"available-tue-to": "19:00\x00"},
                           "Enthält ein Zeichen, das sich nicht speichern lässt"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_field_is_named_at_the_field_and_nothing_is_saved(web, session, volunteer, case):
    field, change, message = BAD[case]
    login(web, volunteer.email, PASSWORD)
    answer = save(web, {**good_profile(session), **change})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert message in error_at(page, field)
    assert [f for f in ("languages", "skills", "accommodations", "available", "max_hours", "note")
            if error_at(page, f)] == [field]
    assert profile_of(session, volunteer) is None and profile_audits(session, volunteer) == 0
    # what the volunteer ticked and typed is still there to correct (an unknown language has no box)
    assert checked(page, "languages") == ({"de"} if field == "languages" else {"de", "uk"})
    assert times(page) == typed_times({**good_profile(session), **change})
    if field == "available":  # the group says why, and is marked as refused for screen readers
        assert re.search(r'<fieldset [^>]*id="available" aria-describedby="available-hint available-error"', page)


def test_a_day_with_only_one_time_is_refused_at_that_day(web, session, volunteer):
    login(web, volunteer.email, PASSWORD)
    data = {**good_profile(session), "available-wed-from": "10:00"}
    answer = save(web, data)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert error_at(page, "available-wed") == "Bitte „von“ und „bis“ angeben – oder beide leer lassen."
    assert [day for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if error_at(page, f"available-{day}")
            ] == ["wed"]
    assert [f for f in ("languages", "skills", "accommodations", "available", "max_hours", "note")
            if error_at(page, f)] == []
    for part in ("from", "to"):  # both of the day's inputs are marked and read out with the message
        assert re.search(rf'<input type="time" id="available-wed-{part}"[^>]*aria-invalid="true" '
                         r'aria-describedby="available-wed-error"', page)
    assert times(page) == typed_times(data)
    assert profile_of(session, volunteer) is None and profile_audits(session, volunteer) == 0


def test_a_window_may_end_at_midnight_which_a_time_input_shows_as_00_00(web, session, volunteer):
    login(web, volunteer.email, PASSWORD)
    data = {**good_profile(session), "available-fri-from": "18:00", "available-fri-to": "24:00",
            "available-sat-from": "20:00", "available-sat-to": "00:00"}
    assert save(web, data).status_code == 302
    assert profile_of(session, volunteer).available == [{"day": "tue", "from": "16:00", "to": "19:00"},
                                                        {"day": "fri", "from": "18:00", "to": "24:00"},
                                                        {"day": "sat", "from": "20:00", "to": "24:00"}]
    # a browser's time input cannot hold 24:00: midnight is shown as 00:00, and saved again as it was
    shown = times(web.get("/my/profile").get_data(as_text=True))
    assert (shown["available-fri-to"], shown["available-sat-to"]) == ("00:00", "00:00")


def test_the_stored_times_are_shown_in_the_time_inputs(web, session, volunteer):
    save_profile(session, volunteer, languages=["de"], skills=[], accommodation_ids=[],
                 available=[{"day": "mon", "from": "09:30", "to": "12:00"},
                            {"day": "sun", "from": "14:00", "to": "17:45"}], max_hours=None, note="")
    login(web, volunteer.email, PASSWORD)
    page = web.get("/my/profile").get_data(as_text=True)
    assert times(page) == {"available-mon-from": "09:30", "available-mon-to": "12:00",
                           "available-sun-from": "14:00", "available-sun-to": "17:45"}
    # one row per weekday, Monday first, each input named by its day for screen readers
    assert re.findall(r'<span class="name" aria-hidden="true">([^<]+)</span>', page) == [
        "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
    for part, word in (("from", "von"), ("to", "bis")):
        assert (f'<label for="available-tue-{part}"><span class="visually-hidden">Dienstag </span>{word}</label>'
                in page)


def test_a_refused_change_leaves_the_saved_profile_as_it_was(web, session, volunteer):
    save_profile(session, volunteer, languages=["fa"], skills=["counselling"], accommodation_ids=[],
                 available=[{"day": "mon", "from": "10:00", "to": "12:00"}], max_hours=3, note="Bisher")
    login(web, volunteer.email, PASSWORD)
    answer = save(web, {**good_profile(session), "max_hours": "500"})
    assert answer.status_code == 422
    session.expire_all()
    stored = profile_of(session, volunteer)
    assert (stored.languages, stored.max_minutes_per_week, stored.note) == (["fa"], 180, "Bisher")


def test_a_post_without_csrf_token_is_refused(web, session, volunteer):
    login(web, volunteer.email, PASSWORD)
    answer = web.post("/my/profile", data=good_profile(session))
    assert answer.status_code == 400
    assert profile_of(session, volunteer) is None


@pytest.mark.parametrize("email", ["department@example.org", "manager@example.org", "coordinator@example.org",
                                   "admin@example.org"])
def test_only_volunteers_have_a_profile_page(web, session, email):
    login(web, email)
    assert web.get("/my/profile").status_code == 403
    token = csrf_token(web.get("/book").get_data(as_text=True))
    assert web.post("/my/profile", data={**good_profile(session), "csrf_token": token}).status_code == 403
    user = session.scalar(sa.select(User).where(User.email == email))
    assert profile_of(session, user) is None
    assert 'href="/my/profile"' not in web.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(web):
    for url in ("/my/profile", "/manage/volunteers"):
        answer = web.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")


# --- the coordinator's overview ---------------------------------------------------------------------------------

def row_of(page: str, user: User) -> str:
    found = re.search(rf'<tr id="volunteer-{user.id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {user.email}"
    return found.group(1)


def cell(row: str, name: str) -> str:
    """The text of one cell of a row (tags dropped, spaces joined)."""
    found = re.search(rf'<td class="{name}[^"]*"[^>]*>(.*?)</td>', row, re.S)
    text = re.sub(r"<[^>]+>", "", re.sub(r"<br>|<li>", " ", found.group(1))) if found else ""
    return " ".join(html.unescape(text).split())


def hours_cells(row: str) -> list[str]:
    return re.findall(r'<td class="hours[^"]*">([\d,.]+)', row)


@pytest.fixture
def deployed(session, volunteer, make_room):
    """Nora wishes Mitte, Tuesdays and Saturdays, one hour a week, can run language courses, which Mitte lacks;
    she booked two hours on a Wednesday in another accommodation."""
    mitte = place(session, "mitte")
    coordinator = session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    set_requirements(session, coordinator, mitte, mitte.residents, {"language_course": 6000})
    save_profile(session, volunteer, languages=["uk", "ru"], skills=["language_course", "training"],
                 accommodation_ids=[mitte.id], available=[{"day": "tue", "from": "16:00", "to": "19:00"},
                                                         {"day": "sat", "from": "10:00", "to": "12:00"}], max_hours=1,
                 note="Lehrerin aus Charkiw")
    # a room of its own: no holiday or closure of the demo closes it, so next week will do on any day
    room = make_room(accommodation=place(session, "sued"))
    monday = week_of(clock.today()) + dt.timedelta(weeks=1)
    start = local_on(monday + dt.timedelta(days=2), 10)
    book_room(session, volunteer, room, start, start + dt.timedelta(hours=2), "Lernhilfe Ukrainisch")
    session.flush()
    week = (monday - week_of(clock.today())).days // 7  # of the four weeks the page shows, from this one
    return {"room": room, "week": week, "monday": monday, "start": start}


@pytest.mark.dates
def test_the_coordinator_sees_skills_wishes_hours_what_does_not_fit_and_where_they_could_help(web, volunteer,
                                                                                             deployed):
    login(web, "coordinator@example.org")
    answer = web.get("/manage/volunteers")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    row = row_of(page, volunteer)
    assert "Nora Neu" in row and volunteer.email in row
    assert cell(row, "languages") == "Ukrainisch, Russisch"
    assert cell(row, "skills") == "Sprachkurs, Schulung"
    wishes = cell(row, "wishes")
    assert "Wo: Unterkunft Mitte" in wishes and "Di 16:00–19:00, Sa 10:00–12:00" in wishes
    assert "höchstens 1,0 Std. pro Woche" in wishes and "Notiz: Lehrerin aus Charkiw" in wishes

    expected = ["0,0"] * 4
    expected[deployed["week"]] = "2,0"
    assert hours_cells(row) == expected

    unfit = cell(row, "unfit")
    room = deployed["room"]
    assert (f"Lernhilfe Ukrainisch, {room.accommodation.name}, {room.name}, Mi {deployed['start']:%d.%m.%Y} "
            "10:00–12:00 (Buchung): außerhalb der gewünschten Orte und Zeiten") in unfit
    week = deployed["monday"].isocalendar()[1]
    assert f"Mehr als die gewünschten 1,0 Std. pro Woche: KW {week}" in unfit

    needs = cell(row, "needs")
    assert re.fullmatch(r"Unterkunft Mitte: Sprachkurs fehlt bis zu \d+,\d Std\. pro Woche zu wenig", needs)
    assert "Schulung" not in needs  # not a mandatory offer, so never a gap


def test_the_demo_volunteer_fits_and_a_volunteer_without_profile_says_so(web, session, make_user):
    newcomer = make_user("volunteer", email="ohne@example.org", display_name="Otto Ohne")
    login(web, "admin@example.org")
    page = web.get("/manage/volunteers").get_data(as_text=True)
    row = row_of(page, newcomer)
    assert "noch kein Profil" in row and cell(row, "unfit") == "–" and cell(row, "needs") == "–"
    demo = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    demo_row = row_of(page, demo)
    assert cell(demo_row, "languages") == "Deutsch, Arabisch"
    assert cell(demo_row, "unfit") == "passt"  # Fridays 16:00-18:00 in Nord, as wished
    assert "Abwesend" in demo_row and "Prüfungswoche" in demo_row  # the demo's week away, with its note
    assert "Übersicht" in page and 'href="/manage/volunteers"' in page  # in the management navigation


@pytest.mark.parametrize("email", ["volunteer@example.org", "department@example.org", "manager@example.org"])
def test_only_the_coordinator_and_admins_see_the_overview(web, email):
    login(web, email)
    assert web.get("/manage/volunteers").status_code == 403
    assert 'href="/manage/volunteers"' not in web.get("/manage/").get_data(as_text=True)


# --- in English -------------------------------------------------------------------------------------------------

def _in_english(web, email, password="demo"):
    login(web, email, password)
    token = csrf_token(web.get("/").get_data(as_text=True))
    assert web.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"}).status_code == 302


def test_the_pages_read_in_english(web, session, volunteer, deployed):
    names = sorted([*session.scalars(sa.select(Accommodation.name)), *session.scalars(sa.select(User.display_name)),
                    *session.scalars(sa.select(User.email)), deployed["room"].name], key=len, reverse=True)
    _in_english(web, volunteer.email, PASSWORD)
    profile = web.get("/my/profile").get_data(as_text=True)
    assert "<h1>My profile</h1>" in profile and "Ukrainian" in profile and "Language course" in profile
    assert "The coordination at the welfare associations sees this" in profile
    assert "When you have time" in profile and ">Tuesday </span>from</label>" in profile
    assert german_left(profile, names) == []
    refused = save(web, {"max_hours": "500"}).get_data(as_text=True)
    assert "Hours per week: more than 0 and at most 168." in error_at(refused, "max_hours")
    refused = save(web, {"available-thu-from": "19:00", "available-thu-to": "16:00"}).get_data(as_text=True)
    assert error_at(refused, "available") == "Thursday: the end must be after the start."

    web.post("/logout", data={"csrf_token": csrf_token(profile)})
    _in_english(web, "coordinator@example.org")
    overview = web.get("/manage/volunteers").get_data(as_text=True)
    assert "Deployment of volunteers" in overview and "outside the wished places and times" in overview
    assert "at most 1.0 h a week" in overview and "Ukrainian, Russian" in overview
    assert german_left(overview, names) == []


def test_a_volunteer_records_days_away_on_the_profile_page_and_takes_them_back(web, session, volunteer):
    from roombook.models import VolunteerAbsence

    login(web, volunteer.email, PASSWORD)
    first, last = clock.today() + dt.timedelta(days=10), clock.today() + dt.timedelta(days=20)
    token = csrf_token(web.get("/my/profile").get_data(as_text=True))
    refused = web.post("/my/absences", data={"starts_on": last.isoformat(), "ends_on": first.isoformat(),
                                             "csrf_token": token})
    assert refused.status_code == 422
    assert error_at(refused.get_data(as_text=True), "ends_on") == "Der letzte Tag darf nicht vor dem ersten liegen."
    answer = web.post("/my/absences", data={"starts_on": first.isoformat(), "ends_on": last.isoformat(),
                                            "absence_note": "Prüfungen", "csrf_token": token})
    assert answer.status_code == 302
    absence = session.scalar(sa.select(VolunteerAbsence).where(VolunteerAbsence.user_id == volunteer.id))
    assert (absence.starts_on, absence.ends_on, absence.note) == (first, last, "Prüfungen")
    page = web.get("/my/profile").get_data(as_text=True)
    assert "Ihre Abwesenheit ist eingetragen." in page and "Prüfungen" in page
    assert f'action="/my/absences/{absence.id}/delete"' in page

    assert web.post(f"/my/absences/{absence.id}/delete", data={"csrf_token": token}).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerAbsence)
                          .where(VolunteerAbsence.user_id == volunteer.id)) == 0
