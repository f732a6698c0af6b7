"""Volunteers' skills and wishes: the profile's checks, and the deployment the coordinator compares with it."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook.booking import book_room
from roombook.booking.occurrences import materialise
from roombook.coordination.volunteers import (
    ProfileError,
    deployments,
    profile_of,
    save_profile,
)
from roombook.models import AuditEvent, Provider, Requirement, VolunteerProfile
from tests.factories import local

NOW = local(2027, 3, 1, 7)
MONDAY = dt.date(2027, 3, 1)


def save(session, user, **changes):
    values = {"languages": ["ar", "de"], "skills": ["language_course"], "accommodation_ids": [],
              "available": [], "max_hours": None, "note": "", **changes}
    return save_profile(session, user, **values)


def window(day: str, start: str, end: str) -> dict:
    return {"day": day, "from": start, "to": end}


def test_a_profile_is_saved_in_a_fixed_order_and_read_back(session, make_user, make_accommodation):
    volunteer = make_user()
    second, first = make_accommodation(name="Zeppelinstraße"), make_accommodation(name="Am Hang")
    save(session, volunteer, languages=["fa", "de", "ar", "de"], skills=["counselling", "language_course"],
         accommodation_ids=[second.id, first.id],
         available=[window("thu", "16:00", "19:00"), window("mon", "9:00", "12:00")], max_hours=2.5,
         note="  Gerne mit Kindern. ")
    session.expire_all()

    profile = profile_of(session, volunteer)
    assert profile.languages == ["de", "ar", "fa"]  # the list's order, each once
    assert profile.skills == ["language_course", "counselling"]
    assert [p.name for p in profile.accommodations] == ["Am Hang", "Zeppelinstraße"]
    # in weekday order, the times as stored ("HH:MM")
    assert profile.available == [{"day": "mon", "from": "09:00", "to": "12:00"},
                                 {"day": "thu", "from": "16:00", "to": "19:00"}]
    assert profile.max_minutes_per_week == 150
    assert profile.note == "Gerne mit Kindern."
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "volunteer_profile.saved"))
    assert event.actor_id == volunteer.id and event.object_id == str(volunteer.id)
    # which parts changed, never what they say
    assert event.details == {"changed": ["accommodations", "available", "languages", "max_minutes_per_week",
                                         "note", "skills"]}


def test_saving_again_updates_the_one_profile_and_names_only_what_changed(session, make_user):
    volunteer = make_user()
    save(session, volunteer, note="erst")
    save(session, volunteer, note="dann")

    assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerProfile)) == 1
    assert profile_of(session, volunteer).note == "dann"
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "volunteer_profile.saved")
                             .order_by(AuditEvent.id)).all()
    assert events[-1].details == {"changed": ["note"]}


@pytest.mark.parametrize(("changes", "field"), [
    ({"languages": ["de", "xx"]}, "languages"),
    ({"skills": ["office_hours"]}, "skills"),  # the departments' own
    ({"skills": ["juggling"]}, "skills"),
    ({"accommodation_ids": [2**31 - 1]}, "accommodations"),
    ({"max_hours": 0}, "max_hours"),
    ({"max_hours": 169}, "max_hours"),
    ({"max_hours": float("nan")}, "max_hours"),
    ({"note": "x" * 501}, "note"),
    ({"note": "nul \x00 byte"}, "note"),
])
def test_bad_input_names_its_field_and_writes_nothing(session, make_user, changes, field):
    volunteer = make_user()
    with pytest.raises(ProfileError) as refused:
        save(session, volunteer, **changes)
    assert refused.value.field == field and str(refused.value.message)
    assert profile_of(session, volunteer) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "volunteer_profile.saved")) == 0


@pytest.mark.parametrize(("windows", "message"), [
    ([window("tue", "19:00", "16:00")], "Dienstag: das Ende muss nach dem Beginn liegen."),
    ([window("wed", "10:00", "10:00")], "Mittwoch: das Ende muss nach dem Beginn liegen."),
    ([window("mon", "10:00", "25:00")], "Montag: bitte Uhrzeiten von 00:00 bis 24:00 angeben."),
    ([window("mon", "24:00", "24:00")], "Montag: bitte Uhrzeiten von 00:00 bis 24:00 angeben."),  # an end only
    ([window("fri", "10:60", "12:00")], "Freitag: bitte Uhrzeiten von 00:00 bis 24:00 angeben."),
    ([window("sat", "ab 16 Uhr", "18:00")], "Samstag: bitte Uhrzeiten von 00:00 bis 24:00 angeben."),
    ([window("sun", "", "18:00")], "Sonntag: bitte Uhrzeiten von 00:00 bis 24:00 angeben."),
    ([window("thu", "15:00", "18:00"), window("thu", "09:00", "15:30")],
     "Donnerstag: die Zeiträume 09:00–15:30 und 15:00–18:00 überschneiden sich."),
    ([window("thu", f"{h:02d}:00", f"{h:02d}:30") for h in range(8, 13)],
     "Donnerstag: höchstens 4 Zeiträume je Tag."),
    ([window("dienstags", "09:00", "12:00")], "Unbekannter Wochentag: dienstags"),
])
def test_a_bad_weekly_window_names_its_weekday_and_writes_nothing(session, make_user, windows, message):
    volunteer = make_user()
    with pytest.raises(ProfileError) as refused:
        save(session, volunteer, available=windows)
    assert refused.value.field == "available" and str(refused.value.message) == message
    assert profile_of(session, volunteer) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "volunteer_profile.saved")) == 0


def test_a_refusal_names_the_weekday_in_the_page_language(app, make_user, session):
    volunteer = make_user()
    with pytest.raises(ProfileError) as refused:
        save(session, volunteer, available=[window("tue", "19:00", "16:00")])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(refused.value.message) == "Tuesday: the end must be after the start."


def test_a_window_may_end_at_midnight(session, make_user):
    volunteer = make_user()
    save(session, volunteer, available=[window("sat", "18:00", "24:00")])
    assert profile_of(session, volunteer).available == [{"day": "sat", "from": "18:00", "to": "24:00"}]


def test_a_day_holds_several_windows_kept_in_time_order(session, make_user):
    volunteer = make_user()
    save(session, volunteer, available=[window("tue", "18:00", "20:00"), window("mon", "14:00", "16:00"),
                                        window("tue", "9:00", "12:00"), window("tue", "12:00", "13:00")])
    # touching windows are fine: they are one stretch to the planner
    assert profile_of(session, volunteer).available == [
        window("mon", "14:00", "16:00"), window("tue", "09:00", "12:00"), window("tue", "12:00", "13:00"),
        window("tue", "18:00", "20:00")]


def test_a_deleted_volunteer_takes_the_profile_along(session, make_user, make_accommodation):
    from roombook.access.privacy import delete_user

    volunteer = make_user()
    save(session, volunteer, accommodation_ids=[make_accommodation().id], note="privat")
    delete_user(session, None, volunteer)
    session.expire_all()

    assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerProfile)) == 0
    assert session.execute(sa.text("SELECT count(*) FROM volunteer_wish")).scalar() == 0


def test_deployment_counts_bookings_and_the_offers_of_their_provider_per_local_week(session, make_user, make_room,
                                                                                      make_offer):
    room = make_room()
    provider = Provider(key="sprachcafe", name="Sprachcafé", kind="volunteer", available=[])
    volunteer = make_user(display_name="Amal")
    volunteer.provider = provider
    offer = make_offer(room=room, slots=[("wed", "17:00")], category="language_course", title="Deutsch A1")
    offer.providers = [provider]
    materialise(session, offer.sessions[0], dt.date(2027, 3, 28), now=NOW)
    book_room(session, volunteer, room, local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Hausaufgabenhilfe", now=NOW)
    # Monday 00:00 local is Sunday 23:00 UTC: the second week's, by the accommodation's clock
    night = make_room(accommodation=room.accommodation, open=[{"day": "mon", "from": "00:00", "to": "24:00"}])
    book_room(session, volunteer, night, local(2027, 3, 8, 0), local(2027, 3, 8, 0, 30), "Nachtcafé", now=NOW)
    cancelled = book_room(session, volunteer, room, local(2027, 3, 9, 10), local(2027, 3, 9, 11), "Abgesagt",
                          now=NOW)
    from roombook.booking import cancel_booking
    cancel_booking(session, volunteer, cancelled, "krank")
    other = make_user(display_name="Bert")

    found = deployments(session, MONDAY, weeks=4)

    by_name = {d.volunteer.display_name: d for d in found}
    assert list(by_name) == ["Amal", "Bert"]
    amal = by_name["Amal"]
    assert amal.weeks == [MONDAY + dt.timedelta(weeks=n) for n in range(4)]
    # week 1: 60 booked + 90 of the course; week 2: 30 booked + the course; later weeks: the course alone
    assert amal.minutes == [150, 120, 90, 90]
    assert [(a.title, a.kind) for a in amal.activities[:3]] == [("Hausaufgabenhilfe", "booking"),
                                                                ("Deutsch A1", "offer"),
                                                                ("Nachtcafé", "booking")]
    assert "Abgesagt" not in [a.title for a in amal.activities]
    assert amal.profile is None and amal.fits  # without wishes nothing can lie outside them
    assert by_name["Bert"].minutes == [0, 0, 0, 0] and by_name["Bert"].activities == []
    assert other.id == by_name["Bert"].volunteer.id


def test_what_lies_outside_the_wished_places_times_and_hours_is_named(session, make_user, make_room):
    wished, elsewhere = make_room(), make_room()
    volunteer = make_user()
    save(session, volunteer, accommodation_ids=[wished.accommodation_id], available=[window("tue", "09:00", "12:00")],
         max_hours=1.5)
    inside = book_room(session, volunteer, wished, local(2027, 3, 2, 9), local(2027, 3, 2, 10), "Passt", now=NOW)
    book_room(session, volunteer, wished, local(2027, 3, 2, 11, 30), local(2027, 3, 2, 12, 30), "Zu spät",
              now=NOW)
    book_room(session, volunteer, elsewhere, local(2027, 3, 9, 10), local(2027, 3, 9, 11), "Anderswo", now=NOW)

    [deployment] = deployments(session, MONDAY, weeks=2)

    assert [a.title for a in deployment.outside_times] == ["Zu spät"]
    assert [a.title for a in deployment.outside_places] == ["Anderswo"]
    assert deployment.minutes == [120, 60]
    assert deployment.over_weeks == [MONDAY]  # 120 minutes against 90 wished
    assert not deployment.fits
    assert inside.title not in [a.title for a in deployment.outside_times + deployment.outside_places]


def test_a_day_with_two_windows_compares_each_and_their_touching_stretch(session, make_user, make_room):
    room = make_room()
    volunteer = make_user()
    save(session, volunteer, available=[window("tue", "09:00", "11:00"), window("tue", "11:00", "12:00"),
                                        window("tue", "17:00", "19:00")])
    for hour, title in ((10, "Über die Grenze"), (17, "Abends"), (13, "Mittags")):
        book_room(session, volunteer, room, local(2027, 3, 2, hour), local(2027, 3, 2, hour + 1, 30), title,
                  now=NOW)

    [deployment] = deployments(session, MONDAY, weeks=1)

    # 10:00-11:30 spans the two touching morning windows; only the lunchtime lies outside them all
    assert [a.title for a in deployment.outside_times] == ["Mittags"]
    assert [m.window for m in deployment.misfits] == [window("tue", "13:00", "14:30")]


def test_the_wished_times_follow_the_local_clock_across_the_change_to_summer_time(session, make_user, make_room):
    room = make_room()
    volunteer = make_user()
    save(session, volunteer, available=[window("tue", "09:00", "12:00")])
    # 09:00-10:00 local on both sides of 28 March 2027: 08:00 UTC before, 07:00 UTC after
    book_room(session, volunteer, room, local(2027, 3, 23, 9), local(2027, 3, 23, 10), "Winter", now=NOW)
    book_room(session, volunteer, room, local(2027, 3, 30, 9), local(2027, 3, 30, 10), "Sommer", now=NOW)

    [deployment] = deployments(session, dt.date(2027, 3, 22), weeks=2)

    assert deployment.minutes == [60, 60]
    assert deployment.outside_times == []


def test_needs_are_the_unmet_mandatory_offers_of_their_skills_in_their_places(session, make_user, make_room,
                                                                            make_offer):
    short_room, met_room, unwished_room = make_room(), make_room(), make_room()
    short, met, unwished = (r.accommodation for r in (short_room, met_room, unwished_room))
    for place in (short, met, unwished):
        session.add(Requirement(accommodation=place, category="language_course", min_minutes_per_week=180))
        session.add(Requirement(accommodation=place, category="counselling", min_minutes_per_week=60))
    # language courses: 90 minutes a week in `short` (half: amber), 180 in `met`; counselling nowhere (red)
    for room, slots in ((short_room, [("mon", "10:00")]), (met_room, [("mon", "10:00"), ("wed", "10:00")])):
        offer = make_offer(room=room, slots=slots, category="language_course")
        for slot in offer.sessions:
            materialise(session, slot, dt.date(2027, 3, 28), now=NOW)
    volunteer = make_user()
    save(session, volunteer, skills=["language_course", "counselling", "volunteer_activity"],
         accommodation_ids=[short.id, met.id])
    anywhere = make_user()
    save(session, anywhere, skills=["counselling"])
    no_mandatory_skill = make_user()
    save(session, no_mandatory_skill, skills=["volunteer_activity"])

    found = {d.volunteer.id: d for d in deployments(session, MONDAY, weeks=4)}

    needs = [(n.accommodation.id, n.category, n.status, n.short_minutes) for n in found[volunteer.id].needs]
    # red first; nothing for the place whose courses are met, nothing in the place they did not name
    assert sorted(needs[:2]) == sorted([(short.id, "counselling", "red", 60), (met.id, "counselling", "red", 60)])
    assert needs[2:] == [(short.id, "language_course", "amber", 90)]
    # no places named: needed anywhere
    assert {n.accommodation.id for n in found[anywhere.id].needs} == {short.id, met.id, unwished.id}
    assert found[no_mandatory_skill.id].needs == []


def test_the_profile_is_part_of_the_volunteers_data_export(session, make_user, make_accommodation):
    from roombook.access.privacy import export_user_data

    volunteer = make_user()
    place = make_accommodation()
    assert export_user_data(session, volunteer)["volunteer_profile"] is None
    save(session, volunteer, accommodation_ids=[place.id], available=[window("fri", "15:00", "18:00")], max_hours=3,
         note="Fahrrad-Werkstatt")

    exported = export_user_data(session, volunteer)["volunteer_profile"]
    assert {key: exported[key] for key in ("languages", "skills", "accommodations", "available",
                                           "max_minutes_per_week", "note")} == {
        "languages": ["de", "ar"], "skills": ["language_course"], "accommodations": [place.key],
        "available": [{"day": "fri", "from": "15:00", "to": "18:00"}], "max_minutes_per_week": 180,
        "note": "Fahrrad-Werkstatt"}


def test_who_could_help_a_place_with_an_offer(session, make_user, make_accommodation):
    from roombook.coordination.volunteers import who_could_help

    place, other = make_accommodation(), make_accommodation()
    here = make_user(display_name="Hier")
    save(session, here, skills=["counselling"], accommodation_ids=[place.id])
    anywhere = make_user(display_name="Überall")
    save(session, anywhere, skills=["counselling", "language_course"])
    save(session, make_user(display_name="Woanders"), skills=["counselling"], accommodation_ids=[other.id])
    save(session, make_user(display_name="Anderes"), skills=["language_course"], accommodation_ids=[place.id])
    inactive = make_user(display_name="Pausiert")
    save(session, inactive, skills=["counselling"])
    inactive.active = False
    make_user(display_name="Ohne Profil")

    assert [user.display_name for user, _profile in who_could_help(session, place, "counselling")] == [
        "Hier", "Überall"]
    assert [user.display_name for user, _profile in who_could_help(session, other, "counselling")] == [
        "Überall", "Woanders"]


def test_weekly_repeats_outside_the_wishes_are_one_misfit_with_their_dates(session, make_user, make_room,
                                                                          make_offer):
    wished, elsewhere = make_room(), make_room()
    provider = Provider(key="cafe", name="Café-Team", kind="volunteer", available=[])
    volunteer = make_user()
    volunteer.provider = provider
    save(session, volunteer, accommodation_ids=[wished.accommodation_id], available=[window("sat", "10:00", "13:00")])
    cafe = make_offer(room=elsewhere, slots=[("sat", "14:00")], title="Begegnungscafé", category="volunteer_activity")
    cafe.providers = [provider]
    materialise(session, cafe.sessions[0], dt.date(2027, 3, 20), now=NOW)
    book_room(session, volunteer, wished, local(2027, 3, 13, 15), local(2027, 3, 13, 16), "Nachhilfe", now=NOW)

    [deployment] = deployments(session, MONDAY, weeks=3)

    assert [(m.first.title, m.dates, m.outside_place, m.outside_time) for m in deployment.misfits] == [
        ("Begegnungscafé", (dt.date(2027, 3, 6), dt.date(2027, 3, 13), dt.date(2027, 3, 20)), True, True),
        ("Nachhilfe", (dt.date(2027, 3, 13),), False, True)]
